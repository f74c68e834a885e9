"""The feedback screen: the session report, key points and model answers on request, export to Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static

from ..domain import Transcript
from ..phrases import Phrases, pick
from ..report import SessionReport, build_report, to_markdown, tokens_in_out
from ..store import write_atomic
from ..untrusted import for_markdown, markdown_line, one_line
from .keys import speak
from .messages import TryAgain

if TYPE_CHECKING:
    from .app import Context

TEXT: Phrases = {
    "key_points": ("강한 답변이 다루는 핵심 포인트", "Key points a strong answer covers"),
    "model_answer": ("모범 답안", "Model answer"),
    "follow_ups": ("받은 꼬리질문", "Follow-ups asked"),
    "exported": ("리포트를 저장했습니다: {path}", "Report saved to {path}"),
    "grading": ("채점 중…", "Grading…"),
}


def _without_autolinks() -> MarkdownIt:
    # Model and bank text may hold bare URLs: shown as text, never turned into links that open on a click.
    return MarkdownIt("gfm-like", {"linkify": False})


class FeedbackScreen(Screen[None]):
    BINDINGS = [
        Binding("m", "toggle_answers", "Model answers"),
        Binding("e", "export", "Export .md"),
        Binding("t", "try_again", "Try again"),
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
            yield Markdown(self.document(), id="report", parser_factory=_without_autolinks)
        yield Static(self._usage_line(), id="status")
        yield Footer()

    def _report(self) -> SessionReport:
        report = build_report(self.transcript, self.context.settings.prices)
        # Mid-interview (F6), the question on screen is still being answered: it is not part of the
        # feedback so far, and nothing of it may be shown that would help answer it.
        report.questions = [q for q in report.questions if q.status != "open"]
        return report

    def document(self) -> str:
        text = to_markdown(self._report(), conversation=False)
        extra = []
        for r in self.transcript.records:
            if not r.turns or r.status == "open":
                continue
            # Follow-ups come from the model, key points and model answers from a bank file: shown as written.
            asked = [t.text for t in r.turns if t.kind in ("follow_up", "deepen")]
            qid = markdown_line(r.question.id)
            if asked:
                extra.append(f"### {qid} — {self.t('follow_ups')}")
                extra += ["- " + for_markdown(text).replace("\n", "\n  ") for text in asked]
                extra.append("")
            if r.feedback is None:
                # Key points and the model answer only once the question is graded: a question left
                # ungraded may still be answered, on resume or in another attempt.
                continue
            extra.append(f"### {qid} — {self.t('key_points')}")
            extra += [
                f"- **{markdown_line(k.id)}**: " + for_markdown(k.text(self.lang)).replace("\n", "\n  ")
                for k in r.question.key_points
            ]
            if self.show_answers:
                answer = for_markdown(r.question.model_answer(self.lang))
                extra += ["", f"**{self.t('model_answer')}**", "", answer]
            extra.append("")
        return text + "\n" + "\n".join(extra)

    def _usage_line(self) -> Content:
        u = self.transcript.usage()
        t = self.transcript
        backend = one_line(t.provider) + (f" · {one_line(t.model)}" if t.model else "")
        if not u.calls:
            return Content(backend)
        return Content(f"{backend} · {tokens_in_out(u, self.lang)}")

    async def action_toggle_answers(self) -> None:
        self.show_answers = not self.show_answers
        await self.query_one("#report", Markdown).update(self.document())

    def action_export(self) -> None:
        path = self.context.store.data_dir / "reports" / f"{self.transcript.session_id}.md"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, to_markdown(self._report()).encode())
        except OSError as exc:
            self.notify(one_line(f"{path}: {exc.strerror or exc}"), severity="error", markup=False)
            return
        self.notify(one_line(self.t("exported", path=path)), timeout=10, markup=False)

    def action_try_again(self) -> None:
        self.post_message(TryAgain(self.transcript))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Mid-interview (F6) the session is not over: its questions are retried once it is.
        if action == "try_again":
            return self.transcript.finished and any(r.feedback is not None for r in self.transcript.records)
        return True

    def action_back(self) -> None:
        self.dismiss()
