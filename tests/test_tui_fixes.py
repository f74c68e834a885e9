"""Pilot tests for small TUI bugs: draft cursor, score bars, feedback so far, selection marks, F10."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import TextArea

from interviewer.tui.app import InterviewerApp
from interviewer.tui.interview import InterviewScreen
from tests.test_tui import context, drive, saved, settle


def test_a_restored_draft_puts_the_cursor_at_its_end(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one(TextArea).insert("first line\nsecond")
        await pilot.press("ctrl+q")

    drive(app, script)
    again = InterviewerApp(ctx, resume=saved(tmp_path))

    async def resumed(pilot: Pilot[int]) -> None:
        await settle(pilot)
        assert isinstance(again.screen, InterviewScreen)
        editor = again.screen.query_one(TextArea)
        assert editor.cursor_location == (1, len("second"))
        await pilot.press(*"!")
        assert editor.text == "first line\nsecond!"

    drive(again, resumed)
