"""The feedback screen: the session report, key points and model answers on request, export to Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

from ..domain import Transcript
from ..phrases import Phrases, pick
from ..report import build_report, to_markdown, tokens_in_out
from ..store import write_atomic
from .keys import speak

if TYPE_CHECKING:
    from .app import Context

TEXT: Phrases = {
    "key_points": ("강한 답변이 다루는 핵심 포인트", "Key points a strong answer covers"),
    "model_answer": ("모범 답안", "Model answer"),
    "follow_ups": ("받은 꼬리질문", "Follow-ups asked"),
    "exported": ("리포트를 저장했습니다: {path}", "Report saved to {path}"),
    "grading": ("채점 중…", "Grading…"),
}


class FeedbackScreen(Screen[None]):
    BINDINGS = [
        Binding("m", "toggle_answers", "Model answers"),
        Binding("e", "export", "Export .md"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, transcript: Transcript, context: Context) -> None:
        super().__init__()
        self.transcript = transcript
        self.context = context
        self.lang = transcript.plan.lang
        self.show_answers = False

    def on_screen_resume(self) -> None:
        speak(self, self.lang)

    def t(self, key: str, **values: object) -> str:
        return pick(TEXT, key, self.lang, **values)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="feedback"):
            yield Markdown(self.document(), id="report")
        yield Static(self._usage_line(), id="status")
        yield Footer()

    def document(self) -> str:
        report = build_report(self.transcript, self.context.settings.prices)
        text = to_markdown(report, conversation=False)
        extra = []
        for r in self.transcript.records:
            if not r.turns:
                continue
            asked = [t.text for t in r.turns if t.kind in ("follow_up", "deepen")]
            if asked:
                extra.append(f"### {r.question.id} — {self.t('follow_ups')}")
                extra += [f"- {text}" for text in asked]
                extra.append("")
            extra.append(f"### {r.question.id} — {self.t('key_points')}")
            extra += [f"- **{k.id}**: {k.text(self.lang)}" for k in r.question.key_points]
            if self.show_answers:
                extra += ["", f"**{self.t('model_answer')}**", "", r.question.model_answer(self.lang).strip()]
            extra.append("")
        return text + "\n" + "\n".join(extra)

    def _usage_line(self) -> str:
        u = self.transcript.usage()
        backend = self.transcript.provider + (f" · {self.transcript.model}" if self.transcript.model else "")
        if not u.calls:
            return backend
        return f"{backend} · {tokens_in_out(u)}"

    async def action_toggle_answers(self) -> None:
        self.show_answers = not self.show_answers
        await self.query_one("#report", Markdown).update(self.document())

    def action_export(self) -> None:
        path = self.context.store.data_dir / "reports" / f"{self.transcript.session_id}.md"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(
                path, to_markdown(build_report(self.transcript, self.context.settings.prices)).encode()
            )
        except OSError as exc:
            self.notify(f"{path}: {exc.strerror or exc}", severity="error")
            return
        self.notify(self.t("exported", path=path), timeout=10)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit(0)
