"""Hostile model servers: replies that are not what the protocol promises, servers that never answer, run
on, refuse a parameter, or serve one request at a time. Every case runs the real `OpenAIBackend` with the
real SDK against the fake server on loopback: it falls back or recovers, records a fault that names the
cause, and never raises."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from interviewer.bank import Bank, load_bank
from interviewer.domain import CallRecord, Feedback, FollowUpDecision, Plan, Question, Turn
from interviewer.engine import Engine, new_transcript
from interviewer.events import Answer, Event, Notice
from interviewer.llm.base import FollowUpRequest, GradeRequest
from interviewer.llm.gate import Gate, default_size, gate_for, is_local
from interviewer.llm.openai import OpenAIBackend
from interviewer.llm.structured import MEMORY_ENTRIES, ModeMemory
from interviewer.redact import redact_url
from interviewer.settings import Settings
from interviewer.store import Store
from tests.fake_openai import FakeOpenAI, Reply
from tests.helpers import answer_turn, question_data

ANSWER = "The client sends an idempotency key so the server can recognise a repeated request."
HTML = "<!doctype html><html><body><h1>Proxy sign-in</h1><form>...</form></body></html>"


@pytest.fixture(scope="module")
def question(tmp_path_factory: pytest.TempPathFactory) -> Question:
    path = tmp_path_factory.mktemp("bank") / "bank.yaml"
    path.write_text(yaml.safe_dump([question_data("backend/hostile")], allow_unicode=True), encoding="utf-8")
    (q,) = load_bank([path], include_builtin=False).questions.values()
    return q


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def backend(url: str, memory: Path | None = None, **settings: Any) -> OpenAIBackend:
    config: dict[str, Any] = {
        "provider": "openai",
        "base_url": url,
        "api_key": "fake-key",
        "model": "fake-model",
        "max_retries": 0,
        "timeout_s": 0.5,
        "stream": False,
        **settings,
    }
    return OpenAIBackend(Settings(**config), "hostile", ModeMemory(memory))


def thread(q: Question) -> list[Turn]:
    asked = Turn(role="interviewer", kind="question", text=q.text("en"), at=datetime.now(UTC))
    return [asked, answer_turn(ANSWER)]


def run_step(be: OpenAIBackend, q: Question, step: str) -> tuple[FollowUpDecision | Feedback, CallRecord]:
    """One step through the backend, as the engine calls it; the backend is closed afterwards."""

    async def go() -> tuple[FollowUpDecision | Feedback, CallRecord]:
        try:
            if step == "follow_up":
                f = await be.follow_up(FollowUpRequest(question=q, turns=thread(q), lang="en", remaining=1))
                return f.value, f.calls[0]
            g = await be.grade(GradeRequest(question=q, turns=thread(q), lang="en"))
            return g.value, g.calls[0]
        finally:
            await be.close()

    return asyncio.run(go())


def sse(*events: str) -> str:
    return "".join(f"data: {e}\n\n" for e in events)


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> str:
    choice = {"index": 0, "delta": delta or {}, "finish_reason": finish}
    return json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [choice]})


def whole(message: Any, finish: Any = "stop", **extra: Any) -> str:
    return json.dumps(
        {
            "id": "c",
            "object": "chat.completion",
            "choices": [{"message": message, "finish_reason": finish}],
            **extra,
        }
    )


def raw(body: str | bytes, content_type: str = "application/json") -> Reply:
    return Reply(body=body, content_type=content_type)


SSE = "text/event-stream"
FOLLOW_UP_JSON = json.dumps({"action": "ask", "kind": None, "target": None, "text": "Why?", "reason": "r"})

GRADE_JSON = json.dumps(
    {
        "criteria": [
            {"criterion_id": c, "score": 1, "evidence": [], "rationale": "r"}
            for c in ("mechanism", "edge-cases")
        ],
        "strengths": [],
        "gaps": [],
        "missed": [],
    }
)
# Token counts that are not counts: the reply is used, the usage is unknown.
USAGE_GARBAGE = {
    step: [raw(whole({"content": good}, usage={"prompt_tokens": "lots", "completion_tokens": -3}))]
    for step, good in (("follow_up", FOLLOW_UP_JSON), ("grade", GRADE_JSON))
}

# A whole reply, then the stream ends without [DONE].
NO_DONE = {
    step: [raw(sse(chunk({"content": good}), chunk(finish="stop")), SSE)]
    for step, good in (("follow_up", FOLLOW_UP_JSON), ("grade", GRADE_JSON))
}

# id: (replies, per step or for both; streamed request?; the fault the call records, a prefix (None: a
# harmless oddity, no fault); whether the offline backend stood in). Replies after the scripted ones are
# good ones: a call that asks again recovers with them.
CASES: dict[str, tuple[list[Reply] | dict[str, list[Reply]], bool, str | None, bool]] = {
    # --- 200 bodies that are not JSON, to a plain request ---
    "html-from-a-proxy": ([raw(HTML, "text/html; charset=utf-8")], False, "not_json_body: text/html", True),
    "text-plain": ([raw("upstream connected", "text/plain")], False, "not_json_body: text/plain", True),
    "xml": (
        [raw("<?xml version='1.0'?><ok/>", "application/xml")],
        False,
        "not_json_body: application/xml",
        True,
    ),
    "empty-body-json-type": ([raw(b"")], False, "not_json_body: application/json, empty body", True),
    "empty-body-no-type": ([raw(b"", "")], False, "not_json_body: no content type, empty body", True),
    "html-labelled-json": ([raw(HTML)], False, "not_json_body: application/json", True),
    "truncated-json": ([raw('{"choices": [{"message": {"con')], False, "not_json_body", True),
    "invalid-utf8": ([raw(b'{"choices": "\xff\xfe\xfa"}')], False, "not_json_body", True),
    "nested-too-deep": ([raw("[" * 100_000)], False, "not_json_body", True),
    "event-stream-to-a-plain-request": (
        [raw(sse(chunk({"content": "{}"})), SSE)],
        False,
        "not_json_body: text/event-stream",
        True,
    ),
    "hostile-content-type": (
        [raw("x", "text/html\x1b[31m; evil=1")],
        False,
        "not_json_body: text/html31m",
        True,
    ),
    # --- JSON that is not a completion ---
    "json-array": ([raw("[1, 2, 3]")], False, "bad_envelope: body", True),
    "json-string": ([raw('"ok"')], False, "bad_envelope: body", True),
    "json-null": ([raw("null")], False, "bad_envelope: body", True),
    "json-number": ([raw("42")], False, "bad_envelope: body", True),
    "choices-missing": (
        [raw('{"id": "x", "object": "chat.completion"}')],
        False,
        "bad_envelope: choices",
        True,
    ),
    "choices-null": ([raw('{"choices": null}')], False, "bad_envelope: choices", True),
    "choices-a-string": ([raw('{"choices": "abc"}')], False, "bad_envelope: choices", True),
    "choices-an-object": ([raw('{"choices": {"0": {}}}')], False, "bad_envelope: choices", True),
    "choice-not-an-object": ([raw('{"choices": [5]}')], False, "bad_envelope: choices.0", True),
    "message-null": ([raw(whole(None))], False, "bad_envelope: choices.0.message", True),
    "message-missing": (
        [raw('{"choices": [{"finish_reason": "stop"}]}')],
        False,
        "bad_envelope: choices.0.message",
        True,
    ),
    "content-a-number": (
        [raw(whole({"content": 42}))],
        False,
        "bad_envelope: choices.0.message.content",
        True,
    ),
    "content-a-list": (
        [raw(whole({"content": ["a", "b"]}))],
        False,
        "bad_envelope: choices.0.message.content",
        True,
    ),
    "finish-reason-a-number": (
        [raw(whole({"content": FOLLOW_UP_JSON}, finish=7))],
        False,
        "bad_envelope: choices.0.finish_reason",
        True,
    ),
    "error-object-with-200": (
        [raw('{"error": {"message": "overloaded", "code": "overloaded_error"}}')],
        False,
        "error_body: overloaded_error",
        True,
    ),
    "error-object-no-code": ([raw('{"error": "something broke"}')], False, "error_body: no code", True),
    # --- odd but usable, or recovered by asking again ---
    "choices-empty": ([raw('{"choices": []}')], False, "invalid_json: the reply had no choices", False),
    "content-null": ([raw(whole({"content": None}))], False, "invalid_json", False),
    "huge-content": ([Reply(content="x" * 3_000_000)], False, "invalid_json", False),
    "usage-garbage": (USAGE_GARBAGE, False, None, False),
    "runs-to-max-tokens-three-times": ([Reply(runaway=3000)] * 3, False, "length", True),
    # --- 200 bodies that are not an event stream, to a streamed request ---
    "stream-html": ([raw(HTML, "text/html")], True, "not_sse_body: text/html", True),
    "stream-text-plain": ([raw("ok", "text/plain")], True, "not_sse_body: text/plain", True),
    "stream-json-completion": (
        [raw(whole({"content": FOLLOW_UP_JSON}))],
        True,
        "not_sse_body: application/json",
        True,
    ),
    "stream-empty": ([raw(b"", SSE)], True, "stream_cut", True),
    "stream-comments-only": ([raw(": keep-alive\n\n: keep-alive\n\n", SSE)], True, "stream_cut", True),
    # --- event streams with bad events ---
    "stream-garbage-event": (
        [raw(sse("not json at all"), SSE)],
        True,
        "bad_stream: event 1 is not JSON",
        True,
    ),
    "stream-garbage-after-good": (
        [raw(sse(chunk({"content": "{"}), "}{"), SSE)],
        True,
        "bad_stream: event 2 is not JSON",
        True,
    ),
    "stream-invalid-utf8": ([raw(b"data: \xff\xfe{\n\n", SSE)], True, "bad_stream", True),
    "stream-nested-too-deep": ([raw(sse("[" * 100_000), SSE)], True, "bad_stream", True),
    "stream-array-event": ([raw(sse("[1, 2]"), SSE)], True, "bad_stream: event 1: bad_envelope: body", True),
    "stream-null-event": ([raw(sse("null"), SSE)], True, "bad_stream: event 1: bad_envelope: body", True),
    "stream-choices-null": (
        [raw(sse('{"choices": null}'), SSE)],
        True,
        "bad_stream: event 1: bad_envelope: choices",
        True,
    ),
    "stream-content-a-number": (
        [raw(sse(chunk({"content": 5})), SSE)],
        True,
        "bad_stream: event 1: bad_envelope",
        True,
    ),
    "stream-error-event": (
        [raw(sse('{"error": {"message": "boom"}}'), SSE)],
        True,
        "stream_cut: error_event",
        True,
    ),
    "stream-without-finish": ([raw(sse(chunk({"content": FOLLOW_UP_JSON})), SSE)], True, "stream_cut", True),
    # --- streams that do not end properly ---
    "stream-never-sends-done-then-closes": (NO_DONE, True, None, False),
    "stream-never-sends-done-stays-open": ([Reply(no_done=True)], True, None, False),
    "stream-no-done-no-usage-stays-open": (
        [Reply(no_done=True, no_usage=True)],
        True,
        "stream_unended: timeout",
        False,
    ),
    # --- servers that do not answer ---
    "never-answers": ([Reply(hang=True)], False, "timeout", True),
    "stream-never-answers": ([Reply(hang=True)], True, "timeout", True),
    "json-schema-500-then-never-answers": ([Reply(status=500), Reply(hang=True)], False, "timeout", True),
}
CORPUS = [pytest.param(case, step, id=f"{case}-{step}") for case in CASES for step in ("follow_up", "grade")]


@pytest.mark.parametrize(("case", "step"), CORPUS)
def test_hostile_reply(server: FakeOpenAI, question: Question, tmp_path: Path, case: str, step: str) -> None:
    replies, stream, fault, fallback = CASES[case]
    server.then(*(replies[step] if isinstance(replies, dict) else replies))
    value, call = run_step(backend(server.base_url, tmp_path / "modes.json", stream=stream), question, step)
    assert isinstance(value, FollowUpDecision if step == "follow_up" else Feedback)
    assert call.fallback is fallback, call
    if fault is None:
        assert call.faults == []
    else:
        assert any(f.startswith(fault) for f in call.faults), call.faults
    if case == "usage-garbage":
        assert call.prompt_tokens is None and call.completion_tokens is None  # unknown, not 0
    if case == "json-schema-500-then-never-answers":
        assert call.faults == ["json_schema refused (HTTP 500)", "timeout"]
    # Every request carried its output bound, re-asks included.
    assert all(r.bound is not None for r in server.chat_requests())


# --- the start-up check: the model list --------------------------------------------------------------

MODEL_LISTS: dict[str, tuple[Reply, str]] = {
    "models-html": (raw(HTML, "text/html"), "not_json_body: text/html"),
    "models-text-plain": (raw("It works!", "text/plain"), "not_json_body: text/plain"),
    "models-empty": (raw(b""), "not_json_body: application/json, empty body"),
    "models-invalid-utf8": (raw(b"\xff\xfe{"), "not_json_body"),
    "models-json-array": (raw('[{"id": "fake-model"}]'), "bad_envelope: body"),
    "models-data-null": (raw('{"object": "list", "data": null}'), "bad_envelope: data"),
    "models-data-missing": (raw('{"object": "list"}'), "bad_envelope: data"),
    "models-never-answers": (Reply(hang=True), "timeout"),
}


@pytest.mark.parametrize("case", MODEL_LISTS)
def test_hostile_model_list_at_start_up(server: FakeOpenAI, case: str) -> None:
    server.models_reply, fault = MODEL_LISTS[case]
    be = backend(server.base_url)

    async def go() -> str | None:
        try:
            return await be.check()
        finally:
            await be.close()

    notice = asyncio.run(go())
    assert notice is not None and notice.startswith(f"cannot use {server.base_url}/ ({fault}"), notice
    assert notice.endswith("; continuing with the offline backend")


# --- output bounds ----------------------------------------------------------------------------------


def test_every_request_carries_the_bound_of_its_step(server: FakeOpenAI, question: Question) -> None:
    server.then(Reply(content="not json"))  # the follow-up is asked again: the re-ask is bounded too
    run_step(backend(server.base_url), question, "follow_up")
    run_step(backend(server.base_url, max_tokens={"follow_up": 64, "grade": 256}), question, "grade")
    assert server.bounds_seen() == [400, 400, 256]
    assert all(
        "max_tokens" in r.body and "max_completion_tokens" not in r.body for r in server.chat_requests()
    )


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
def test_a_model_that_does_not_stop_is_cut_at_the_bound(
    server: FakeOpenAI, question: Question, stream: bool
) -> None:
    # 3000 tokens at 1 ms each: 3 s per request without a bound, 64 ms with the bound of 64.
    server.then(*[Reply(runaway=3000, chunk_delay=0.001)] * 3)
    _, call = run_step(
        backend(server.base_url, stream=stream, timeout_s=10, max_tokens={"follow_up": 64}),
        question,
        "follow_up",
    )
    assert server.bounds_seen() == [64, 64, 64]
    assert (
        call.fallback
        and call.faults == ["length: the reply was cut off at the length limit; answer more briefly"] * 3
    )
    assert call.completion_tokens == 3 * 64 and call.latency_s < 2.0


def test_a_server_that_refuses_max_tokens_gets_max_completion_tokens(
    server: FakeOpenAI, question: Question, tmp_path: Path
) -> None:
    server.unsupported = {"max_tokens"}  # as OpenAI's reasoning models answer
    memory = tmp_path / "modes.json"
    _, call = run_step(backend(server.base_url, memory), question, "follow_up")
    assert not call.faults and not call.fallback
    first, second = server.chat_requests()
    assert first.body["max_tokens"] == 400 and second.body["max_completion_tokens"] == 400
    assert "max_tokens" not in second.body
    # Remembered: the next run sends the name the server takes from the first request on.
    _, call = run_step(backend(server.base_url, memory), question, "grade")
    assert not call.faults and len(server.chat_requests()) == 3
    assert server.chat_requests()[2].body["max_completion_tokens"] == 1500
    assert (
        json.loads(memory.read_text())[f"{server.base_url}/|fake-model"]["bound"] == "max_completion_tokens"
    )


def test_a_server_that_refuses_the_remembered_name_gets_the_other(
    server: FakeOpenAI, question: Question, tmp_path: Path
) -> None:
    memory = tmp_path / "modes.json"
    ModeMemory(memory).remember_bound(f"{server.base_url}/", "fake-model", "max_completion_tokens")
    server.unsupported = {"max_completion_tokens"}
    _, call = run_step(backend(server.base_url, memory), question, "grade")
    assert not call.faults and [r.bound for r in server.chat_requests()] == [1500, 1500]
    assert "max_tokens" in server.chat_requests()[1].body
    assert ModeMemory(memory).bound(f"{server.base_url}/", "fake-model") == "max_tokens"


def test_a_bound_too_large_for_the_model_is_not_taken_for_an_unknown_name(
    server: FakeOpenAI, question: Question
) -> None:
    too_large = "'max_tokens' is too large: 1500. This model's maximum context length is 2048 tokens"
    server.then(Reply(status=400, error=too_large))
    _, call = run_step(backend(server.base_url), question, "grade")
    assert call.fallback and call.faults == ["http_400"] and len(server.chat_requests()) == 1


# --- one endpoint, one gate -------------------------------------------------------------------------


def slow_grade() -> Reply:
    return Reply(chunk_delay=0.01)  # about 50 chunks: half a second


def test_a_single_slot_server_never_cuts_a_grade_off_for_the_next_follow_up(question: Question) -> None:
    with FakeOpenAI(single_slot=True) as fake:
        fake.then(slow_grade(), Reply())
        # Two backends, as a resumed session and its background grading may be: the limit is per endpoint.
        grader, interviewer = backend(fake.base_url, stream=True), backend(fake.base_url, stream=True)

        async def go() -> tuple[CallRecord, CallRecord]:
            grading = asyncio.create_task(
                grader.grade(GradeRequest(question=question, turns=thread(question), lang="en"))
            )
            await asyncio.sleep(0.1)  # the grade is streaming when the candidate's next answer goes out
            request = FollowUpRequest(question=question, turns=thread(question), lang="en", remaining=1)
            follow = await interviewer.follow_up(request)
            graded = await grading
            await grader.close()
            await interviewer.close()
            return graded.calls[0], follow.calls[0]

        grade, follow = asyncio.run(go())
        assert fake.interrupted == [] and fake.most_at_once == 1
    assert not grade.faults and not grade.fallback and not follow.faults and not follow.fallback


def test_a_waiting_follow_up_goes_before_waiting_grades(question: Question) -> None:
    with FakeOpenAI(single_slot=True) as fake:
        fake.then(slow_grade())
        be = backend(fake.base_url, stream=True)
        grade = GradeRequest(question=question, turns=thread(question), lang="en")

        async def go() -> None:
            first = asyncio.create_task(be.grade(grade))
            await asyncio.sleep(0.1)
            waiting = [asyncio.create_task(be.grade(grade)) for _ in range(2)]
            await asyncio.sleep(0.05)
            request = FollowUpRequest(question=question, turns=thread(question), lang="en", remaining=1)
            follow = await be.follow_up(request)
            assert not follow.calls[0].faults
            for task in (first, *waiting):
                assert not (await task).calls[0].faults
            await be.close()

        asyncio.run(go())
        assert [r.step for r in fake.chat_requests()] == ["grade", "follow_up", "grade", "grade"]
        assert fake.interrupted == [] and fake.most_at_once == 1


def test_the_concurrency_setting_sizes_the_gate(question: Question) -> None:
    with FakeOpenAI() as fake:
        fake.then(*[slow_grade()] * 4)
        be = backend(fake.base_url, stream=True, concurrency=2)
        grade = GradeRequest(question=question, turns=thread(question), lang="en")

        async def go() -> None:
            await asyncio.gather(*(be.grade(grade) for _ in range(4)))
            await be.close()

        asyncio.run(go())
        assert fake.most_at_once == 2 and len(fake.chat_requests()) == 4


HOSTS = {
    "http://127.0.0.1:8080/v1": 1,
    "http://localhost:11434/v1": 1,
    "http://[::1]:8000/v1": 1,
    "http://192.168.1.20:8080/v1": 1,
    "http://10.0.0.7/v1": 1,
    "http://172.16.4.2/v1": 1,
    "http://169.254.10.1/v1": 1,
    "http://[fd00::5]/v1": 1,
    "http://gpu-box:8080/v1": 1,
    "http://studio.local:1234/v1": 1,
    "http://user:pw@127.0.0.1/v1": 1,
    "https://api.openai.com/v1": 4,
    "https://openrouter.ai/api/v1": 4,
    "http://8.8.8.8/v1": 4,
    "http://[2001:4860::8888]/v1": 4,
    "http://[::1/v1": 4,  # not a URL: no host to call local
}


@pytest.mark.parametrize(("url", "size"), HOSTS.items(), ids=list(HOSTS))
def test_the_default_limit_is_one_for_servers_on_this_machine_or_network(url: str, size: int) -> None:
    assert default_size(url) == size and is_local(url) is (size == 1)


def test_the_gate_is_shared_by_endpoint_and_keyed_without_credentials() -> None:
    a = gate_for("http://u:one@10.1.2.3:9/v1", None)
    assert gate_for("http://u:two@10.1.2.3:9/v1", None) is a and a.size == 1
    assert gate_for("http://10.1.2.3:9/other?key=x", 3) is a and a.size == 3
    assert gate_for("http://10.1.2.4:9/v1", None) is not a


def test_a_caller_that_gives_up_while_waiting_leaves_no_slot_taken() -> None:
    async def go() -> None:
        gate = Gate(1)
        async with gate.slot(1):
            waiter = asyncio.create_task(_enter(gate))
            await asyncio.sleep(0)
            waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert gate.busy == 0
        # Granted and cancelled in the same turn of the loop: the slot passes on.
        async with gate.slot(1):
            first, second = asyncio.create_task(_enter(gate)), asyncio.create_task(_enter(gate, 0.01))
            await asyncio.sleep(0)
        first.cancel()
        assert await second == "in" and gate.busy == 0

    asyncio.run(go())


async def _enter(gate: Gate, hold: float = 0.0) -> str:
    async with gate.slot(0):
        await asyncio.sleep(hold)
    return "in"


# --- output modes: what failed is remembered ----------------------------------------------------------


def test_a_500_on_json_schema_then_timeouts_is_remembered(
    server: FakeOpenAI, question: Question, tmp_path: Path
) -> None:
    memory = tmp_path / "modes.json"
    server.then(Reply(status=500), Reply(hang=True))
    be = backend(server.base_url, memory)
    request = FollowUpRequest(question=question, turns=thread(question), lang="en", remaining=1)

    async def go() -> list[CallRecord]:
        calls = [(await be.follow_up(request)).calls[0], (await be.follow_up(request)).calls[0]]
        await be.close()
        return calls

    first, second = asyncio.run(go())
    assert first.fallback and first.faults == ["json_schema refused (HTTP 500)", "timeout"]
    assert not second.faults and second.mode == "json_object"
    modes = [r.body.get("response_format", {}).get("type") for r in server.chat_requests()]
    assert modes == ["json_schema", "json_object", "json_object"]
    # The next run starts where this one ended.
    _, call = run_step(backend(server.base_url, memory), question, "grade")
    assert (
        call.mode == "json_object"
        and server.chat_requests()[-1].body["response_format"]["type"] == "json_object"
    )


def test_the_notice_names_each_cause(server: FakeOpenAI, question: Question, tmp_path: Path) -> None:
    server.then(Reply(status=500), Reply(hang=True))
    be = backend(server.base_url, tmp_path / "modes.json")
    plan = Plan(track="backend", questions=1, follow_ups=1, lang="en", seed=1)
    bank = Bank({question.id: question})
    engine = Engine(new_transcript(plan, bank, be, session_id="hostile"), be, Store(tmp_path / "data"))

    async def go() -> list[Event]:
        events = [e async for e in engine.start()]
        events += [e async for e in engine.submit(Answer(text=ANSWER))]
        await be.close()
        return events

    notices = [e.text for e in asyncio.run(go()) if isinstance(e, Notice)]
    assert any("json_schema refused (HTTP 500), timeout" in n for n in notices), notices


# --- the memory file is untrusted input -------------------------------------------------------------

REFUSED = Reply(status=400, error="response_format json_schema is not supported by this server")


def _entries(n: int) -> bytes:
    return json.dumps({f"http://h{i}/v1|m": {"mode": "prompt"} for i in range(n)}).encode()


MEMORY_FILES: dict[str, bytes | str] = {
    "not-json": b"{not json",
    "empty": b"",
    "json-list": b'[["http://x/v1|m", "prompt"]]',
    "json-string": b'"json_object"',
    "json-null": b"null",
    "values-of-wrong-types": b'{"a|m": 5, "b|m": {"mode": 7, "bound": []}, "c|m": null}',
    "unknown-mode-and-bound": b'{"a|m": {"mode": "yolo", "bound": "max_length"}}',
    "invalid-utf8": b'{"a|m": "\xff\xfe"}',
    "binary-garbage": bytes(range(256)) * 8,
    "nested-too-deep": b"[" * 500_000,
    "over-the-size-limit": _entries(30_000),  # about 1.2 MB
    "many-entries": _entries(5_000),
    "fifo": "fifo",
    "folder": "folder",
    "symlink-to-a-device": "/dev/zero",
    "dangling-symlink": "/nonexistent/modes.json",
}


@pytest.mark.parametrize("case", MEMORY_FILES)
def test_a_damaged_memory_file_only_costs_a_re_probe(
    server: FakeOpenAI, question: Question, tmp_path: Path, case: str
) -> None:
    path = tmp_path / "cache" / "output-modes.json"
    path.parent.mkdir()
    content = MEMORY_FILES[case]
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "fifo":
        os.mkfifo(path)
    elif content == "folder":
        path.mkdir()
    else:
        path.symlink_to(content)
    server.then(REFUSED)
    _, call = run_step(backend(server.base_url, path), question, "follow_up")
    assert (
        call.faults == ["json_schema refused (HTTP 400)"] and call.mode == "json_object" and not call.fallback
    )
    if case in ("fifo", "folder", "symlink-to-a-device"):
        # Left as it is and not read: remembering is only an optimisation.
        assert path.is_fifo() or path.is_dir() or path.is_char_device()
        return
    learned = json.loads(path.read_text())
    assert learned[f"{server.base_url}/|fake-model"] == {"mode": "json_object"}
    assert len(learned) <= MEMORY_ENTRIES


def test_a_memory_file_in_the_earlier_format_is_honoured(
    server: FakeOpenAI, question: Question, tmp_path: Path
) -> None:
    path = tmp_path / "modes.json"
    path.write_text(json.dumps({f"{server.base_url}/|fake-model": "json_object", "other|m": "bogus"}))
    _, call = run_step(backend(server.base_url, path), question, "grade")
    assert call.mode == "json_object" and not call.faults
    assert server.chat_requests()[0].body["response_format"] == {"type": "json_object"}


# --- credentials in the base URL --------------------------------------------------------------------

PASSWORD, KEY = "pw-hostile-5150", "key-hostile-8086"


def test_credentials_in_the_base_url_reach_no_notice_fault_or_memory_file(
    server: FakeOpenAI, question: Question, tmp_path: Path
) -> None:
    url = server.base_url.replace("http://", f"http://user:{PASSWORD}@") + f"?api-key={KEY}"
    memory = tmp_path / "modes.json"
    server.models_reply = raw(HTML, "text/html")
    server.unsupported = {"max_tokens"}
    server.then(
        REFUSED, raw(HTML, "text/html"), Reply(status=500, error=f"upstream {url} failed"), Reply(status=503)
    )
    texts: list[str] = []

    async def go() -> None:
        be = backend(url, memory)
        texts.append(await be.check() or "")
        texts.append(be.base_url)
        request = FollowUpRequest(question=question, turns=thread(question), lang="en", remaining=1)
        for _ in range(3):
            texts.append((await be.follow_up(request)).calls[0].model_dump_json())
        await be.close()

    asyncio.run(go())
    texts.append(memory.read_text())
    joined = "\n".join(texts)
    assert "cannot use http://***@127.0.0.1:" in texts[0] and "?api-key=***" in texts[0]
    assert "not_json_body" in joined and "json_object refused (HTTP 500)" in joined and "http_503" in joined
    assert json.loads(texts[-1]) == {
        f"{redact_url(url).removesuffix('?api-key=***')}/?api-key=***|fake-model": {
            "mode": "prompt",
            "bound": "max_completion_tokens",
        }
    }
    assert PASSWORD not in joined and KEY not in joined
