"""Why this follow-up: the engine records why each follow-up was asked, `/why` in plain mode explains the
current one on demand, and no explanation gives a key point or the model answer away before grading."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.bank import Bank, load_bank
from interviewer.domain import Lang, Plan, Question, Transcript
from interviewer.engine import Engine, new_transcript
from interviewer.evaluation.replay import replay_text
from interviewer.events import Action, Answer, Command, Event, Prompt
from interviewer.llm.base import Backend
from interviewer.llm.offline import OfflineBackend
from interviewer.phrases import say
from interviewer.plain import PlainFrontEnd
from interviewer.store import Store, load_transcript
from interviewer.why import WHY_CHARS, explain_follow_up
from tests.fake_openai import FakeOpenAI, Reply
from tests.test_openai_backend import backend
from tests.test_openai_backend import bank as bank

QID = "cs/process-vs-thread"
# Asserts the `threads-own-heap` misconception of the `address-space` point, by its cues.
WRONG = {
    "en": "Each thread gets its own heap, just like a process, so threads don't share memory.",
    "ko": "스레드도 힙을 따로 가지기 때문에 스레드끼리는 메모리를 나눠 쓰지 않습니다.",
}
VAGUE = {"en": "Threads are lighter than processes.", "ko": "스레드가 프로세스보다 가볍습니다."}
MEMORY = {"en": "Memory layout", "ko": "메모리 구조"}  # the criterion `address-space` is scored under


@pytest.fixture(autouse=True)
def no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong claims and the follow-ups here are decided by cues; the sentence encoder would only cost time."""
    import interviewer.grading.encoder as encoder

    monkeypatch.setattr(encoder, "_enabled", False)
    monkeypatch.setattr(encoder, "_shared", None)
    monkeypatch.setattr(encoder, "_configured", True)


def real_question() -> Question:
    return load_bank().get(QID)


def engine_for(lang: Lang, tmp_path: Path, be: Backend | None = None, bank: Bank | None = None) -> Engine:
    question = real_question()
    be = be or OfflineBackend()
    plan = Plan(track="backend" if bank else "mlse", questions=1, follow_ups=2, lang=lang, seed=1)
    t = new_transcript(plan, bank or Bank({question.id: question}), be, session_id="20260101-000000-0001")
    return Engine(t, be, Store(tmp_path / "data"))


def drive(engine: Engine, *actions: Action) -> list[Event]:
    async def go() -> list[Event]:
        events = [e async for e in engine.start()]
        for action in actions:
            events += [e async for e in engine.submit(action)]
        return events

    return asyncio.run(go())


def prompts(events: list[Event]) -> list[Prompt]:
    return [e for e in events if isinstance(e, Prompt)]


def gives_nothing_away(text: str, question: Question) -> None:
    """Item 19: naming the point is fine, its content or the model answer is not."""
    for lang in ("ko", "en"):
        assert question.model_answer(lang) not in text
        for kp in question.key_points:
            assert kp.text(lang) not in text
            assert kp.text(lang)[:40] not in text


# --- the engine records why ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_challenged_wrong_claim_is_recorded_and_explained(tmp_path: Path, lang: Lang) -> None:
    engine = engine_for(lang, tmp_path)
    seed, follow = prompts(drive(engine, Answer(text=WRONG[lang])))
    assert seed.why is None and seed.why_kind is None
    turn = engine.transcript.records[0].turns[-1]
    assert turn.kind == "follow_up" and turn.target == "address-space"
    assert turn.why_kind == follow.why_kind == "wrong_claim"
    assert turn.why and "\n" not in turn.why  # the backend's reason, kept on one line
    assert follow.why == explain_follow_up(engine.transcript)
    assert follow.why.startswith(say("why_wrong", lang, point=MEMORY[lang]))
    assert WRONG[lang] in follow.why  # the candidate's own claim is quoted back
    gives_nothing_away(follow.why, real_question())


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_missing_point_is_recorded_and_named_by_its_criterion(tmp_path: Path, lang: Lang) -> None:
    engine = engine_for(lang, tmp_path)
    follow = prompts(drive(engine, Answer(text=VAGUE[lang])))[-1]
    turn = engine.transcript.records[0].turns[-1]
    assert turn.target == "address-space" and turn.why_kind == follow.why_kind == "missing"
    assert follow.why == say("why_missing", lang, point=MEMORY[lang])
    gives_nothing_away(follow.why, real_question())


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_going_deeper_on_a_covered_point_is_recorded(tmp_path: Path, lang: Lang) -> None:
    question = real_question()
    everything = " ".join(kp.text(lang) for kp in question.key_points)
    engine = engine_for(lang, tmp_path)
    follow = prompts(drive(engine, Answer(text=everything)))[-1]
    turn = engine.transcript.records[0].turns[-1]
    assert turn.kind == "deepen" and turn.why_kind == follow.why_kind == "deepen"
    criterion = next(c for c in question.rubric if turn.target in c.key_points)
    assert follow.why == say("why_deepen", lang, point=criterion.name(lang))


def test_hints_and_the_invitation_to_reason_aloud_are_recorded(tmp_path: Path) -> None:
    engine = engine_for("en", tmp_path)
    events = drive(engine, Command(kind="hint"), Command(kind="idk"))
    kinds = [(t.kind, t.why_kind) for t in engine.transcript.records[0].turns if t.role == "interviewer"]
    assert kinds == [("question", None), ("hint", "hint"), ("reason_aloud", "reason_aloud")]
    invitation = prompts(events)[-1]
    assert invitation.why_kind == "reason_aloud" and invitation.why == say("why_reason_aloud", "en")


# --- the model's reason: recorded, capped and cleaned, never shown before grading ----------------------


def model_follow_up(reason: str, target: str = "idempotency-key") -> Reply:
    decision = {
        "action": "ask",
        "kind": "follow_up",
        "target": target,
        "text": "How would the server tell a retried request from a new one?",
        "reason": reason,
    }
    return Reply(content=json.dumps(decision))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_the_models_reason_is_recorded(server: FakeOpenAI, bank: Bank, tmp_path: Path) -> None:
    reason = "The candidate never said how the client marks a request: the idempotency key."
    server.then(model_follow_up(reason))
    engine = engine_for("en", tmp_path, backend(server, tmp_path), bank)
    follow = prompts(drive(engine, Answer(text="I would make the endpoint safe to call twice.")))[-1]
    turn = engine.transcript.records[0].turns[-1]
    assert turn.why == reason and turn.why_kind == follow.why_kind == "missing"
    # What the candidate is shown names the criterion; the model's words, which name the key, wait.
    assert follow.why == say("why_missing", "en", point="Idempotency mechanism")
    assert "idempotency key" not in follow.why


def test_a_model_follow_up_on_an_asserted_misconception_is_a_challenge(
    server: FakeOpenAI, bank: Bank, tmp_path: Path
) -> None:
    server.then(model_follow_up("probe"))
    engine = engine_for("en", tmp_path, backend(server, tmp_path), bank)
    claim = "The server generates a new idempotency key for every request."
    follow = prompts(drive(engine, Answer(text=claim)))[-1]
    assert follow.why_kind == "wrong_claim" and claim in (follow.why or "")


def test_a_hostile_reason_is_capped_and_kept_on_one_line(
    server: FakeOpenAI, bank: Bank, tmp_path: Path
) -> None:
    server.then(model_follow_up("\x1b[2J\x1b]0;owned\x07\nforged line\r\u202e" + "x" * 100_000))
    engine = engine_for("en", tmp_path, backend(server, tmp_path), bank)
    drive(engine, Answer(text="I would make the endpoint safe to call twice."))
    why = engine.transcript.records[0].turns[-1].why
    assert why is not None and len(why) <= WHY_CHARS
    assert why.startswith("\\x1b[2J\\x1b]0;owned\\x07 forged line \\u202ex")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in why)
    # The transcript on disk holds the capped reason, not a megabyte.
    saved = load_transcript(next((tmp_path / "data" / "sessions").glob("*.json")))
    assert saved.records[0].turns[-1].why == why


# --- asked when there is nothing to explain, and old transcripts ------------------------------------


def test_nothing_to_explain_on_the_seed_question_or_after_the_interview(tmp_path: Path) -> None:
    engine = engine_for("ko", tmp_path)
    drive(engine)
    assert explain_follow_up(engine.transcript) == say("why_seed", "ko")
    drive_more = engine_for("en", tmp_path / "2")
    drive(drive_more, Answer(text=VAGUE["en"]), Command(kind="end"))
    assert drive_more.finished
    assert explain_follow_up(drive_more.transcript) == say("why_none", "en")


def test_a_transcript_written_before_reasons_were_recorded_loads_and_is_explained(tmp_path: Path) -> None:
    engine = engine_for("en", tmp_path)
    drive(engine, Answer(text=WRONG["en"]))
    data = json.loads(engine.transcript.model_dump_json())
    for turn in data["records"][0]["turns"]:
        del turn["why"], turn["why_kind"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    old = load_transcript(path)
    assert all(t.why is None and t.why_kind is None for t in old.records[0].turns)
    # Classified from the same turns, it reads as it did when the follow-up was asked.
    assert explain_follow_up(old) == explain_follow_up(engine.transcript)


def test_replay_shows_why_and_the_backends_reason_only_once_graded(tmp_path: Path) -> None:
    engine = engine_for("en", tmp_path)
    drive(engine, Answer(text=VAGUE["en"]))
    note = engine.transcript.records[0].turns[-1].why
    assert note
    shown = replay_text(engine.transcript)
    assert f"   ↳ {say('why_missing', 'en', point=MEMORY['en'])}\n" in shown and note not in shown
    drive(engine, Command(kind="end"))
    assert f"interviewer's note: {note}" in replay_text(engine.transcript)


# --- plain mode's /why ---------------------------------------------------------------------------------


def plain(tmp_path: Path, lang: Lang, *typed: str, draft: str | None = None) -> tuple[PlainFrontEnd, str]:
    engine = engine_for(lang, tmp_path)
    engine.transcript.draft = draft
    typing = iter(typed)

    def read_line() -> str:
        line = next(typing, None)
        if line is None:
            raise EOFError
        return line

    out = io.StringIO()
    front = PlainFrontEnd(engine, "interviewer resume", out, read_line)
    assert front.run() == 0
    return front, out.getvalue()


def answers(t: Transcript) -> list[str]:
    return [turn.text for r in t.records for turn in r.answers()]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_why_in_plain_mode_explains_the_current_follow_up(tmp_path: Path, lang: Lang) -> None:
    front, out = plain(tmp_path, lang, WRONG[lang], ".", "/why", "/end")
    assert "/why" in out.split("\n")[1]  # named in the help line
    assert f"↳ {say('why_wrong', lang, point=MEMORY[lang])}" in out
    assert answers(front.engine.transcript) == [WRONG[lang]]  # `/why` is no answer
    gives_nothing_away(out.split("↳ ")[1].split("\n")[0], real_question())


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_why_on_the_seed_question_says_there_is_nothing_to_explain(tmp_path: Path, lang: Lang) -> None:
    front, out = plain(tmp_path, lang, "/why", "/end")
    assert f"↳ {say('why_seed', lang)}\n" in out
    assert answers(front.engine.transcript) == []


def test_why_while_typing_keeps_the_lines_typed_so_far(tmp_path: Path) -> None:
    front, out = plain(tmp_path, "en", "Threads share memory.", "/why", "Processes do not.", ".", "/end")
    assert f"↳ {say('why_seed', 'en')}" in out
    assert answers(front.engine.transcript) == ["Threads share memory.\nProcesses do not."]


def test_why_keeps_a_restored_draft(tmp_path: Path) -> None:
    front, _ = plain(tmp_path, "en", "/why", ".", "/end", draft="A draft from last time.")
    assert answers(front.engine.transcript) == ["A draft from last time."]
