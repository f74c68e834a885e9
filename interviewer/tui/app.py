"""The Textual application: what every screen needs, and how an interview is put together."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from ..domain import Lang, Transcript
from ..settings import Settings
from ..store import Store, new_session_id

if TYPE_CHECKING:  # imported when an interview starts, so the setup screen opens sooner
    from ..bank import Bank
    from ..engine import Engine
    from ..llm.base import Backend
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
    engines: list[Engine] = field(default_factory=list)  # interviews opened; checked on exit
    # The provider and model named on the command line: they outrank what a resumed session recorded.
    pinned: dict[str, str] = field(default_factory=dict)

    def start_interview(self, choices: SetupChoices, seed: int | None = None) -> Engine:
        from ..bank import load_bank
        from ..domain import Plan
        from ..engine import Engine, new_transcript

        banks = [*self.extra_banks, *(Path(p.strip()) for p in choices.banks.split(",") if p.strip())]
        bank = load_bank(banks, cache_dir=self.bank_cache)
        plan = Plan(
            track=choices.track,
            categories=choices.categories,
            questions=choices.questions,
            follow_ups=choices.follow_ups,
            lang=choices.lang,
            seed=self.seeds() if seed is None else seed,
        )
        overrides = {"provider": choices.provider, **({"model": choices.model} if choices.model else {})}
        settings = self.settings.model_copy(update=overrides)
        # Locked until the app closes, and created on the first save without replacing any file.
        session_id = self.store.open_new(self.session_ids)
        try:
            backend = self.backend_factory(settings, session_id)
            transcript = new_transcript(plan, bank, backend, session_id=session_id)
        except BaseException:
            self.store.release(session_id)
            raise
        engine = Engine(transcript, backend, self.store, wait_s=settings.wait_s)
        self.engines.append(engine)
        return engine

    def resume(self, transcript: Transcript) -> Engine:
        """An engine for an unfinished session, locked until the app closes (StoreError while another
        process has it open); read it with `store.open`, so it holds what that process saved."""
        from ..engine import Engine

        self.store.lock(transcript.session_id)
        update: dict[str, object] = {"provider": transcript.provider}
        if transcript.model:
            update["model"] = transcript.model
        update.update(self.pinned)
        backend = self.backend_factory(self.settings.model_copy(update=update), transcript.session_id)
        engine = Engine(transcript, backend, self.store, wait_s=self.settings.wait_s)
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

    def __init__(self, context: Context, resume: Transcript | None = None) -> None:
        super().__init__()
        self.context = context
        self._resume = resume

    def on_mount(self) -> None:
        from .setup import SetupScreen

        self.push_screen(SetupScreen())
        if self._resume is not None:
            from .interview import InterviewScreen

            self.push_screen(InterviewScreen(self.context.resume(self._resume)))

    async def action_quit(self) -> None:
        from .interview import InterviewScreen

        for screen in self.screen_stack:
            if isinstance(screen, InterviewScreen):
                screen.keep_draft()
        self.exit(0)

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"
