"""A model that keeps the candidate waiting costs at most the wait bound per turn: past it, or when the
candidate presses Esc, the offline interviewer takes the step, and the front ends say what is happening."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from interviewer.bank import Bank
from interviewer.domain import Plan, Transcript
from interviewer.engine import Engine, new_transcript
from interviewer.events import Answer, Command, Event, Prompt, QuestionGraded, Waiting
from interviewer.store import Store
from interviewer.tui.app import InterviewerApp
from interviewer.tui.interview import InterviewScreen
from interviewer.tui.prefs import SetupChoices, save_choices
from tests.fake_openai import FakeOpenAI, Reply
from tests.hostile import Sandbox, sandbox  # noqa: F401
from tests.test_openai_backend import backend
from tests.test_openai_backend import bank as bank
from tests.tui_support import context, drive, saved, settle

ANSWER = "The client sends an idempotency key and the server stores the result for retries."
HANGING = [Reply(hang=True) for _ in range(12)]


@pytest.fixture(autouse=True)
def no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stand-in's decisions without the sentence encoder: these tests time the waits, not grading."""
    import interviewer.grading.encoder as encoder

    monkeypatch.setattr(encoder, "_enabled", False)
    monkeypatch.setattr(encoder, "_shared", None)
    monkeypatch.setattr(encoder, "_configured", True)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def engine_for(server: FakeOpenAI, bank: Bank, tmp_path: Path, wait_s: float, follow_ups: int = 1) -> Engine:
    # The client's own timeout and retries would keep it waiting for minutes: the engine's bound decides.
    be = backend(server, tmp_path, timeout_s=60, max_retries=2)
    plan = Plan(track="backend", questions=1, follow_ups=follow_ups, lang="en", seed=1)
    transcript = new_transcript(plan, bank, be, session_id="20260101-000000-0000")
    return Engine(transcript, be, Store(tmp_path / "data"), wait_s=wait_s)


async def collect(events: object) -> list[Event]:
    return [e async for e in events]  # type: ignore[attr-defined]


def test_a_follow_up_the_model_never_sends_is_asked_offline_within_the_bound(
    server: FakeOpenAI, bank: Bank, tmp_path: Path
) -> None:
    server.then(*HANGING)
    engine = engine_for(server, bank, tmp_path, wait_s=3)

    async def go() -> tuple[list[Event], float]:
        await collect(engine.start())
        began = time.monotonic()
        events = await collect(engine.submit(Answer(text=ANSWER)))
        return events, time.monotonic() - began

    events, took = asyncio.run(go())
    call = engine.transcript.records[0].calls[-1]
    assert call.step == "follow_up" and call.fallback and call.faults[0].startswith("no_reply")
    # The model's call is given up at the bound, not after the client's 60 s x 3 tries.
    assert 2.9 <= call.latency_s < 3.5, call.latency_s
    assert took < 4, took
    waits = [e for e in events if isinstance(e, Waiting)]
    assert [(e.step, e.elapsed_s, e.limit_s) for e in waits] == [("follow_up", 2, 3)]
    prompt = [e for e in events if isinstance(e, Prompt)][-1]
    assert prompt.kind in ("follow_up", "deepen") and prompt.text
    # The answer was on disk before the model was asked anything.
    on_disk = Transcript.model_validate_json(
        (tmp_path / "data/sessions/20260101-000000-0000.json").read_bytes()
    )
    assert on_disk.records[0].answers()[0].text == ANSWER


def test_the_candidate_can_hand_the_turn_over_at_once(server: FakeOpenAI, bank: Bank, tmp_path: Path) -> None:
    server.then(*HANGING)
    engine = engine_for(server, bank, tmp_path, wait_s=60)

    async def go() -> tuple[list[Event], float]:
        await collect(engine.start())
        began = time.monotonic()
        events: list[Event] = []
        async for e in engine.submit(Answer(text=ANSWER)):
            events.append(e)
            if isinstance(e, Waiting):
                engine.hand_over()
        return events, time.monotonic() - began

    events, took = asyncio.run(go())
    call = engine.transcript.records[0].calls[-1]
    assert call.fallback and call.faults[0].startswith("handed_over")
    assert 2 <= call.latency_s < 3, call.latency_s  # at the first waiting line, not at the 60 s bound
    assert took < 3.5, took
    assert isinstance(events[-1], Prompt)


def test_an_earlier_hand_over_does_not_carry_into_the_next_turn(
    server: FakeOpenAI, bank: Bank, tmp_path: Path
) -> None:
    engine = engine_for(server, bank, tmp_path, wait_s=30, follow_ups=2)

    async def go() -> None:
        await collect(engine.start())
        engine.hand_over()  # pressed while nothing was waited for
        await collect(engine.submit(Answer(text=ANSWER)))

    asyncio.run(go())
    call = engine.transcript.records[0].calls[-1]
    assert not call.fallback and not call.faults, call


def test_the_report_waits_for_grades_at_most_the_bound(
    server: FakeOpenAI, bank: Bank, tmp_path: Path
) -> None:
    server.then(*HANGING)
    engine = engine_for(server, bank, tmp_path, wait_s=3, follow_ups=0)

    async def go() -> tuple[list[Event], float]:
        await collect(engine.start())
        began = time.monotonic()
        events = await collect(engine.submit(Answer(text=ANSWER)))
        return events, time.monotonic() - began

    events, took = asyncio.run(go())
    assert took < 4, took
    assert engine.finished
    assert any(isinstance(e, Waiting) and e.step == "grade" for e in events)
    graded = [e for e in events if isinstance(e, QuestionGraded)]
    assert len(graded) == 1
    call = engine.transcript.records[0].calls[-1]
    assert call.step == "grade" and call.fallback and call.faults[0].startswith("no_reply")
    assert 2.9 <= call.latency_s < 3.5, call.latency_s


def test_background_grades_are_not_cut_short_while_the_interview_goes_on(
    server: FakeOpenAI, bank: Bank, tmp_path: Path
) -> None:
    """The bound is for a candidate who waits: a slow grade in the background has the whole interview."""
    server.then(Reply(delay=1.5))  # the grade: slower than the bound, but nobody waits for it yet
    be = backend(server, tmp_path, timeout_s=60, max_retries=0)
    plan = Plan(track="backend", questions=2, follow_ups=0, lang="en", seed=1)
    engine = Engine(new_transcript(plan, bank, be), be, Store(tmp_path / "data"), wait_s=1.0)

    async def go() -> None:
        await collect(engine.start())
        await collect(engine.submit(Answer(text=ANSWER)))
        await asyncio.sleep(2.0)  # the candidate types the next answer meanwhile
        await collect(engine.submit(Command(kind="end")))

    asyncio.run(go())
    first = engine.transcript.records[0]
    assert first.feedback is not None
    assert not any(c.fallback for c in first.calls), first.calls


def test_plain_mode_says_it_is_waiting_and_goes_on(sandbox: Sandbox, server: FakeOpenAI) -> None:  # noqa: F811
    server.then(*HANGING)
    sandbox.env(INTERVIEWER_WAIT_S="3", INTERVIEWER_MAX_RETRIES="2", INTERVIEWER_TIMEOUT_S="60")
    began = time.monotonic()
    result = sandbox.run(
        "practice",
        "--plain",
        "--questions",
        "1",
        "--follow-ups",
        "1",
        "--lang",
        "en",
        "--seed",
        "3",
        *server.cli_args,
        stdin=f"{ANSWER}\n.\nSecond answer about the same topic.\n.\n",
    )
    took = time.monotonic() - began
    assert result.code == 0, result.err
    assert "waiting for the model: 2 s (at 3 s the offline interviewer takes over)" in result.out
    assert "did not answer within 3 s" in result.out
    assert took < 20, took  # two waits of 3 s (follow-up and the report's grade) and the rest


def test_esc_in_the_tui_hands_the_turn_over(server: FakeOpenAI, tmp_path: Path) -> None:
    server.then(*HANGING)
    ctx = context(
        tmp_path, provider="openai", base_url=server.base_url, model="fake-model", max_retries=2, wait_s=60
    )
    save_choices(
        tmp_path / "prefs.json",
        SetupChoices(categories=["cs"], questions=1, follow_ups=1, lang="en", provider="openai"),
    )
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        screen.query_one("#answer").insert(ANSWER)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        waiting = screen.query_one("#waiting", Static)
        for _ in range(100):
            await asyncio.sleep(0.05)
            await pilot.pause()
            if waiting.display:
                break
        assert waiting.display, "no waiting line after 5 s of silence"
        assert "Esc: let the offline interviewer answer now" in str(waiting.render())
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.busy and not waiting.display

    drive(app, script)
    call = saved(tmp_path).records[0].calls[-1]
    assert call.fallback and call.faults[0].startswith("handed_over")


def test_the_offline_interviewer_is_never_timed_out_or_said_to_be_a_waiting_model(
    bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound is for a model; the offline backend is the stand-in itself, however long it takes."""
    from interviewer.llm.offline import OfflineBackend

    decide = OfflineBackend.follow_up

    async def slow(self: OfflineBackend, *args: object, **kwargs: object) -> object:
        await asyncio.sleep(2.5)  # as if it waited on the encoder's first load
        return await decide(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(OfflineBackend, "follow_up", slow)
    plan = Plan(track="backend", questions=1, follow_ups=1, lang="en", seed=1)
    be = OfflineBackend()
    engine = Engine(new_transcript(plan, bank, be), be, Store(tmp_path / "data"), wait_s=1)

    async def go() -> list[Event]:
        await collect(engine.start())
        return await collect(engine.submit(Answer(text=ANSWER)))

    events = asyncio.run(go())
    assert not any(isinstance(e, Waiting) for e in events)
    assert isinstance(events[-1], Prompt) and events[-1].kind in ("follow_up", "deepen")
    assert not engine.transcript.records[0].calls  # its own decision, not a stand-in for itself
