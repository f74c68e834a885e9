"""The learning loop in the TUI: the review entry on the setup screen, a drill from it, the history chart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Markdown, Sparkline, Static

from interviewer.learning.sync import catch_up
from interviewer.tui.app import Context, InterviewerApp
from interviewer.tui.feedback import FeedbackScreen
from interviewer.tui.history import HistoryScreen
from interviewer.tui.interview import InterviewScreen
from interviewer.tui.setup import SetupScreen
from tests.tui_support import context, drive, settle, two_finished_sessions, type_answer


@pytest.fixture(autouse=True)
def no_sentence_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the screens, not grading: the offline grader judges by words alone (the
    encoder takes seconds per answer), and the process's encoder is put back afterwards."""
    import interviewer.grading.encoder as encoder

    for name in ("_shared", "_enabled", "_cache_dir", "_configured"):
        monkeypatch.setattr(encoder, name, getattr(encoder, name))
    encoder.configure(False)
    # Each backend made configures the encoder from its settings (meaning on by default): kept off.
    monkeypatch.setattr(encoder, "configure", lambda enabled, cache_dir=None: None)


def reviewing(tmp_path: Path, days_later: float) -> Context:
    """Two finished sessions (the first answered weakly) and a clock `days_later` than their answers."""
    two_finished_sessions(tmp_path, "en")
    ctx = context(tmp_path)
    later = datetime.now(UTC) + timedelta(days=days_later)
    ctx.now = lambda: later
    return ctx


async def counted(pilot: Pilot[int]) -> str:
    """The review button's label once the setup screen has counted the due cards."""
    screen = pilot.app.screen
    assert isinstance(screen, SetupScreen)
    for _ in range(300):
        await pilot.pause()
        if screen.due_cards is not None:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()
    return str(screen.query_one("#review", Button).label)


def notices(app: InterviewerApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_a_drill_from_the_setup_screen_shows_each_verdict_and_updates_the_cards(
    tmp_path: Path,
) -> None:
    ctx = reviewing(tmp_path, days_later=2)
    app = InterviewerApp(ctx)
    catch_up(ctx.cards(), ctx.store)
    before = {(c.question_id, c.key_point_id): c.reviews for c in ctx.cards().cards()}

    async def script(pilot: Pilot[int]) -> None:
        label = await counted(pilot)
        assert label.startswith("Review (") and label.endswith(" due · F6)"), label
        assert int(label.split("(")[1].split()[0]) > 0
        await pilot.press("f6")
        for _ in range(300):  # the drill opens on a worker thread
            await pilot.pause()
            if isinstance(app.screen, InterviewScreen):
                break
            await asyncio.sleep(0.01)
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and screen.engine.transcript.plan.review
        await settle(pilot)
        assert str(screen.query_one("#progress", Static).render()).startswith("review · Question 1/")
        await type_answer(pilot, "I am not sure, something about memory.")
        said = [str(w.render()) for w in screen.query(".verdict").results(Static)]
        assert len(said) == 1 and "A strong answer says:" in said[0], said
        assert said[0].startswith(("✗", "△", "✓")), said
        await pilot.press("f10")  # the other cards wait for another day
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        # The drill's plan holds a track nobody chose: the report calls the session a review.
        report = app.screen.query_one("#report", Markdown).source
        assert "track: review" in report and "mlse" not in report
        assert notices(app) == [
            "Reviewed 1 card(s): ✓ 0 explained · △ 0 only mentioned · ✗ 1 missing or wrong"
        ]

    drive(app, script)
    cards = ctx.cards()
    catch_up(cards, ctx.store)
    after = {(c.question_id, c.key_point_id): c.reviews for c in cards.cards()}
    assert sum(after.values()) == sum(before.values()) + 1  # the drilled card, reviewed once more


def test_nothing_due_today_says_when_the_next_card_is(tmp_path: Path) -> None:
    ctx = reviewing(tmp_path, days_later=0)  # missed points come back tomorrow
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        assert await counted(pilot) == "Review (0 due · F6)"
        await pilot.press("f6")
        await pilot.pause()
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone()
        assert notices(app) == [f"Nothing to review today. The next card is due on {tomorrow:%Y-%m-%d}."]
        assert isinstance(app.screen, SetupScreen)

    drive(app, script, size=(80, 24))


def test_an_unreadable_review_database_is_one_line_naming_the_rebuild(tmp_path: Path) -> None:
    ctx = context(tmp_path, "ko")
    ctx.store.data_dir.mkdir(parents=True, exist_ok=True)
    (ctx.store.data_dir / "learning.sqlite3").write_bytes(b"not a database" * 100)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        assert await counted(pilot) == "복습 (F6)"
        await pilot.press("f6")
        await pilot.pause()
        [line] = notices(app)
        assert "\n" not in line and "interviewer review --rebuild" in line, line

    drive(app, script)


def test_the_history_shows_a_chart_row_per_category(tmp_path: Path) -> None:
    ctx = reviewing(tmp_path, days_later=0)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("f5")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        for _ in range(300):
            await pilot.pause()
            if screen.query(Sparkline):
                break
            await asyncio.sleep(0.01)
        [row] = screen.query(".chart-row")
        name, line, figures = row.children
        assert str(name.render()) == "cs"
        assert isinstance(line, Sparkline) and len(list(line.data or [])) == 2
        assert "latest" in str(figures.render()) and "change +" in str(figures.render())

    drive(app, script, size=(80, 24))
