"""The setup screen and the way in: command-line flags fill it, it fits 80x24, it speaks the language just
chosen, it offers back an unfinished interview, and the full screen says how to continue after Ctrl+Q."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from interviewer.tui.app import InterviewerApp
from interviewer.tui.bank_browser import BankBrowserScreen
from interviewer.tui.interview import InterviewScreen
from interviewer.tui.profile_review import ProfileReviewScreen
from interviewer.tui.setup import SetupScreen
from tests.hostile import Sandbox, sandbox  # noqa: F401
from tests.tui_support import (
    ANSWER,
    context,
    drive,
    saved,
    settle,
    two_finished_sessions,
    type_answer,
    until,
)

Script = Callable[[Pilot[int]], Awaitable[None]]


def on_the_screen(monkeypatch: pytest.MonkeyPatch, script: Script) -> None:
    """`interviewer practice` as at a terminal: the real command builds the app, which runs headless under
    `script` instead of taking over this terminal."""
    monkeypatch.setattr("interviewer.commands.practice.interactive", lambda: True)

    def run(self: InterviewerApp, **_: object) -> int:
        async def go() -> None:
            async with self.run_test(size=(100, 40)) as pilot:
                await script(pilot)

        asyncio.run(go())
        return self.return_code or 0

    monkeypatch.setattr(InterviewerApp, "run", run)


def shown(pilot: Pilot[int], selector: str) -> object:
    widget = pilot.app.screen.query_one(selector)
    if isinstance(widget, Input | Select):
        return widget.value
    return str(widget.render())


def test_flags_given_fill_the_setup_screen_over_the_remembered_choices(
    sandbox: Sandbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}

    async def script(pilot: Pilot[int]) -> None:
        assert isinstance(pilot.app.screen, SetupScreen)
        for field in (
            "track",
            "questions",
            "follow_ups",
            "lang",
            "provider",
            "min_difficulty",
            "max_difficulty",
        ):
            seen[field] = shown(pilot, f"#{field}")
        seen["categories"] = list(pilot.app.screen.query_one("#categories", SelectionList).selected)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InterviewScreen)
        seen["plan"] = pilot.app.screen.engine.transcript.plan
        await pilot.press("ctrl+q")

    on_the_screen(monkeypatch, script)
    argv = ["practice", "--track", "backend", "--questions", "3", "--follow-ups", "0", "--lang", "ko"]
    argv += ["--difficulty", "2-4", "--category", "cs", "--provider", "offline", "--seed", "7"]
    result = sandbox.run(*argv, allowed=(sandbox.config,))
    assert result.code == 0, result.err
    assert {k: v for k, v in seen.items() if k != "plan"} == {
        "track": "backend",
        "questions": "3",
        "follow_ups": "0",
        "lang": "ko",
        "provider": "offline",
        "min_difficulty": 2,
        "max_difficulty": 4,
        "categories": ["cs"],
    }
    plan = seen["plan"]
    assert (plan.track, plan.questions, plan.follow_ups, plan.lang, plan.seed) == ("backend", 3, 0, "ko", 7)  # type: ignore[attr-defined]
    assert (plan.min_difficulty, plan.max_difficulty, plan.categories) == (2, 4, ["cs"])  # type: ignore[attr-defined]


def test_after_ctrl_q_the_command_says_the_session_is_saved_and_how_to_continue(
    sandbox: Sandbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await pilot.press("ctrl+q")

    on_the_screen(monkeypatch, script)
    argv = ["practice", "--questions", "2", "--follow-ups", "0", "--lang", "en", "--provider", "offline"]
    result = sandbox.run(*argv, allowed=(sandbox.config,))
    assert result.code == 0, result.err
    (session_id,) = [p.stem for p in sandbox.sessions.glob("*.json")]
    assert f"Interview {session_id} is not finished (1 of 2 answered)" in result.out
    assert f"To continue: interviewer resume {session_id}" in result.out


def test_questions_named_on_the_command_line_start_at_once(
    sandbox: Sandbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    async def script(pilot: Pilot[int]) -> None:
        await settle(pilot)
        assert isinstance(pilot.app.screen, InterviewScreen)  # no setup to go through
        seen.extend(r.question.id for r in pilot.app.screen.engine.transcript.records)
        await pilot.press("ctrl+q")

    on_the_screen(monkeypatch, script)
    argv = ["practice", "--question", "cs/process-vs-thread", "--provider", "offline", "--lang", "en"]
    result = sandbox.run(*argv, allowed=(sandbox.config,))
    assert result.code == 0, result.err
    assert seen == ["cs/process-vs-thread"]


def test_a_bad_question_id_is_one_line_before_the_screen_opens(
    sandbox: Sandbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def script(pilot: Pilot[int]) -> None:
        raise AssertionError("the screen opened")

    on_the_screen(monkeypatch, script)
    result = sandbox.run("practice", "--question", "cs/no-such", allowed=(sandbox.config,))
    assert result.code == 2 and "unknown question id 'cs/no-such'" in result.err


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_whole_form_shows_from_its_top(tmp_path: Path, size: tuple[int, int]) -> None:
    app = InterviewerApp(context(tmp_path, "ko"))

    async def script(pilot: Pilot[int]) -> None:
        screen = pilot.app.screen
        assert screen.query_one("#start", Button).has_focus
        for widget in ("#setup-title", "#label-track", "#start"):
            region = screen.query_one(widget).region
            assert region.y >= 0 and region.bottom <= size[1] - 1, widget  # above the footer

    drive(app, script, size=size)


def test_choosing_a_language_relabels_the_screen_at_once(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path, "en"))

    async def script(pilot: Pilot[int]) -> None:
        screen = pilot.app.screen
        assert str(screen.query_one("#label-questions", Label).render()) == "Questions"
        screen.query_one("#lang", Select).value = "ko"
        await pilot.pause()
        assert str(screen.query_one("#label-questions", Label).render()) == "질문 수"
        assert str(screen.query_one("#start", Button).label) == "시작 (Enter)"
        assert "ML 소프트웨어 엔지니어" in str(screen.query_one("#track-about", Static).render())
        assert {"시작", "기록", "나가기"} <= {
            b.binding.description for b in screen.active_bindings.values() if b.binding.show
        }
        screen.query_one("#questions", Input).value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(screen.query_one("#setup-error").render()) == "⚠ 질문 수: 1부터 100까지의 수를 입력하세요."

    drive(app, script)


def test_each_track_says_what_it_means_and_difficulty_bounds_the_questions(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path, "en"))

    async def script(pilot: Pilot[int]) -> None:
        screen = pilot.app.screen
        screen.query_one("#track", Select).value = "backend"
        await pilot.pause()
        assert "Backend engineer" in str(screen.query_one("#track-about", Static).render())
        screen.query_one("#min_difficulty", Select).value = 4
        screen.query_one("#max_difficulty", Select).value = 2
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SetupScreen)  # refused in place, said in words
        assert "Difficulty" in str(screen.query_one("#setup-error").render())
        screen.query_one("#max_difficulty", Select).value = 5
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InterviewScreen)
        plan = pilot.app.screen.engine.transcript.plan
        assert (plan.track, plan.min_difficulty, plan.max_difficulty) == ("backend", 4, 5)
        assert all(r.question.difficulty >= 4 for r in pilot.app.screen.engine.transcript.records)

    drive(app, script)


def test_an_unfinished_interview_is_offered_back_on_the_next_launch(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    first = InterviewerApp(ctx)

    async def leave(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await pilot.press("ctrl+q")

    drive(first, leave)
    ctx.store.close()
    session_id = saved(tmp_path).session_id
    again = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, SetupScreen)
        await until(pilot, lambda: screen.unfinished is not None)  # the sessions are read on a worker thread
        offer = str(screen.query_one("#unfinished", Static).render())
        assert session_id in offer and "F7" in offer
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InterviewScreen)
        assert pilot.app.screen.engine.transcript.session_id == session_id

    drive(again, script)


def test_nothing_is_offered_when_every_interview_ended(tmp_path: Path) -> None:
    two_finished_sessions(tmp_path, "en")
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.app.workers.wait_for_complete()  # the sessions read
        await pilot.pause()
        assert not pilot.app.screen.query_one("#unfinished").display
        assert not pilot.app.screen.query_one("#resume").display
        await pilot.press("f7")  # does nothing
        await pilot.pause()
        assert isinstance(pilot.app.screen, SetupScreen)

    drive(app, script)


def test_f8_opens_the_bank_browser(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(pilot.app.screen, BankBrowserScreen)

    drive(app, script)


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_a_profile_is_shown_to_untick_then_its_round_comes_first(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path, "ko"))

    async def script(pilot: Pilot[int]) -> None:
        screen = pilot.app.screen
        privacy = str(screen.query_one("#profile-privacy", Static).render())
        assert "이 컴퓨터를" in privacy  # said before the file is read
        screen.query_one("#profile", Input).value = str(EXAMPLES / "profile-ko.md")
        screen.query_one("#questions", Input).value = "4"
        await pilot.press("ctrl+s")
        await pilot.pause()
        review = pilot.app.screen
        assert isinstance(review, ProfileReviewScreen)
        listed = review.query_one("#profile-items", SelectionList)
        assert listed.option_count >= 3 and len(listed.selected) == listed.option_count  # all kept at first
        first = str(listed.get_option_at_index(0).prompt)
        assert first.startswith("프로젝트: ")
        listed.deselect(listed.get_option_at_index(0).value)  # leave the first project out
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()  # the session is opened off the screen's loop
        await pilot.pause()
        await settle(pilot)
        assert isinstance(pilot.app.screen, InterviewScreen)
        records = pilot.app.screen.engine.transcript.records
        assert len(records) == 4
        assert records[0].question.id.startswith(("project/profile", "behavioral/profile"))
        assert records[0].source  # the excerpt it came from, kept in the transcript
        title = first.removeprefix("프로젝트: ").split(" · ")[0]
        assert all(title not in r.question.text("ko") for r in records)  # the project left out is not asked

    drive(app, script)


def test_a_profile_that_cannot_be_read_is_one_line_beside_the_form(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        screen = pilot.app.screen
        screen.query_one("#profile", Input).value = str(tmp_path / "no-such.md")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SetupScreen)
        shown_error = str(screen.query_one("#setup-error").render())
        assert shown_error.startswith("⚠ ") and "no-such.md" in shown_error and "\n" not in shown_error

    drive(app, script)


def test_going_back_from_the_profile_review_starts_nothing(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        pilot.app.screen.query_one("#profile", Input).value = str(EXAMPLES / "profile-en.md")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ProfileReviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SetupScreen) and not app.context.engines

    drive(app, script)
