"""The Textual app driven by its Pilot: a whole interview from the keyboard, drafts, streaming, snapshots."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from textual.pilot import Pilot
from textual.widgets import Markdown, SelectionList, Static, TextArea

from interviewer.bank import load_bank
from interviewer.cli import build_parser
from interviewer.domain import Lang
from interviewer.tui.app import InterviewerApp
from interviewer.tui.feedback import FeedbackScreen
from interviewer.tui.history import HistoryScreen
from interviewer.tui.interview import InterviewScreen
from interviewer.tui.messages import OpenInterview
from interviewer.tui.prefs import SetupChoices, save_choices
from interviewer.tui.setup import SetupScreen
from interviewer.wiring import resumed_settings
from tests.fake_openai import FakeOpenAI, Reply
from tests.helpers import question_data
from tests.snapshots import assert_snapshot
from tests.tui_support import (
    ANSWER,
    context,
    drive,
    footer_labels,
    saved,
    settle,
    show,
    two_finished_sessions,
    type_answer,
    until,
)


def test_a_whole_offline_interview_from_the_keyboard(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        assert isinstance(app.screen, SetupScreen)
        await pilot.press("enter")  # the start button has focus
        await settle(pilot)
        assert isinstance(app.screen, InterviewScreen)
        assert app.screen.query_one(TextArea).has_focus
        await pilot.press("f2")  # hint
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await pilot.press("f4")  # I don't know -> invitation to reason aloud
        await settle(pilot)
        await type_answer(
            pilot, "I am not sure, but I would guess a context switch between threads is cheaper."
        )
        await pilot.press("f3")  # skip the second question
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        report = app.screen.query_one("#report", Markdown)
        assert "Interview report" in report.source

    drive(app, script)
    t = saved(tmp_path)
    assert t.finished and len(t.records) == 2
    kinds = [turn.kind for turn in t.records[0].turns]
    assert kinds == ["question", "hint", "answer", "follow_up", "idk", "reason_aloud", "answer"]
    assert t.records[1].skipped and all(r.feedback is not None for r in t.records)


def test_footer_keys_speak_the_session_language(tmp_path: Path) -> None:
    ctx = context(tmp_path, "ko")
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        assert {"시작", "기록", "나가기"} <= footer_labels(app)
        await pilot.press("enter")
        await settle(pilot)
        assert {"제출", "힌트", "종료", "나가기"} <= footer_labels(app)
        # A session in English from the same app: its keys, and the app's own, switch back.
        app.pop_screen()
        await pilot.pause()
        english = ctx.start_interview(SetupChoices(categories=["cs"], questions=1, lang="en"), seed=1)
        await show(pilot, OpenInterview(english))
        assert {"Submit", "Hint", "End", "Quit"} <= footer_labels(app)
        assert "나가기" not in footer_labels(app)

    drive(app, script)


def test_feedback_so_far_on_demand(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await type_answer(pilot, ANSWER)  # the question is graded; the second one is on screen
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, FeedbackScreen)
        assert "Follow-ups asked" in app.screen.query_one("#report", Markdown).source
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InterviewScreen) and not app.screen.engine.finished

    drive(app, script)


def test_end_key_finishes_with_a_report(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)

    drive(app, script)
    t = saved(tmp_path)
    assert t.finished and t.records[0].feedback is not None and t.records[1].status == "ended"


def test_the_draft_survives_closing_mid_answer(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"half an answer")
        await pilot.press("ctrl+q")

    drive(app, script)
    t = saved(tmp_path)
    assert t.draft == "half an answer" and not t.finished

    again = InterviewerApp(ctx, opened=ctx.resume(t))

    async def resumed(pilot: Pilot[int]) -> None:
        await settle(pilot)
        assert isinstance(again.screen, InterviewScreen)
        assert again.screen.query_one(TextArea).text == "half an answer"

    drive(again, resumed)


def test_a_provider_named_on_the_command_line_outranks_the_recorded_one(tmp_path: Path) -> None:
    """`interviewer resume ID --provider offline` of a session a model started goes on offline."""
    ctx = context(tmp_path)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+q")

    drive(app, script)
    t = saved(tmp_path)
    t.provider, t.model = "openai", "some-model"
    ctx.store.close()
    ctx.store.save(t)
    recorded = ctx.resume(t)
    assert (recorded.backend.provider, recorded.backend.model) == ("openai", "some-model")
    ctx.store.close()
    data = str(tmp_path / "data")
    args = build_parser().parse_args(["resume", "--provider", "offline", "--data-dir", data])
    ctx.resumed_settings = lambda recorded: resumed_settings(args, recorded)  # as `resume` wires it
    pinned = ctx.resume(t)
    assert pinned.backend.provider == "offline"
    assert (pinned.transcript.provider, pinned.transcript.model) == ("offline", None)
    ctx.store.close()


def test_setup_lists_the_categories_of_the_bank_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump([question_data()], allow_unicode=True), encoding="utf-8")
    ctx = context(tmp_path)
    ctx.bank = load_bank([path], include_builtin=False)  # as the command line hands it over
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        options = app.screen.query_one("#categories", SelectionList)
        assert [options.get_option_at_index(i).value for i in range(options.option_count)] == ["backend"]

    drive(app, script)


def test_setup_rejects_a_bad_number_in_place(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))

    async def script(pilot: Pilot[int]) -> None:
        app.screen.query_one("#questions").value = "0"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert "Questions:" in str(app.screen.query_one("#setup-error").render())  # named as labelled

    drive(app, script)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_follow_ups_stream_and_typing_goes_on_meanwhile(server: FakeOpenAI, tmp_path: Path) -> None:
    ctx = context(tmp_path, provider="openai", base_url=server.base_url, model="fake-model", max_retries=0)
    save_choices(
        tmp_path / "prefs.json",
        SetupChoices(categories=["cs"], questions=1, follow_ups=1, lang="en", provider="openai"),
    )
    server.then(Reply(chunk_delay=0.05))  # a slow stream for the follow-up
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        screen.query_one(TextArea).insert(ANSWER)
        await pilot.press("ctrl+s")
        await asyncio.sleep(0.3)
        await pilot.pause()
        assert screen.busy, "the stream should still be running"
        await pilot.press(*"typing")  # keystrokes are handled while the follow-up streams in
        await pilot.pause()
        assert screen.query_one(TextArea).text == "typing"
        await settle(pilot)
        texts = [str(m.render()) for m in screen.query(".interviewer").results(Static)]
        assert any("Could you go deeper on that? (1)" in t for t in texts), texts

    drive(app, script)
    t = saved(tmp_path)
    assert t.provider == "openai" and t.records[0].calls[0].step == "follow_up"


# --- snapshots of every screen, at 80x24 and 120x40, in both languages ---------------------------

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_snapshots(tmp_path: Path, lang: Lang, size: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    two_finished_sessions(tmp_path, lang)
    app = InterviewerApp(context(tmp_path, lang))

    async def script(pilot: Pilot[int]) -> None:
        setup = app.screen
        assert isinstance(setup, SetupScreen)
        await until(pilot, lambda: setup.due_cards is not None)  # counted on a worker thread
        assert_snapshot(app, f"setup-{lang}-{size}")
        await pilot.press("f5")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, HistoryScreen)
        await until(pilot, lambda: history.query(".chart-row"))
        assert_snapshot(app, f"history-{lang}-{size}")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWER)
        assert_snapshot(app, f"interview-{lang}-{size}")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        assert_snapshot(app, f"feedback-{lang}-{size}")

    drive(app, script, size=SIZES[size])
