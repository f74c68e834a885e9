"""The interview screen: the question, the conversation, the answer editor; backend work in workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, LoadingIndicator, Static, TextArea

from ..domain import Lang
from ..engine import Engine
from ..events import (
    Answer,
    Command,
    CommandKind,
    Event,
    HintGiven,
    InterviewFinished,
    Notice,
    Prompt,
    QuestionGraded,
    SessionStarted,
    TextDelta,
    Waiting,
)
from ..learning.verdict import TEXT as VERDICT
from ..learning.verdict import summary, verdict_lines
from ..llm.base import BackendAuthError
from ..phrases import Phrases, pick
from ..report import tokens_in_out
from ..untrusted import for_terminal, one_line
from ..why import explain_follow_up
from .keys import speak
from .messages import InterviewEnded, OpenReport

TEXT: Phrases = {
    "interviewer": ("면접관", "Interviewer"),
    "you": ("나", "You"),
    "hint": ("힌트", "Hint"),
    "question": ("질문", "Question"),
    "follow_up": ("꼬리질문", "follow-up"),
    "reason_aloud": ("추론해 보기", "reason aloud"),
    "graded": ("질문 {i} 채점 완료: {score:.2f} / 5", "Question {i} graded: {score:.2f} / 5"),
    "busy": ("면접관이 답변을 준비하고 있습니다…", "The interviewer is still replying…"),
    "placeholder": ("답변을 입력하고 Ctrl+S로 제출하세요", "Type your answer, Ctrl+S to submit"),
    "waiting": (
        "모델 응답 대기 중… {s}초 · Esc: 오프라인 면접관이 바로 답하기 ({limit}초가 지나면 자동)",
        "Waiting for the model… {s} s · Esc: let the offline interviewer answer now (it will at {limit} s)",
    ),
    "waiting_grade": (
        "채점 대기 중… {s}초 · Esc: 남은 채점을 오프라인 채점기로 ({limit}초가 지나면 자동)",
        "Waiting for grades… {s} s · Esc: let the offline grader finish now (it will at {limit} s)",
    ),
    "end_with_text": (
        "작성 중인 답변이 있습니다. 면접을 어떻게 끝낼까요?",
        "You have typed an answer that is not submitted. How should the interview end?",
    ),
    "end_submit": ("답변 제출 후 종료", "Submit it and end"),
    "end_keep": ("임시 저장 후 종료", "Keep it as a draft and end"),
    "end_cancel": ("취소 (Esc)", "Cancel (Esc)"),
    "skipped": ("(건너뜀)", "(skipped)"),
    "idk": ("(모르겠습니다)", "(I don't know)"),
}


class EndWithTextScreen(ModalScreen[str | None]):
    """F10 with an answer typed but not submitted: submit it, keep it as the draft, or go back."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Back")]

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="end-dialog"):
            yield Static(pick(TEXT, "end_with_text", self.lang))
            with Vertical(id="end-choices"):
                yield Button(pick(TEXT, "end_submit", self.lang), id="submit", variant="primary")
                yield Button(pick(TEXT, "end_keep", self.lang), id="keep")
                yield Button(pick(TEXT, "end_cancel", self.lang), id="cancel")

    def on_mount(self) -> None:
        speak(self, self.lang)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)


class InterviewScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        Binding("f2", "command('hint')", "Hint"),
        Binding("f3", "command('skip')", "Skip"),
        Binding("f4", "command('idk')", "Don't know"),
        Binding("f10", "command('end')", "End"),
        Binding("f6", "feedback", "Score", priority=True),
        Binding("f8", "why", "Why"),
        Binding("escape", "hand_over", "Don't wait"),
    ]

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.lang = engine.transcript.plan.lang
        self.busy = False
        self._streamed: Static | None = None  # the follow-up being streamed in, and its text so far
        self._streamed_text = ""
        # The timer runs for the whole question; a follow-up's own time shows beside it.
        self._question: str | None = None
        self._question_started = 0.0
        self._prompt_started: float | None = None

    def t(self, key: str, **values: object) -> str:
        return pick(TEXT, key, self.lang, **values)

    def compose(self) -> ComposeResult:
        with Horizontal(id="question-bar"):
            yield Static("", id="progress")
            yield Static("00:00", id="elapsed")
        yield VerticalScroll(id="conversation")
        yield LoadingIndicator(id="spinner")
        yield Static("", id="waiting")
        yield Static("", id="notice")
        yield TextArea(id="answer", soft_wrap=True, placeholder=self.t("placeholder"))
        yield Static("", id="status")
        yield Footer()

    def on_screen_resume(self) -> None:
        speak(self, self.lang)

    def on_mount(self) -> None:
        self.query_one("#spinner").display = False
        self.query_one("#waiting").display = False
        self.query_one("#notice").display = False
        self.query_one(TextArea).focus()
        self._question_started = self.clock()
        self.set_interval(1, self._tick)
        self._update_status()
        self.run_engine(self._open())

    async def _open(self) -> AsyncIterator[Event]:
        try:
            problem = await self.engine.backend.check()
        except BackendAuthError as exc:
            self.notify(for_terminal(str(exc)), severity="error", timeout=15, markup=False)
            self.dismiss()
            return
        if problem:
            self._notice(problem, warning=True)
            self.engine.use_offline()
        async for e in self.engine.start():
            yield e

    # --- actions ---------------------------------------------------------------------------

    def action_submit(self) -> None:
        if self._refuse_while_busy():
            return
        editor = self.query_one(TextArea)
        text = editor.text
        editor.clear()
        self._say("you", text or "…")
        self.run_engine(self.engine.submit(Answer(text=text)))

    def action_command(self, kind: str) -> None:
        if self._refuse_while_busy():
            return
        if kind == "end" and self.query_one(TextArea).text.strip():
            # Ending would drop the typed answer unseen: the candidate says what becomes of it.
            self.app.push_screen(EndWithTextScreen(self.lang), self._end_with_text)
            return
        if kind in ("skip", "idk"):
            self._say("you", self.t("skipped" if kind == "skip" else "idk"))
        self.run_engine(self.engine.submit(Command(kind=cast(CommandKind, kind))))

    def _end_with_text(self, choice: str | None) -> None:
        if choice is None or self._refuse_while_busy():
            return
        editor = self.query_one(TextArea)
        text = editor.text
        if choice == "keep":
            self.engine.set_draft(text)
            self.run_engine(self.engine.submit(Command(kind="end")))
            return
        editor.clear()
        self._say("you", text)
        self.run_engine(self._submit_then_end(text))

    async def _submit_then_end(self, text: str) -> AsyncIterator[Event]:
        async for e in self.engine.submit(Answer(text=text)):
            yield e
        if not self.engine.finished:  # the answer may have closed the last question already
            async for e in self.engine.submit(Command(kind="end")):
                yield e

    async def on_unmount(self) -> None:
        await self.engine.backend.close()

    def action_hand_over(self) -> None:
        self.engine.hand_over()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc means something only while the model keeps the candidate waiting.
        if action == "hand_over":
            return self.query_one("#waiting").display
        return True

    async def action_why(self) -> None:
        """Why the follow-up on screen was asked, when the candidate asks: which point it probes, and
        whether it was missing, looked wrong, or goes deeper (never the point's content)."""
        await self._add_turn(Content(f"ⓘ {for_terminal(explain_follow_up(self.engine.transcript))}"), "why")

    def _notice(self, text: str, warning: bool = False) -> None:
        """One line under the conversation, the latest only: stacked pop-ups would cover the question."""
        notice = self.query_one("#notice", Static)
        notice.set_class(warning, "warning")
        notice.update(Content(one_line(for_terminal(text))))
        notice.display = True

    def action_feedback(self) -> None:
        self.post_message(OpenReport(self.engine.transcript))

    def keep_draft(self) -> None:
        """Keep the answer being typed, so closing the app loses nothing."""
        if not self.engine.finished:
            self.engine.set_draft(self.query_one(TextArea).text)

    def _refuse_while_busy(self) -> bool:
        if self.busy or self.engine.finished:
            if self.busy:
                self._notice(self.t("busy"))
            return True
        return False

    # --- engine events ---------------------------------------------------------------------

    @work(exclusive=True, group="engine")
    async def run_engine(self, events: AsyncIterator[Event]) -> None:
        self._set_busy(True)
        try:
            async for event in events:
                await self.render_event(event)
        finally:
            self._set_busy(False)
            self._update_status()

    async def render_event(self, e: Event) -> None:
        match e:
            case SessionStarted():
                if e.draft:
                    editor = self.query_one(TextArea)
                    editor.text = e.draft
                    # The candidate picks up typing where they stopped, not at the first character.
                    editor.move_cursor(editor.document.end)
            case Waiting():
                key = "waiting" if e.step == "follow_up" else "waiting_grade"
                self._show_waiting(self.t(key, s=e.elapsed_s, limit=e.limit_s))
            case TextDelta():
                self._show_waiting(None)
                self._streamed_text += e.text
                said = self._turn(f"{self.t('interviewer')}:", "\u00a0", self._streamed_text)
                if self._streamed is None:
                    self._streamed = Static(said, classes="turn interviewer")
                    await self.query_one("#conversation").mount(self._streamed)
                else:
                    self._streamed.update(said)
                self._scroll_end()
            case Prompt():
                self._show_waiting(None)
                await self._show_prompt(e)
            case HintGiven():
                await self._add_turn(Content(f"💡 {for_terminal(e.text)}"), "hint")
            case Notice():
                self._notice(e.text, warning=e.level == "warning")
            case QuestionGraded() if self.engine.transcript.plan.review:
                # A drill card: how the point fared and what a strong answer says, before the next card.
                lines = verdict_lines(self.engine.transcript.records[e.index - 1], self.lang)
                await self._add_turn(Content(for_terminal("\n".join(lines))), "verdict")
            case QuestionGraded():
                self._notice(self.t("graded", i=e.index, score=e.feedback.overall))
            case InterviewFinished():
                if self.engine.transcript.plan.review:  # how the cards went, over the report that follows
                    self.notify(summary(self.engine.transcript, self.lang), timeout=10, markup=False)
                self.post_message(InterviewEnded(self.engine.transcript))

    async def _show_prompt(self, e: Prompt) -> None:
        label = {"question": "question", "reason_aloud": "reason_aloud"}.get(e.kind, "follow_up")
        asked = self._turn(self.t("interviewer"), f" ({self.t(label)})\n\n", e.text)
        if self._streamed is not None:
            self._streamed.update(asked)
            self._streamed, self._streamed_text = None, ""
        else:
            await self._add_turn(asked, "interviewer")
        progress = f"{self.t('question')} {e.index}/{e.total} · {e.category} · {'★' * e.difficulty}"
        if self.engine.transcript.plan.review:
            progress = f"{pick(VERDICT, 'header', self.lang)} · {progress}"
        if e.follow_up:
            progress += f" · {self.t('follow_up')} {e.follow_up}/{e.follow_up_limit}"
        self.query_one("#progress", Static).update(Content(progress))
        now = self.clock()
        if e.question_id != self._question:
            self._question, self._question_started = e.question_id, now
        self._prompt_started = None if e.kind == "question" else now
        self._tick()

    @staticmethod
    def _turn(who: str, between: str, text: str) -> Content:
        # Answers, questions and follow-ups are shown as written: plain text, never Markdown or markup.
        return Content.assemble((who, "bold"), between, for_terminal(text))

    def _say(self, who: str, text: str) -> None:
        said = self._turn(f"{self.t(who)}:", "\u00a0", text)
        self.query_one("#conversation").mount(Static(said, classes="turn you"))
        self._scroll_end()

    async def _add_turn(self, content: Content, kind: str) -> None:
        await self.query_one("#conversation").mount(Static(content, classes=f"turn {kind}"))
        self._scroll_end()

    def _scroll_end(self) -> None:
        self.query_one("#conversation", VerticalScroll).scroll_end(animate=False)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#spinner").display = busy
        if not busy:
            self._show_waiting(None)

    def _show_waiting(self, line: str | None) -> None:
        waiting = self.query_one("#waiting", Static)
        if line is not None:
            waiting.update(Text(line))
        if waiting.display != (line is not None):
            waiting.display = line is not None
            self.refresh_bindings()

    def _tick(self) -> None:
        now = self.clock()
        shown = _minutes(now - self._question_started)
        if self._prompt_started is not None:
            shown += f" · {self.t('follow_up')} {_minutes(now - self._prompt_started)}"
        self.query_one("#elapsed", Static).update(shown)

    def _update_status(self) -> None:
        t = self.engine.transcript
        usage = t.usage()
        parts = [one_line(t.provider) + (f" · {one_line(t.model)}" if t.model else "")]
        if usage.calls:
            parts.append(tokens_in_out(usage, self.lang))
        if self.engine.grading:
            parts.append(f"grading {self.engine.grading}")
        parts.append(one_line(t.session_id))
        self.query_one("#status", Static).update(Content(" · ".join(parts)))


def _minutes(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"
