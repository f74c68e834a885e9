"""Pilot tests for small TUI bugs: draft cursor, score bars, feedback so far, selection marks, F10."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Markdown, SelectionList, Static, TextArea

from interviewer.report import build_report, to_markdown
from interviewer.tui.app import InterviewerApp
from interviewer.tui.feedback import FeedbackScreen
from interviewer.tui.history import BAR_CELLS, HistoryScreen, score_bar, trend_marks
from interviewer.tui.interview import EndWithTextScreen, InterviewScreen
from interviewer.tui.prefs import SetupChoices
from interviewer.untrusted import for_markdown, markdown_line
from tests.tui_support import ANSWER, context, drive, saved, settle, two_finished_sessions, type_answer


def test_a_restored_draft_puts_the_cursor_at_its_end(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one(TextArea).insert("first line\nsecond")
        await pilot.press("ctrl+q")

    drive(app, script)
    again = InterviewerApp(ctx, opened=ctx.resume(saved(tmp_path)))

    async def resumed(pilot: Pilot[int]) -> None:
        await settle(pilot)
        assert isinstance(again.screen, InterviewScreen)
        editor = again.screen.query_one(TextArea)
        assert editor.cursor_location == (1, len("second"))
        await pilot.press(*"!")
        assert editor.text == "first line\nsecond!"

    drive(again, resumed)


def _filled(bar: str) -> float:
    """How many cells of a score bar are filled, counting a partial cell in eighths."""
    eighths = " ▏▎▍▌▋▊▉"
    return sum(1.0 if c == "█" else eighths.index(c) / 8 for c in bar if c == "█" or c in eighths[1:])


def test_score_bars_are_as_long_as_the_score() -> None:
    assert _filled(score_bar(5.0)) == BAR_CELLS
    assert _filled(score_bar(2.0)) == BAR_CELLS * 2 / 5
    assert _filled(score_bar(4.7)) == pytest.approx(BAR_CELLS * 4.7 / 5, abs=1 / 8)
    assert len(score_bar(4.7)) == len(score_bar(0.0)) == BAR_CELLS  # the track shows the scale
    assert trend_marks([4.5, 4.6]) == "██" and trend_marks([1.0, 5.0]) == "▂█"


def test_history_draws_each_category_bar_in_proportion_to_its_score(tmp_path: Path) -> None:
    two_finished_sessions(tmp_path, "en")
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        latest = app.screen.trends()["cs"][-1]
        assert 0 < latest < 5
        [row] = [str(w.render()) for w in app.screen.query(".trend").results(Static)]
        assert row.startswith("cs" + " " * 13) and f"{latest:.1f}" in row
        assert _filled(row[15 : 15 + BAR_CELLS]) == pytest.approx(BAR_CELLS * latest / 5, abs=1 / 8)

    drive(app, script)


def test_feedback_so_far_hides_the_question_being_answered(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await type_answer(pilot, ANSWER)
        await type_answer(pilot, ANSWER)  # the first question is graded; the second one is on screen
        graded, current = screen.engine.transcript.records
        assert graded.feedback is not None and current.status == "open" and current.turns
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen)
        await pilot.press("m")  # model answers shown: still only the graded question's
        await pilot.pause()
        source = app.screen.query_one("#report", Markdown).source
        assert markdown_line(graded.question.id) in source
        assert for_markdown(graded.question.model_answer("en")) in source
        assert markdown_line(current.question.id) not in source
        assert "ended before an answer" not in source
        assert for_markdown(current.question.model_answer("en")) not in source
        for k in current.question.key_points:
            assert for_markdown(k.text("en")) not in source

    drive(app, script)


def test_key_points_wait_for_a_grade(tmp_path: Path) -> None:
    """An unfinished session opened from history: its ungraded question shows no key points or answer."""
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        [record, _] = screen.engine.transcript.records
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        source = app.screen.query_one("#report", Markdown).source
        assert "Key points" not in source and "Model answer" not in source
        assert for_markdown(record.question.model_answer("en")) not in source

    drive(app, script)


def test_an_answered_question_waiting_for_its_grade_is_not_called_unanswered(tmp_path: Path) -> None:
    engine = context(tmp_path).start_interview(
        SetupChoices(categories=["cs"], questions=1, lang="en"), seed=1
    )

    async def run() -> None:
        [e async for e in engine.start()]

    asyncio.run(run())
    [record] = engine.transcript.records
    record.status = "answered"  # as a session closed while its grading ran leaves it
    text = to_markdown(build_report(engine.transcript))
    assert "answered, not graded yet" in text and "ended before an answer" not in text


def test_selected_categories_carry_a_mark_that_reads_without_colour(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))  # remembered choice: cs

    async def script(pilot: Pilot[int]) -> None:
        options = app.screen.query_one("#categories", SelectionList)

        def lines() -> dict[str, str]:
            return {
                str(options.get_option_at_index(y).value): options.render_line(y).text
                for y in range(options.option_count)
            }

        def marked() -> set[str]:
            return {value for value, text in lines().items() if "X" in text[:3]}

        assert marked() == {"cs"}
        options.select("backend")
        await pilot.pause()
        assert marked() == {"backend", "cs"}

    drive(app, script)


async def _end_with(pilot: Pilot[int], text: str, choice: str) -> None:
    await pilot.press("enter")
    await settle(pilot)
    pilot.app.screen.query_one(TextArea).insert(text)
    await pilot.press("f10")
    await pilot.pause()
    assert isinstance(pilot.app.screen, EndWithTextScreen)
    if choice == "cancel":
        await pilot.press("escape")
    else:
        pilot.app.screen.query_one(f"#{choice}", Button).press()
    await pilot.pause()
    await settle(pilot)


def test_f10_with_a_typed_answer_can_submit_it_first(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await _end_with(pilot, ANSWER, "submit")
        assert isinstance(app.screen, FeedbackScreen)

    drive(app, script)
    t = saved(tmp_path)
    assert t.finished and t.records[0].answers()[0].text == ANSWER
    assert t.records[0].feedback is not None and t.records[1].status == "ended"


def test_f10_with_a_typed_answer_can_keep_it_as_the_draft(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await _end_with(pilot, "half an answer", "keep")
        assert isinstance(app.screen, FeedbackScreen)

    drive(app, script)
    t = saved(tmp_path)
    assert t.finished and t.draft == "half an answer" and not t.records[0].answers()


def test_f10_with_a_typed_answer_can_be_cancelled(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path, "ko"))

    async def script(pilot: Pilot[int]) -> None:
        await _end_with(pilot, "half an answer", "cancel")
        screen = app.screen
        assert isinstance(screen, InterviewScreen) and not screen.engine.finished
        assert screen.query_one(TextArea).text == "half an answer"

    drive(app, script)


def test_f10_without_typed_text_ends_at_once(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one(TextArea).insert("  \n")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)

    drive(app, script)


def test_a_report_exported_mid_interview_leaves_out_the_question_on_screen(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()

    drive(app, script)
    text = (tmp_path / "data" / "reports" / "20260101-000000-0000.md").read_text(encoding="utf-8")
    assert "## 1." not in text and "ended before an answer" not in text
