"""Pilot tests of moving between screens: history after a resume, the question timer, quitting mid-way."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from interviewer.tui.app import InterviewerApp
from interviewer.tui.feedback import FeedbackScreen
from interviewer.tui.history import HistoryScreen
from interviewer.tui.interview import InterviewScreen
from tests.tui_support import ANSWER, context, drive, saved, settle, type_answer


def one_answered_then_quit(tmp_path: Path) -> None:
    """An unfinished session: the first of two questions answered, then Ctrl+Q."""
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await type_answer(pilot, ANSWER)  # the follow-up: the question closes
        await pilot.press("ctrl+q")

    drive(app, script)
    assert not saved(tmp_path).finished


def status_shown(app: InterviewerApp) -> str:
    table = app.screen.query_one("#sessions", DataTable)
    return " ".join(str(cell) for cell in table.get_row_at(table.cursor_row))


def test_the_history_is_read_again_after_a_session_resumed_from_it_ends(tmp_path: Path) -> None:
    one_answered_then_quit(tmp_path)
    app = InterviewerApp(context(tmp_path))
    notices: list[str] = []

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("f5")
        await pilot.pause()
        assert "unfinished" in status_shown(app)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, InterviewScreen)
        await pilot.press("f3")  # skip the last question: the interview ends
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert "unfinished" not in status_shown(app) and "finished" in status_shown(app)
        app.notify = lambda message, **kw: notices.append(message)  # type: ignore[method-assign]
        await pilot.press("r")
        await pilot.pause()

    drive(app, script)
    assert notices == ["That interview is finished."]


def test_the_timer_runs_for_the_whole_question_and_shows_a_follow_ups_own_time(tmp_path: Path) -> None:
    now = [0.0]
    ctx = context(tmp_path)
    ctx.clock = lambda: now[0]
    app = InterviewerApp(ctx)

    def shown() -> str:
        return str(app.screen.query_one("#elapsed", Static).render())

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        now[0] = 75.0
        app.screen._tick()  # type: ignore[attr-defined]
        assert shown() == "01:15"
        await type_answer(pilot, ANSWER)  # a follow-up is asked at 75 s
        now[0] = 100.0
        app.screen._tick()  # type: ignore[attr-defined]
        assert shown() == "01:40 · follow-up 00:25"
        await type_answer(pilot, ANSWER)  # the next question starts the clock again
        now[0] = 130.0
        app.screen._tick()  # type: ignore[attr-defined]
        assert shown() == "00:30"

    drive(app, script)


def test_f8_says_why_the_follow_up_was_asked_only_when_asked(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    def whys() -> list[str]:
        return [str(w.render()) for w in app.screen.query(".why")]

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f8")  # on the seed question: nothing to explain yet
        await pilot.pause()
        assert len(whys()) == 1 and "follow-up" in whys()[0].lower()
        await type_answer(pilot, "Threads share memory.")  # a follow-up comes
        assert len(whys()) == 1  # hidden until asked
        await pilot.press("f8")
        await pilot.pause()
        explained = whys()[-1]
        assert len(whys()) == 2 and explained.startswith("ⓘ ")
        record = app.screen.engine.transcript.records[0]  # type: ignore[attr-defined]
        for point in record.question.key_points:  # it names the area, never the point's content
            assert point.text("en") not in explained

    drive(app, script)


def test_notices_take_one_line_instead_of_stacking_over_the_question(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await type_answer(pilot, ANSWER)  # the first question closes and is graded
        notice = app.screen.query_one("#notice", Static)
        assert notice.display and "Question 1 graded" in str(notice.render())
        assert not app._notifications  # no pop-up over the conversation

    drive(app, script)


def test_try_again_from_the_report_starts_a_session_that_compares_the_attempts(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, "Threads share memory.")
        await pilot.press("f10")  # ends: the first question graded, the second never asked
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, InterviewScreen)
        retry = app.screen.engine.transcript
        assert [r.question.id for r in retry.records] == [saved(tmp_path).records[0].question.id]
        assert [a.session_id for a in retry.records[0].earlier] == ["20260101-000000-0000"]
        await type_answer(pilot, ANSWER)
        await type_answer(pilot, ANSWER)
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        report = app.screen.query_one("#report").source  # type: ignore[attr-defined]
        assert "20260101-000000-0000" in report

    drive(app, script)


def test_try_again_waits_for_the_interview_to_end(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await type_answer(pilot, ANSWER)
        await pilot.press("f6")  # the report so far, mid-interview
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen) and len(app.context.engines) == 1

    drive(app, script)
