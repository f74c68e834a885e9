"""The session engine driven with scripted answers, on a small bank written to disk."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path

import pytest
import yaml

from interviewer.bank import Bank, load_bank
from interviewer.domain import Feedback, FollowUpDecision, Plan, Transcript
from interviewer.engine import MAX_ANSWER_CHARS, Engine, EngineError, new_transcript
from interviewer.events import (
    Action,
    Answer,
    Command,
    Event,
    HintGiven,
    InterviewFinished,
    Notice,
    Prompt,
    QuestionGraded,
    SessionStarted,
)
from interviewer.llm.offline import OfflineBackend
from interviewer.store import Store, load_transcript
from tests.helpers import question_data
from tests.mock_backend import MockBackend

KEY = "The client sends an idempotency key with every request so the server can recognise a repeat."
RESULT = "The server stores the first result and returns the same response to any retry of that request."
LOCK = "When two copies arrive at once, a lock on the key means only one of them is processed."


@pytest.fixture
def bank(tmp_path: Path) -> Bank:
    path = tmp_path / "bank.yaml"
    items = [question_data("backend/idempotency"), question_data("backend/payments")]
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    return load_bank([path], include_builtin=False)


def make(bank: Bank, tmp_path: Path, **plan: object) -> Engine:
    settings: dict[str, object] = {
        "track": "backend",
        "questions": 2,
        "follow_ups": 2,
        "lang": "en",
        "seed": 1,
    }
    settings.update(plan)
    backend = OfflineBackend()
    return Engine(
        new_transcript(Plan.model_validate(settings), bank, backend), backend, Store(tmp_path / "data")
    )


_LOOP: list[asyncio.Runner] = []


@pytest.fixture(autouse=True)
def one_event_loop() -> Iterator[None]:
    """An engine lives on one event loop, as in the app; background grading needs it to stay open."""
    with asyncio.Runner() as runner:
        _LOOP.append(runner)
        yield
        _LOOP.pop()


def run(coro: Coroutine[object, object, list[Event]]) -> list[Event]:
    return _LOOP[-1].run(coro)


def start(engine: Engine) -> list[Event]:
    async def go() -> list[Event]:
        return [e async for e in engine.start()]

    return run(go())


def send(engine: Engine, *actions: Action | str) -> list[Event]:
    async def go() -> list[Event]:
        out: list[Event] = []
        for a in actions:
            action = Answer(text=a) if isinstance(a, str) else a
            out += [e async for e in engine.submit(action)]
        return out

    return run(go())


def of(events: list[Event], kind: type[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def on_disk(engine: Engine) -> Transcript:
    assert engine.store is not None
    return load_transcript(engine.store.path_for(engine.transcript.session_id))


def test_full_interview_with_follow_ups(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    events = start(engine)
    assert isinstance(events[0], SessionStarted) and events[0].total == 2
    first = events[-1]
    assert isinstance(first, Prompt) and first.kind == "question" and first.index == 1

    # Only the key is covered: the most important missing point (stored result) is probed next.
    follow = send(engine, KEY)[-1]
    assert isinstance(follow, Prompt) and follow.kind == "follow_up" and follow.follow_up == 1
    assert follow.text == "What should a retrying client get back?"

    follow2 = send(engine, RESULT)[-1]
    assert isinstance(follow2, Prompt) and follow2.follow_up == 2
    assert follow2.text == "What if both copies arrive at the same moment?"

    events = send(engine, LOCK)  # the follow-up limit is reached: grade, then the next question
    graded = of(events, QuestionGraded)
    assert len(graded) == 1 and isinstance(graded[0], QuestionGraded) and graded[0].feedback.overall == 5
    nxt = of(events, Prompt)[-1]
    assert isinstance(nxt, Prompt) and nxt.index == 2 and nxt.kind == "question"
    assert events.index(nxt) < events.index(graded[0])  # the next question does not wait for grading

    events = send(engine, Command(kind="end"))
    assert isinstance(events[-1], InterviewFinished)
    saved = on_disk(engine)
    assert saved.finished and saved.records[0].follow_ups_asked == 2
    assert [t.text for t in saved.records[0].answers()] == [KEY, RESULT, LOCK]
    assert saved.records[1].status == "ended" and saved.records[1].feedback is None
    assert saved.overall == 5


def test_covered_points_are_deepened(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    prompt = send(engine, f"{KEY} {RESULT} {LOCK}")[-1]
    assert isinstance(prompt, Prompt) and prompt.kind == "deepen"
    assert prompt.text == "How long do you keep those keys?"
    assert engine.transcript.records[0].turns[-1].target == "idempotency-key"


def test_no_follow_ups_when_the_limit_is_zero(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path, follow_ups=0)
    start(engine)
    events = send(engine, KEY)
    assert [type(e) for e in events] == [Prompt, QuestionGraded]


def test_hints_are_recorded_and_run_out(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path, questions=1)
    start(engine)
    hints = [send(engine, Command(kind="hint"))[-1] for _ in range(4)]
    assert [type(h) for h in hints] == [HintGiven, HintGiven, HintGiven, Notice]
    assert isinstance(hints[0], HintGiven) and "recognise a repeated request" in hints[0].text
    rec = on_disk(engine).records[0]
    assert rec.hints == 3
    send(engine, KEY, Command(kind="skip"))
    fb = engine.transcript.records[0].feedback
    assert fb is not None and "You used 3 hint(s)." in fb.notes


def test_a_hint_on_a_follow_up_gives_an_angle_on_the_point_it_probes(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path, questions=1)
    start(engine)
    send(engine, KEY)  # the follow-up now probes the stored result
    first, second = (send(engine, Command(kind="hint"))[-1] for _ in range(2))
    assert (
        isinstance(first, HintGiven)
        and first.text == "Hint: Compare what the first call and the retry each get to see."
    )
    assert (
        isinstance(second, HintGiven)
        and second.text == "Hint: What if both copies arrive at the same moment?"
    )


def test_skip_grades_what_was_said_and_moves_on(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    events = send(engine, Command(kind="skip"))
    graded = of(events, QuestionGraded)[0]
    assert isinstance(graded, QuestionGraded) and graded.feedback.overall == 1
    assert engine.transcript.records[0].skipped
    assert of(events, Prompt)[-1].index == 2  # type: ignore[attr-defined]


def test_i_dont_know_invites_reasoning_aloud_once(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    invite = send(engine, Command(kind="idk"))[-1]
    assert isinstance(invite, Prompt) and invite.kind == "reason_aloud"
    assert "what would you infer" in invite.text
    events = send(engine, f"I'm not sure, but I would guess that {LOCK[0].lower()}{LOCK[1:]}")
    graded = of(events, QuestionGraded)[0]
    assert isinstance(graded, QuestionGraded)
    assert graded.feedback.score_of("edge-cases") == 5  # reasoning that reaches the point earns it
    assert any("reasoned aloud" in n for n in graded.feedback.notes)
    assert of(events, Prompt)[-1].index == 2  # type: ignore[attr-defined]

    send(engine, Command(kind="idk"))
    events = send(engine, Command(kind="idk"))  # a second "don't know" moves on
    assert isinstance(events[-1], InterviewFinished)


def test_reasoning_that_reaches_nothing_is_named_honestly(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    send(engine, Command(kind="idk"))
    graded = of(
        send(engine, "I am not sure, but maybe it depends on the network speed somehow."), QuestionGraded
    )[0]
    assert isinstance(graded, QuestionGraded) and graded.feedback.overall == 1
    assert any("did not reach the key points" in n for n in graded.feedback.notes)


def test_end_before_any_answer(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    events = send(engine, Command(kind="end"))
    assert [type(e) for e in events] == [InterviewFinished]
    saved = on_disk(engine)
    assert saved.finished and saved.overall is None
    assert all(r.status == "ended" for r in saved.records)
    with pytest.raises(EngineError):
        send(engine, "too late")


def test_empty_answer_is_asked_again_then_recorded_as_no_answer(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    first = send(engine, "   \n ")
    assert [type(e) for e in first] == [Notice]
    assert not engine.transcript.records[0].answers()
    events = send(engine, "")
    rec = engine.transcript.records[0]
    assert rec.turns[-1].no_answer and rec.feedback is not None and rec.feedback.overall == 1
    assert of(events, Prompt)[-1].index == 2  # type: ignore[attr-defined]


def test_long_answer_is_kept_whole_and_cut_for_the_backend(bank: Bank, tmp_path: Path) -> None:
    spy = MockBackend()
    plan = Plan(track="backend", questions=1, follow_ups=0, lang="en")
    engine = Engine(new_transcript(plan, bank, spy), spy, Store(tmp_path / "data"))
    start(engine)
    long = KEY + " " + "x" * (MAX_ANSWER_CHARS + 500)
    events = send(engine, long)
    assert of(events, Notice) and "20,000" in events[0].text  # type: ignore[attr-defined]
    turn = on_disk(engine).records[0].answers()[0]
    assert turn.text == long and turn.truncated
    assert len(spy.grades[0].answer_text()) == MAX_ANSWER_CHARS


def test_control_characters_are_dropped(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    send(engine, "idem\x00potency\x1b[31m key\r\nline two\tend")
    assert engine.transcript.records[0].answers()[0].text == "idempotency[31m key\nline two\tend"


def test_every_prompt_is_on_disk_before_it_is_shown(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    seen: list[tuple[str, str]] = []

    async def go() -> None:
        async for e in engine.start():
            if isinstance(e, Prompt):
                seen.append((e.text, on_disk(engine).records[e.index - 1].turns[-1].text))
        for answer in (KEY, RESULT, LOCK, "x"):
            async for e in engine.submit(Answer(text=answer)):
                if isinstance(e, Prompt):
                    seen.append((e.text, on_disk(engine).records[e.index - 1].turns[-1].text))

    _LOOP[-1].run(go())
    assert len(seen) == 5 and all(shown == saved for shown, saved in seen)


def test_resume_after_the_answer_was_saved_but_before_the_reply(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    expected = send(engine, KEY)[-1]
    # Roll the transcript back to "answer saved, no follow-up yet", as a crash at that moment leaves it.
    t = on_disk(engine)
    t.records[0].turns.pop()
    t.records[0].decisions.pop()
    resumed = Engine(t, OfflineBackend(), engine.store)
    events = start(resumed)
    assert isinstance(events[0], SessionStarted) and events[0].resumed
    assert (
        isinstance(events[-1], Prompt) and isinstance(expected, Prompt) and events[-1].text == expected.text
    )


def test_resume_after_a_saved_skip_moves_on(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    send(engine, Command(kind="skip"))
    t = on_disk(engine)
    second = t.records[1].turns.pop()  # as if the process died right after saving the skip
    t.records[0].status, t.records[0].feedback = "open", None
    events = start(Engine(t, OfflineBackend(), engine.store))
    assert [type(e) for e in events] == [SessionStarted, Prompt, QuestionGraded]
    assert isinstance(events[1], Prompt) and events[1].text == second.text


def test_resume_at_a_prompt_shows_it_again(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    shown = send(engine, KEY)[-1]
    resumed = Engine(on_disk(engine), OfflineBackend(), engine.store)
    again = start(resumed)[-1]
    assert isinstance(again, Prompt) and again == shown
    send(resumed, RESULT, LOCK)
    assert [t.text for t in on_disk(resumed).records[0].answers()] == [KEY, RESULT, LOCK]


def test_draft_is_saved_and_cleared_by_the_answer(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path)
    start(engine)
    engine.set_draft("half an answer")
    assert on_disk(engine).draft == "half an answer"
    started = start(Engine(on_disk(engine), OfflineBackend(), engine.store))[0]
    assert isinstance(started, SessionStarted) and started.draft == "half an answer"
    send(engine, KEY)
    assert on_disk(engine).draft is None


def test_a_failing_save_warns_and_keeps_going(bank: Bank, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data dir should be")
    backend = OfflineBackend()
    engine = Engine(
        new_transcript(Plan(track="backend", lang="en", questions=2), bank, backend), backend, Store(blocker)
    )
    events = start(engine)
    assert isinstance(events[1], Notice) and events[1].level == "warning"
    assert engine.unsaved and isinstance(events[-1], Prompt)
    send(engine, KEY)
    assert engine.transcript.records[0].answers()[0].text == KEY  # kept in memory
    rescued = engine.rescue()  # still unwritable: a copy goes to the temp dir
    assert rescued is not None
    try:
        assert [t.text for t in load_transcript(rescued).records[0].answers()] == [KEY]
    finally:
        rescued.unlink()


def test_korean_session_speaks_korean(bank: Bank, tmp_path: Path) -> None:
    engine = make(bank, tmp_path, lang="ko")
    prompt = start(engine)[-1]
    assert isinstance(prompt, Prompt) and prompt.text.startswith("결제 API")
    follow = send(engine, "클라이언트가 요청마다 멱등 키를 보내서 서버가 중복 요청을 알아봅니다.")[-1]
    assert isinstance(follow, Prompt) and follow.text == "재시도한 클라이언트는 무엇을 받아야 하나요?"


def test_what_the_backend_decides_is_what_the_candidate_gets(bank: Bank, tmp_path: Path) -> None:
    """The engine adds nothing of its own between the backend and the candidate: the follow-up asked is the
    one decided, and the grade recorded is the one given, whatever the answer said."""
    plan = Plan(track="backend", questions=1, follow_ups=1, lang="en", seed=1)
    transcript = new_transcript(plan, bank, MockBackend())
    question = transcript.records[0].question
    point = question.key_points[0].id
    asked = FollowUpDecision(action="ask", text="And under load?", kind="follow_up", target=point, reason="r")
    scores = [
        {"criterion_id": c.id, "weight": c.weight, "score": 4, "evidence": [KEY]} for c in question.rubric
    ]
    mock = MockBackend().enqueue(asked, Feedback.model_validate({"criteria": scores}))
    engine = Engine(transcript, mock, Store(tmp_path / "data"))
    start(engine)
    prompts = of(send(engine, KEY), Prompt)
    assert prompts[-1].text == "And under load?"  # type: ignore[attr-defined]
    send(engine, "I do not know more.")
    assert engine.transcript.records[0].feedback is not None
    assert engine.transcript.records[0].feedback.overall == 4.0
    assert [len(mock.follow_ups), len(mock.grades)] == [1, 1]
    assert mock.follow_ups[0].question.id == question.id
