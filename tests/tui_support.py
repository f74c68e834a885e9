"""Driving the Textual app in tests: a context with a temp dir, a frozen clock and fixed ids, the Pilot
loop, and a worker that is idle before the next key."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import TextArea

from interviewer.domain import Lang, Transcript
from interviewer.events import Answer
from interviewer.resources import cache_dir
from interviewer.settings import Settings
from interviewer.store import Store
from interviewer.tui.app import Context, InterviewerApp
from interviewer.tui.interview import InterviewScreen
from interviewer.tui.prefs import SetupChoices, save_choices
from interviewer.wiring import make_backend

ANSWER = "Each process has its own address space, while threads share the heap, so they need locks."


def context(tmp_path: Path, lang: Lang = "en", **settings: object) -> Context:
    choices = SetupChoices(categories=["cs"], questions=2, follow_ups=1, lang=lang)
    save_choices(tmp_path / "prefs.json", choices)
    ids = iter(f"20260101-000000-{i:04d}" for i in range(100))
    return Context(
        settings=Settings(**{"provider": "offline", **settings}),  # type: ignore[arg-type]
        store=Store(tmp_path / "data"),
        backend_factory=make_backend,
        default_lang=lang,
        prefs_path=tmp_path / "prefs.json",
        bank_cache=cache_dir(),  # the parsed bank, shared by the tests: parsing its YAML takes a second
        clock=lambda: 0.0,
        session_ids=lambda: next(ids),
        seeds=lambda: 1,
    )


def drive(
    app: InterviewerApp, script: Callable[[Pilot[int]], Awaitable[None]], size: tuple[int, int] = (100, 40)
) -> None:
    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await script(pilot)

    asyncio.run(go())


async def settle(pilot: Pilot[int]) -> None:
    """Wait until the interview screen's worker is idle."""
    for _ in range(200):
        await pilot.pause()
        screen = pilot.app.screen
        if not isinstance(screen, InterviewScreen) or not screen.busy:
            return
        await asyncio.sleep(0.01)


async def until(pilot: Pilot[int], ready: Callable[[], object]) -> None:
    """Wait until `ready()` holds: what a screen loads on a worker thread (the due cards, the chart)."""
    for _ in range(500):
        await pilot.pause()
        if ready():
            await pilot.pause()  # and until what it loaded is drawn
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the screen did not finish loading")


async def type_answer(pilot: Pilot[int], text: str) -> None:
    pilot.app.screen.query_one(TextArea).insert(text)
    await pilot.press("ctrl+s")
    await settle(pilot)


def saved(tmp_path: Path, session_id: str = "20260101-000000-0000") -> Transcript:
    return Store(tmp_path / "data").load(session_id)


async def show(pilot: Pilot[int], message: Message) -> None:
    """Ask the app for a screen as a screen would (a routing message), and wait until it is shown."""
    pilot.app.post_message(message)
    await pilot.pause()
    await settle(pilot)


def footer_labels(app: InterviewerApp) -> set[str]:
    return {b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}


def two_finished_sessions(tmp_path: Path, lang: Lang) -> None:
    """Two finished sessions with fixed dates, so the history screen renders the same every time."""
    ctx = context(tmp_path, lang)
    for day, text in ((1, "short answer"), (2, ANSWER)):
        engine = ctx.start_interview(
            SetupChoices(categories=["cs"], questions=1, follow_ups=0, lang=lang), seed=1
        )
        engine.transcript.session_id = f"2026010{day}-090000-abcd"
        engine.transcript.created_at = datetime(2026, 1, day, 9, 0, tzinfo=UTC)

        async def run(engine=engine, text=text) -> None:  # type: ignore[no-untyped-def]
            [e async for e in engine.start()]
            [e async for e in engine.submit(Answer(text=text))]

        asyncio.run(run())
