"""The setup screen: what to practise, in which language, with which backend. Enter starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Button, Footer, Input, Label, Select, SelectionList, Static
from textual.worker import Worker, WorkerState

from ..bank import BankError
from ..choice_errors import describe
from ..domain import TRACKS
from ..phrases import Phrases, pick
from ..redact import redact_url
from ..settings import OPENAI_ENDPOINT
from ..store import SessionSummary, StoreError
from ..untrusted import one_line
from .keys import speak
from .messages import OpenBankBrowser, OpenHistory, OpenInterview, ReviewProfile, StartReview
from .prefs import SetupChoices, load_choices, save_choices

if TYPE_CHECKING:
    from .app import Context

TEXT: Phrases = {
    "title": ("모의 기술 면접", "Mock technical interview"),
    "track": ("직무 트랙", "Track"),
    "difficulty": ("난이도", "Difficulty"),
    "categories": ("분야 (비우면 전체)", "Categories (none = all)"),
    "questions": ("질문 수", "Questions"),
    "follow_ups": ("질문당 꼬리질문", "Follow-ups each"),
    "lang": ("언어", "Language"),
    "provider": ("백엔드", "Backend"),
    "model": ("모델", "Model"),
    "model_default": ("비우면 {model}", "empty: {model}"),
    "banks": ("추가 문제 은행", "Extra banks"),
    "banks_hint": ("경로, 쉼표로 구분", "paths, comma-separated"),
    "profile": ("이력서", "Profile"),
    "profile_hint": (
        "내 프로젝트로 면접: 이력서 파일 (.md, .txt, .pdf)",
        "interview on your projects: a résumé file (.md, .txt, .pdf)",
    ),
    "profile_offline": (
        "→ 오프라인: 이력서는 이 컴퓨터를 떠나지 않습니다",
        "→ offline: the profile never leaves this machine",
    ),
    "profile_model": (
        "→ 이력서는 설정한 서버({host})로만 보내집니다",
        "→ the profile is sent only to the configured server ({host})",
    ),
    "start": ("시작 (Enter)", "Start (Enter)"),
    "history": ("기록 (F5)", "History (F5)"),
    "resume": ("이어하기 (F7)", "Resume (F7)"),
    "browse": ("문제 고르기 (F8)", "Pick questions (F8)"),
    "review": ("복습 ({n}개 · F6)", "Review ({n} due · F6)"),
    "review_unknown": ("복습 (F6)", "Review (F6)"),
    "no_cards": (
        "복습할 카드가 아직 없습니다. 면접에서 놓친 핵심 포인트가 카드가 됩니다.",
        "No review cards yet. Key points you miss in an interview become cards.",
    ),
    "none_due": (
        "오늘 복습할 카드가 없습니다. 다음 카드는 {date}에 돌아옵니다.",
        "Nothing to review today. The next card is due on {date}.",
    ),
    "rebuild": (
        "{problem}; `interviewer review --rebuild`로 다시 만들 수 있습니다",
        "{problem}; `interviewer review --rebuild` makes it again",
    ),
    "unfinished": (
        "끝내지 않은 면접: {id} · {answered}/{total}문항 답변 · F7로 이어하기",
        "Unfinished interview: {id} · {answered} of {total} answered · F7 to resume",
    ),
    "key_set": ("API 키: 설정됨", "API key: set"),
    "nothing_set": ("API 키나 base URL이 설정되지 않음", "no API key or base URL configured"),
    "model_is": ("모델", "model"),
    "track_mlse": (
        "ML 소프트웨어 엔지니어: CS 기초, ML 이론, 서빙과 MLOps, 시스템 설계",
        "ML software engineer: CS fundamentals, ML theory, serving and MLOps, system design",
    ),
    "track_mle": (
        "ML 엔지니어: ML 이론과 MLOps 중심, CS와 시스템 설계는 일부",
        "ML engineer: mostly ML theory and MLOps, some CS and system design",
    ),
    "track_backend": (
        "백엔드 엔지니어: CS 기초, 백엔드, 시스템 설계 (ML 이론 없음)",
        "Backend engineer: CS fundamentals, backend, system design (no ML theory)",
    ),
}

# Labels (#label-<field>) and buttons on the screen, each said by the TEXT key of its own name: relabelled
# when the language changes.
_LABELS = (
    "track",
    "difficulty",
    "questions",
    "follow_ups",
    "lang",
    "provider",
    "model",
    "banks",
    "profile",
    "categories",
)
_BUTTONS = ("start", "history", "browse", "resume")


@dataclass(frozen=True)
class DueCards:
    """What the review entry says: how many cards are due today, and when the next one is otherwise."""

    due: int = 0
    next_due: datetime | None = None
    problem: str | None = None  # the review database cannot be read: the one line to show


class CategoryList(SelectionList[str]):
    """A selection list whose check mark shows only on selected lines: the stock one draws the same
    mark on every line and tells them apart by its colour alone."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        index = self.scroll_offset.y + y
        # The line is the button's left edge, its mark, its right edge, a space, then the prompt.
        if (
            len(segments) > 3
            and index < self.option_count
            and self.get_option_at_index(index).value not in self.selected
        ):
            segments[1] = segments[1]._replace(text=" " * segments[1].cell_length)
            return Strip(segments, strip.cell_length)
        return strip


class SetupScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("f5", "history", "History"),
        Binding("f6", "review", "Review"),
        Binding("f7", "resume", "Resume"),
        Binding("f8", "browse", "Pick questions"),
    ]

    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        self.unfinished: SessionSummary | None = None
        self.due_cards: DueCards | None = None  # None until counted, off the screen's thread

    def compose(self) -> ComposeResult:
        ctx = self.context
        choices = load_choices(ctx.prefs_path, ctx.default_lang)
        # What the command line named wins over what was chosen last time.
        choices = SetupChoices.model_validate({**choices.model_dump(), **ctx.given})
        self.lang = choices.lang
        try:
            bank = ctx.default_bank()
            categories = bank.categories()
        except BankError:
            categories = []
        t = self.t
        levels = [(str(n), n) for n in range(1, 6)]
        with VerticalScroll(id="setup-page"):
            with Horizontal(id="setup"):
                with Vertical(id="setup-form"):
                    yield Static(f"[b]{t('title')}[/b]", id="setup-title")
                    with Horizontal(classes="field"):
                        yield Label(t("track"), id="label-track")
                        yield Select(
                            [(x, x) for x in TRACKS],
                            value=choices.track,
                            allow_blank=False,
                            id="track",
                            compact=True,
                        )
                    yield Static(self._track_line(choices.track), id="track-about")
                    with Horizontal(classes="field"):
                        yield Label(t("difficulty"), id="label-difficulty")
                        yield Select(
                            levels,
                            value=choices.min_difficulty,
                            allow_blank=False,
                            id="min_difficulty",
                            compact=True,
                        )
                        yield Static("–", classes="between")
                        yield Select(
                            levels,
                            value=choices.max_difficulty,
                            allow_blank=False,
                            id="max_difficulty",
                            compact=True,
                        )
                    with Horizontal(classes="field"):
                        yield Label(t("questions"), id="label-questions")
                        yield Input(str(choices.questions), id="questions", type="integer", compact=True)
                    with Horizontal(classes="field"):
                        yield Label(t("follow_ups"), id="label-follow_ups")
                        yield Input(str(choices.follow_ups), id="follow_ups", type="integer", compact=True)
                    with Horizontal(classes="field"):
                        yield Label(t("lang"), id="label-lang")
                        yield Select(
                            [("한국어", "ko"), ("English", "en")],
                            value=choices.lang,
                            allow_blank=False,
                            id="lang",
                            compact=True,
                        )
                    with Horizontal(classes="field gap"):
                        yield Label(t("provider"), id="label-provider")
                        yield Select(
                            [("auto", "auto"), ("offline", "offline"), ("openai", "openai")],
                            value=choices.provider,
                            allow_blank=False,
                            id="provider",
                            compact=True,
                        )
                    yield Static(self._backend_status(choices.provider), id="backend-status")
                    with Horizontal(classes="field"):
                        yield Label(t("model"), id="label-model")
                        yield Input(choices.model, id="model", placeholder=self._model_hint(), compact=True)
                    with Horizontal(classes="field"):
                        yield Label(t("banks"), id="label-banks")
                        yield Input(choices.banks, id="banks", placeholder=t("banks_hint"), compact=True)
                    with Horizontal(classes="field"):
                        yield Label(t("profile"), id="label-profile")
                        yield Input(
                            choices.profile, id="profile", placeholder=t("profile_hint"), compact=True
                        )
                    yield Static(self._privacy(choices.provider), id="profile-privacy")
                with Vertical(id="setup-categories"):
                    yield Label(t("categories"), id="label-categories")
                    yield CategoryList(
                        *[(c, c, c in choices.categories) for c in categories], id="categories"
                    )
                    # Under the categories, where the form leaves room: the row of buttons below is full
                    # at 80 columns once Resume shows.
                    yield Button(t("review_unknown"), id="review", compact=True)
            yield Static("", id="setup-error")
            yield Static("", id="unfinished")
            with Horizontal(classes="buttons"):
                yield Button(t("start"), id="start", variant="primary", compact=True)
                yield Button(t("history"), id="history", compact=True)
                yield Button(t("browse"), id="browse", compact=True)
                yield Button(t("resume"), id="resume", compact=True)
        yield Footer()

    def t(self, key: str, **values: object) -> str:
        return pick(TEXT, key, self.lang, **values)

    def _track_line(self, track: str) -> Content:
        return Content(self.t(f"track_{track}"))

    def _model_hint(self) -> str:
        return one_line(self.t("model_default", model=self.context.settings.resolved_model()))

    def _backend_status(self, provider: str) -> Content:
        s = self.context.settings
        configured = []
        if s.api_key:
            configured.append(self.t("key_set"))
        if s.base_url:
            configured.append(f"base URL: {redact_url(s.base_url)}")
        resolved = s.model_copy(update={"provider": provider}).resolved_provider()
        detail = ", ".join(configured) or self.t("nothing_set")
        model = f" · {self.t('model_is')} {s.resolved_model()}" if resolved == "openai" else ""
        return Content(one_line(f"→ {resolved}{model} ({detail})"))

    def _privacy(self, provider: str) -> Content:
        """Where a profile goes with the backend chosen: said before it is read, not after."""
        s = self.context.settings
        if s.model_copy(update={"provider": provider}).resolved_provider() == "offline":
            return Content(self.t("profile_offline"))
        host = urlsplit(s.base_url or OPENAI_ENDPOINT).hostname or "?"
        return Content(one_line(self.t("profile_model", host=host)))

    def on_screen_resume(self) -> None:
        speak(self, self.lang)
        # Both read again each time the screen shows (an interview just left or ended changes what is offered
        # back, a drill the cards), off the screen's thread: each reads every transcript.
        self.run_worker(
            self._find_unfinished, thread=True, exclusive=True, group="unfinished", exit_on_error=False
        )
        self.run_worker(self._count_due, thread=True, exclusive=True, group="due-cards", exit_on_error=False)

    def _count_due(self) -> DueCards:
        """On a worker thread: fold in the sessions not read yet, then count the cards due today. The
        database may hold thousands of cards and the transcripts need reading: the first frame never waits."""
        from ..learning.cards import LearningError
        from ..learning.drill import end_of_day

        ctx = self.context
        try:
            cards = ctx.caught_up_cards()
            due = cards.due_count(end_of_day(ctx.now()))
            if due:
                return DueCards(due=due)
            return DueCards(next_due=cards.summary()[1])
        except LearningError as exc:
            line = one_line(str(exc))
            return DueCards(problem=line if "--rebuild" in line else self.t("rebuild", problem=line))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "unfinished" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            found = event.worker.result  # an error reading the sessions: nothing offered
            self.unfinished = found if isinstance(found, SessionSummary) else None
            self._show_unfinished()
            return
        if event.worker.group != "due-cards":
            return
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, DueCards):
            self.due_cards = event.worker.result
        elif event.state == WorkerState.ERROR:  # a transcript or the disk failed in a way not foreseen
            self.due_cards = DueCards(problem=one_line(str(event.worker.error)))
        else:
            return
        self._show_due()

    def _show_due(self) -> None:
        known = self.due_cards
        label = self.t("review_unknown") if known is None or known.problem else self.t("review", n=known.due)
        button = self.query_one("#review", Button)
        button.label = label
        button.refresh(layout=True)  # a compact button keeps the width of its first label otherwise

    def on_mount(self) -> None:
        # Enter starts at once with the choices shown; the form stays scrolled to its top.
        self.query_one("#start", Button).focus(scroll_visible=False)
        self._show_unfinished()  # nothing offered until the sessions are read

    def _find_unfinished(self) -> SessionSummary | None:
        """On a worker thread: the latest interview left unfinished (Ctrl+Q, a closed terminal) with an
        answer or a draft in it, offered back rather than hidden in History."""
        found = self.context.store.latest_unfinished()
        return found if found is not None and (found.answers or found.has_draft) else None

    def _show_unfinished(self) -> None:
        line = self.query_one("#unfinished", Static)
        self.query_one("#resume", Button).display = line.display = self.unfinished is not None
        if self.unfinished is not None:
            u = self.unfinished
            line.update(
                Content(
                    one_line(self.t("unfinished", id=u.session_id, answered=u.answers, total=u.questions))
                )
            )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resume":
            return self.unfinished is not None
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "provider":
            self.query_one("#backend-status", Static).update(self._backend_status(str(event.value)))
            self.query_one("#profile-privacy", Static).update(self._privacy(str(event.value)))
        elif event.select.id == "track":
            self.query_one("#track-about", Static).update(self._track_line(str(event.value)))
        elif event.select.id == "lang" and event.value != self.lang:
            self.lang = "ko" if event.value == "ko" else "en"
            self._relabel()

    def _relabel(self) -> None:
        """Everything the screen says, in the language just chosen."""
        for field in _LABELS:
            self.query_one(f"#label-{field}", Label).update(self.t(field))
        for button in _BUTTONS:
            self.query_one(f"#{button}", Button).label = self.t(button)
        self.query_one("#setup-title", Static).update(f"[b]{self.t('title')}[/b]")
        self.query_one("#track-about", Static).update(
            self._track_line(str(self.query_one("#track", Select).value))
        )
        self.query_one("#model", Input).placeholder = self._model_hint()
        self.query_one("#banks", Input).placeholder = self.t("banks_hint")
        self.query_one("#profile", Input).placeholder = self.t("profile_hint")
        provider = str(self.query_one("#provider", Select).value)
        self.query_one("#backend-status", Static).update(self._backend_status(provider))
        self.query_one("#profile-privacy", Static).update(self._privacy(provider))
        self.query_one("#setup-error", Static).update("")
        speak(self, self.lang)
        self._show_unfinished()  # the session found when the screen showed: its line in the new language
        self._show_due()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "history":
            self.action_history()
        elif event.button.id == "resume":
            self.action_resume()
        elif event.button.id == "browse":
            self.action_browse()
        elif event.button.id == "review":
            self.action_review()

    def read_choices(self) -> SetupChoices:
        def number(widget_id: str) -> int:
            value = self.query_one(f"#{widget_id}", Input).value.strip()
            return int(value) if value.lstrip("-").isdigit() else -1

        return SetupChoices.model_validate(
            {
                "track": self.query_one("#track", Select).value,
                "categories": list(self.query_one("#categories", SelectionList).selected),
                "questions": number("questions"),
                "follow_ups": number("follow_ups"),
                "min_difficulty": self.query_one("#min_difficulty", Select).value,
                "max_difficulty": self.query_one("#max_difficulty", Select).value,
                "lang": self.query_one("#lang", Select).value,
                "provider": self.query_one("#provider", Select).value,
                "model": self.query_one("#model", Input).value.strip(),
                "banks": self.query_one("#banks", Input).value.strip(),
                "profile": self.query_one("#profile", Input).value.strip(),
            }
        )

    def action_start(self) -> None:
        error = self.query_one("#setup-error", Static)
        try:
            choices = self.read_choices()
            if (
                choices.profile
            ):  # read here, so a bad file is said beside the form; what it holds is shown next
                profile = self.context.read_profile(choices)
                error.update("")
                save_choices(self.context.prefs_path, choices)
                self.post_message(ReviewProfile(choices, profile))
                return
            engine = self.context.start_interview(choices)
        except ValidationError as exc:
            error.update(Content(one_line(f"⚠ {self._invalid(exc)}")))
            return
        except BankError as exc:
            error.update(Content(one_line(f"⚠ {exc.problems[0]}")))
            return
        except Exception as exc:
            error.update(Content(one_line(f"⚠ {exc}")))
            return
        error.update("")
        save_choices(self.context.prefs_path, choices)
        self.post_message(OpenInterview(engine))

    def _invalid(self, exc: ValidationError) -> str:
        labels = {field: self.t(field) for field in _LABELS}
        labels["min_difficulty"] = labels["max_difficulty"] = self.t("difficulty")
        return describe(exc, SetupChoices, self.lang, labels)

    def action_browse(self) -> None:
        """The bank browser starts with these choices (backend, follow-ups...): kept as the last ones."""
        error = self.query_one("#setup-error", Static)
        try:
            choices = self.read_choices()
        except ValidationError as exc:
            error.update(Content(one_line(f"⚠ {self._invalid(exc)}")))
            return
        error.update("")
        save_choices(self.context.prefs_path, choices)
        self.post_message(OpenBankBrowser(self.lang))

    def action_history(self) -> None:
        self.post_message(OpenHistory(self.lang))

    def action_review(self) -> None:
        """A drill over the cards due today; with none due, a line saying when the next one is."""
        known = self.due_cards
        if known is not None and known.problem:
            self.notify(known.problem, severity="error", timeout=10, markup=False)
        elif known is not None and not known.due:
            if known.next_due is None:
                line = self.t("no_cards")
            else:
                line = self.t("none_due", date=f"{known.next_due.astimezone():%Y-%m-%d}")
            self.notify(line, markup=False)
        else:  # due cards, or not counted yet: the app counts again as it opens the drill
            self.post_message(StartReview(self.lang))

    def action_resume(self) -> None:
        if self.unfinished is None:
            return
        error = self.query_one("#setup-error", Static)
        try:  # locked, and read again: another process may have it open, or have finished it since
            transcript = self.context.store.open(self.unfinished.session_id)
            if transcript.finished:
                raise StoreError(f"session {transcript.session_id} has ended since")
            engine = self.context.resume(transcript)
        except Exception as exc:
            self.context.store.release(self.unfinished.session_id)
            error.update(Content(one_line(f"⚠ {exc}")))
            return
        error.update("")
        self.post_message(OpenInterview(engine))
