"""The Textual application: what every screen needs, and how an interview is put together."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import App
from textual.binding import Binding

from ..domain import Lang, Transcript
from ..phrases import Phrases, pick
from ..settings import Settings
from ..store import Store, StoreError, new_session_id
from ..untrusted import one_line
from .bank_browser import BankBrowserScreen
from .history import HistoryScreen
from .messages import (
    InterviewEnded,
    OpenBankBrowser,
    OpenHistory,
    OpenInterview,
    OpenReport,
    ReviewProfile,
    StartQuestions,
    StartReview,
    TryAgain,
)
from .setup import SetupScreen

NOTHING_DUE: Phrases = {"nothing_due": ("오늘 복습할 카드가 없습니다.", "Nothing to review today.")}

if TYPE_CHECKING:  # imported when an interview starts, so the setup screen opens sooner
    from ..bank import Bank
    from ..domain import EarlierAttempt, Plan
    from ..engine import Engine
    from ..learning.cards import CardStore
    from ..llm.base import Backend
    from ..profile.model import Profile
    from ..profile.questions import Mix
    from .prefs import SetupChoices


@dataclass
class Context:
    """Everything the screens need from outside; tests build one with a temp dir and a frozen clock."""

    settings: Settings
    store: Store
    backend_factory: Callable[[Settings, str], Backend]
    default_lang: Lang = "en"
    prefs_path: Path | None = None
    extra_banks: list[Path] = field(default_factory=list)
    bank_cache: Path | None = None
    bank: Bank | None = None  # as the command line loaded it: the setup screen lists its categories
    clock: Callable[[], float] = time.monotonic
    session_ids: Callable[[], str] = new_session_id
    seeds: Callable[[], int] = lambda: secrets.randbelow(1_000_000)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)  # which review cards are due
    engines: list[Engine] = field(default_factory=list)  # interviews opened; checked on exit
    # Setup choices named on the command line (`practice --questions 3`): they win over the remembered ones.
    given: dict[str, object] = field(default_factory=dict)
    # With a profile: how many project and stack questions its round holds (`--mix`); None: the default.
    mix: Mix | None = None
    # The settings a resumed session goes on with, given the backend it recorded (the command line's
    # provider and model outrank the record). None: the record outranks `settings`.
    resumed_settings: Callable[[Mapping[str, str]], Settings] | None = None

    def start_interview(
        self, choices: SetupChoices, seed: int | None = None, question_ids: Sequence[str] = ()
    ) -> Engine:
        """A new session of the choices, or of exactly `question_ids` in that order when any are given."""
        bank = self._bank_for(choices)
        ids = list(question_ids)
        plan = self._plan_for(choices, seed)
        if ids:
            # Named questions: the plan says what the session holds, not what the setup screen last chose.
            categories = sorted({i.split("/")[0] for i in ids})
            plan = plan.model_copy(
                update={"categories": categories, "questions": len(ids), "question_ids": ids}
            )
        return self._open(plan, bank, self._settings_for(choices))

    def _open(
        self,
        plan: Plan,
        bank: Bank,
        settings: Settings,
        earlier: Mapping[str, list[EarlierAttempt]] | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> Engine:
        """A new session of `plan`, kept to be checked on exit; `earlier` and `sources` as `session.start`
        takes them."""
        from .. import session

        engine = session.start(
            self.store,
            plan,
            bank,
            settings,
            self.backend_factory,
            self.session_ids,
            earlier=earlier,
            sources=sources,
        )
        self.engines.append(engine)
        return engine

    def _plan_for(self, choices: SetupChoices, seed: int | None = None) -> Plan:
        from ..domain import Plan

        return Plan(
            track=choices.track,
            categories=choices.categories,
            questions=choices.questions,
            follow_ups=choices.follow_ups,
            min_difficulty=choices.min_difficulty,
            max_difficulty=choices.max_difficulty,
            lang=choices.lang,
            seed=self.seeds() if seed is None else seed,
        )

    def _settings_for(self, choices: SetupChoices) -> Settings:
        overrides = {"provider": choices.provider, **({"model": choices.model} if choices.model else {})}
        return self.settings.model_copy(update=overrides)

    def _bank_for(self, choices: SetupChoices) -> Bank:
        from ..bank import load_bank

        banks = [*self.extra_banks, *(Path(p.strip()) for p in choices.banks.split(",") if p.strip())]
        return load_bank(banks, cache_dir=self.bank_cache)

    def default_bank(self) -> Bank:
        """The bank the command line loaded, or the shipped one with `extra_banks`."""
        from ..bank import load_bank

        return self.bank or load_bank(self.extra_banks, cache_dir=self.bank_cache)

    def read_profile(self, choices: SetupChoices) -> Profile:
        """What the profile file named on the setup screen holds (ProfileError: one line naming it)."""
        from ..profile.extract import extract
        from ..profile.read import read_profile

        return extract(read_profile(choices.profile), self._bank_for(choices))

    def start_profile(self, choices: SetupChoices, profile: Profile) -> Engine:
        """A session whose first questions come from `profile` (a project round), the bank's after them.
        ValueError when the profile holds nothing to ask about."""
        from ..profile.plan import with_round
        from ..profile.questions import Mix

        bank = self._bank_for(choices)
        settings = self._settings_for(choices)
        made = with_round(profile, bank, self._plan_for(choices), self.mix or Mix(), settings)
        if made is None:
            raise ValueError(f"{choices.profile}: nothing in it to ask about")
        return self._open(made.plan, made.bank, settings, sources=made.sources)

    def start_plan(self, plan: Plan, earlier: Mapping[str, list[EarlierAttempt]] | None = None) -> Engine:
        """A new session of a plan the command line made (`--question`, `--retry`), with its bank and
        settings; `earlier` as `session.start` takes it."""
        return self._open(plan, self.default_bank(), self.settings, earlier)

    def cards(self) -> CardStore:
        from ..learning.cards import CardStore

        return CardStore(self.store.data_dir)

    def caught_up_cards(self) -> CardStore:
        """The review cards with the transcripts not read yet folded in (LearningError: unreadable)."""
        from ..learning.sync import catch_up

        cards = self.cards()
        catch_up(cards, self.store)
        return cards

    def start_review(self, lang: Lang, limit: int) -> Engine | None:
        """A review drill over the cards due today (the transcripts not read yet folded in first); None
        when none is due. LearningError when the review database cannot be read."""
        from .. import session

        opened = session.start_review(
            self.store,
            self.caught_up_cards(),
            self.default_bank(),
            self.settings,
            self.backend_factory,
            lang,
            self.now(),
            limit,
            self.session_ids,
        )
        if opened is None:
            return None
        self.engines.append(opened[0])
        return opened[0]

    def resume(self, transcript: Transcript) -> Engine:
        """An engine for an unfinished session, locked until the app closes (StoreError while another
        process has it open); read it with `store.open`, so it holds what that process saved."""
        from .. import session

        recorded = session.recorded_backend(transcript)
        if self.resumed_settings is None:
            settings = self.settings.model_copy(update=recorded)
        else:
            settings = self.resumed_settings(recorded)
        engine = session.resume(self.store, transcript, settings, self.backend_factory)
        self.engines.append(engine)
        return engine


class InterviewerApp(App[int]):
    CSS_PATH = "interviewer.tcss"
    TITLE = "interviewer"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f9", "toggle_dark", "Theme", show=False),
    ]

    def __init__(self, context: Context, opened: Engine | None = None) -> None:
        """`opened`: an interview to show at once (resumed, or named on the command line) over setup."""
        super().__init__()
        self.context = context
        self._opened = opened

    # The interview and feedback screens are imported when first shown: they bring the engine and the report
    # with them, and the setup screen should not wait for those.

    def on_mount(self) -> None:
        self.push_screen(SetupScreen(self.context))
        if self._opened is not None:
            from .interview import InterviewScreen

            self.push_screen(InterviewScreen(self._opened, self.context.clock))

    @on(OpenInterview)
    def open_interview(self, message: OpenInterview) -> None:
        from .interview import InterviewScreen

        self.push_screen(InterviewScreen(message.engine, self.context.clock))

    @on(InterviewEnded)
    async def interview_ended(self, message: InterviewEnded) -> None:
        from .feedback import FeedbackScreen
        from .interview import InterviewScreen

        # The report takes the interview's place, so Esc from it goes back to where the interview began;
        # a report opened with F6 over the interview closes with it.
        if any(isinstance(screen, InterviewScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, InterviewScreen):
                await self.pop_screen()
        await self.switch_screen(FeedbackScreen(message.transcript, self.context))

    @on(OpenReport)
    def open_report(self, message: OpenReport) -> None:
        from .feedback import FeedbackScreen

        self.push_screen(FeedbackScreen(message.transcript, self.context))

    @on(OpenHistory)
    def open_history(self, message: OpenHistory) -> None:
        self.push_screen(HistoryScreen(self.context, message.lang))

    @on(OpenBankBrowser)
    def open_bank_browser(self, message: OpenBankBrowser) -> None:
        self.push_screen(BankBrowserScreen(self.context, message.lang))

    @on(StartQuestions)
    def start_questions(self, message: StartQuestions) -> None:
        from .interview import InterviewScreen
        from .prefs import load_choices

        # The setup screen's choices (kept as the last ones when it opened the browser); the questions and
        # the language are the browser's.
        choices = load_choices(self.context.prefs_path, message.lang).model_copy(
            update={"lang": message.lang}
        )
        try:
            engine = self.context.start_interview(choices, question_ids=message.question_ids)
        except Exception as exc:  # said where the questions were picked; the browser stays
            self._cannot_open(exc)
            return
        self.push_screen(InterviewScreen(engine, self.context.clock))

    @on(ReviewProfile)
    def review_profile(self, message: ReviewProfile) -> None:
        from ..profile.choose import without
        from .profile_review import ProfileReviewScreen

        def chosen(dropped: list[int] | None) -> None:
            if dropped is not None:  # None: back to the setup screen
                kept = without(message.profile, dropped)
                # A model may be writing the questions: the screen stays live meanwhile.
                self.run_worker(lambda: self._open_profile(message.choices, kept), thread=True)

        self.push_screen(ProfileReviewScreen(message.profile, message.choices.lang), chosen)

    def _open_profile(self, choices: SetupChoices, profile: Profile) -> None:
        """On a worker thread: start the session of a profile round, then show it."""
        from ..engine import EngineError
        from .interview import InterviewScreen

        try:
            engine = self.context.start_profile(choices, profile)
        except (ValueError, EngineError, StoreError) as exc:
            self.call_from_thread(self._cannot_open, exc)
            return
        self.call_from_thread(self.push_screen, InterviewScreen(engine, self.context.clock))

    @on(StartReview)
    def start_review(self, message: StartReview) -> None:
        if any(w.group == "review" and w.is_running for w in self.workers):
            return  # F6 pressed again while the first drill opens: one drill, not two
        # The transcripts not read yet are folded in first: the screen stays live meanwhile.
        self.run_worker(lambda: self._open_review(message.lang), thread=True, group="review")

    def _open_review(self, lang: Lang) -> None:
        """On a worker thread: open a drill over the cards due today, then show it."""
        from ..bank import BankError
        from ..engine import EngineError
        from ..learning.cards import LearningError
        from ..learning.drill import DEFAULT_LIMIT
        from .interview import InterviewScreen

        try:
            engine = self.context.start_review(lang, DEFAULT_LIMIT)
        except (LearningError, BankError, EngineError, StoreError) as exc:
            self.call_from_thread(self._cannot_open, exc)
            return
        if engine is None:  # done in another process since the setup screen counted
            self.call_from_thread(self.notify, pick(NOTHING_DUE, "nothing_due", lang), markup=False)
            return
        self.call_from_thread(self.push_screen, InterviewScreen(engine, self.context.clock))

    @on(TryAgain)
    def try_again(self, message: TryAgain) -> None:
        from ..engine import EngineError
        from ..retry import RetryError, retry_plan
        from .interview import InterviewScreen

        try:
            plan, earlier = retry_plan(message.transcript)
            engine = self.context.start_plan(plan, earlier)
        except (RetryError, EngineError, KeyError, StoreError) as exc:
            self._cannot_open(exc)
            return
        self.push_screen(InterviewScreen(engine, self.context.clock))

    def _cannot_open(self, exc: Exception) -> None:
        """Why an interview could not open, one line where it was asked for (the screen stays)."""
        from ..bank import BankError

        if isinstance(exc, BankError):
            problem = exc.problems[0]
        elif isinstance(exc, KeyError):  # an unknown question id: its message, without the quotes
            problem = str(exc.args[0])
        else:
            problem = str(exc)
        self.notify(one_line(problem), severity="error", timeout=10, markup=False)

    async def action_quit(self) -> None:
        from .interview import InterviewScreen

        for screen in self.screen_stack:
            if isinstance(screen, InterviewScreen):
                screen.keep_draft()
        self.exit(0)

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
