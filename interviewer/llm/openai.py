"""The OpenAI-compatible backend: Chat Completions through the official SDK, any base URL.

Every reply is validated locally (schema and semantic checks); a bad reply is re-asked with the errors,
and when a step still fails the offline backend stands in for it, so the interview never stops.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError

from .. import prompts
from ..domain import CallRecord, Feedback, FollowUpDecision, Lang, Question, Turn
from ..grading.assess import wrong_claims
from ..redact import redact_url
from ..settings import Settings
from . import offline
from .base import BackendAuthError, FollowUpRequest, GradeRequest, Outcome, TextSink
from .gate import BACKGROUND, URGENT, gate_for
from .structured import (
    BOUND_PARAMS,
    MODES,
    BoundParam,
    FollowUpOut,
    GradeOut,
    Mode,
    ModeMemory,
    TextField,
    extract_json,
    strict_schema,
)
from .wire import BadEnvelope, Chunk, Completion, Usage, body_kind, read_completion, shaped

R = TypeVar("R")
_LANGUAGE = {"ko": "Korean (한국어)", "en": "English"}
_ANSWER_OPEN, _ANSWER_CLOSE = "<candidate_answer>", "</candidate_answer>"


class StepFailed(Exception):
    def __init__(self, record: CallRecord) -> None:
        super().__init__(", ".join(record.faults))
        self.record = record


class _FormatRejected(Exception):
    """The server refused the response_format of the current mode (or failed on it: some answer 500)."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status


class _BadReply(Exception):
    """A reply that can be re-asked: cut off, not JSON, or failing validation."""

    def __init__(self, fault: str, problem: str) -> None:
        super().__init__(problem)
        self.fault = fault
        self.problem = problem


def transport_fault(exc: Exception) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "auth"
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    if isinstance(exc, openai.APIError):
        return "error_event"  # an error object inside a 200 stream
    return type(exc).__name__


class OpenAIBackend:
    provider = "openai"

    def __init__(
        self,
        settings: Settings,
        session_id: str,
        memory: ModeMemory | None = None,
        client: AsyncOpenAI | None = None,
    ) -> None:
        self.settings = settings
        self.model: str | None = settings.resolved_model()
        self.session_id = session_id
        self.memory = memory or ModeMemory(None)
        self.client = client or AsyncOpenAI(
            # Local servers (Ollama, llama.cpp, vLLM) accept any key; the SDK insists on one.
            api_key=settings.api_key.get_secret_value() if settings.api_key else "not-needed",
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
        )
        self.prompt_hashes = prompts.hashes()
        self._session_mode: Mode | None = None  # where this session starts after a step-down
        self._bound: BoundParam | None = None  # the output-bound name this session settled on
        self.gate = gate_for(str(self.client.base_url), settings.concurrency)

    @property
    def base_url(self) -> str:
        """The endpoint as it may be shown and stored: credentials in it are hidden."""
        return redact_url(str(self.client.base_url))

    async def close(self) -> None:
        await self.client.close()

    async def check(self) -> str | None:
        client = self.client.with_options(max_retries=0, timeout=min(10.0, self.settings.timeout_s))
        try:
            listing = await client.models.with_raw_response.list()
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise BackendAuthError(
                f"{self.base_url} rejected the API key (HTTP {exc.status_code}): "
                "set OPENAI_API_KEY to a valid key"
            ) from None
        except openai.NotFoundError:
            return None  # some compatible servers have no model list; the first call will tell
        except openai.APIError as exc:
            return self._unusable(transport_fault(exc))
        try:
            shaped(_ModelList, json.loads(listing.content))
        except ValueError:
            return self._unusable(
                f"not_json_body: {body_kind(listing.headers.get('content-type'), len(listing.content))}"
            )
        except BadEnvelope as bad:
            return self._unusable(bad.fault)
        return None

    def _unusable(self, fault: str) -> str:
        return f"cannot use {self.base_url} ({fault}); continuing with the offline backend"

    # --- the two domain calls ------------------------------------------------------------

    async def follow_up(
        self, request: FollowUpRequest, on_text: TextSink | None = None
    ) -> Outcome[FollowUpDecision]:
        q, lang = request.question, request.lang
        messages = self.messages("follow_up", q, request.turns, lang, remaining=request.remaining)
        context = {"question": q, "asked": request.asked(), "lang": lang}

        def validate(data: Any) -> FollowUpDecision:
            out = FollowUpOut.model_validate(data)
            return FollowUpDecision.model_validate(out.model_dump(), context=context)

        call = self._structured("follow_up", messages, FollowUpOut, validate, on_text)
        return await _or_offline(call, lambda: offline.decide_follow_up(request))

    async def grade(self, request: GradeRequest) -> Outcome[Feedback]:
        q, lang = request.question, request.lang
        answer = request.answer_text()
        messages = self.messages("grade", q, request.turns, lang)
        weights = {c.id: c.weight for c in q.rubric}
        sentences = offline.answer_sentences(request.turns)
        notes = offline.code_notes(request.turns, sentences, lang)
        wrong = wrong_claims(q, sentences, lang)

        def validate(data: Any) -> Feedback:
            out = GradeOut.model_validate(data)
            criteria = [{**c.model_dump(), "weight": weights.get(c.criterion_id, 1)} for c in out.criteria]
            payload = {**out.model_dump(), "criteria": criteria, "notes": notes}
            context = {"question": q, "answer": answer, "lang": lang, "wrong_claims": wrong}
            return Feedback.model_validate(payload, context=context)

        call = self._structured("grade", messages, GradeOut, validate, None)
        return await _or_offline(call, lambda: offline.grade(request))

    # --- prompts ---------------------------------------------------------------------------

    def messages(
        self, task: str, q: Question, turns: list[Turn], lang: Lang, remaining: int = 0
    ) -> list[dict[str, str]]:
        """Stable part first (persona, task, question, rubric), this question's thread last."""
        language = _LANGUAGE[lang]
        system = prompts.load("interviewer").render(language=language)
        system += "\n\n" + prompts.load(task).render(language=language, remaining=remaining)
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": question_block(q, lang, with_model_answer=task == "grade")},
            {"role": "user", "content": thread_block(turns)},
        ]

    # --- structured calls ------------------------------------------------------------------

    async def structured(
        self,
        messages: list[dict[str, str]],
        shape: type[BaseModel],
        validate: Callable[[Any], R],
        limit: int,
    ) -> tuple[R, CallRecord]:
        """A structured call that is not an interview turn (questions written from a profile): the same
        output modes, re-asks, gate and reply checks, with its own output bound. Raises StepFailed.

        It goes through the gate as background work, as grading does, and its record says "grade": a call
        record knows only the interview's two steps."""
        return await self._structured("grade", messages, shape, validate, None, limit)

    def _first_mode(self) -> Mode:
        if self.settings.output_mode != "auto":
            return self.settings.output_mode
        assert self.model is not None
        return self._session_mode or self.memory.get(self.base_url, self.model) or "json_schema"

    async def _structured(
        self,
        step: str,
        messages: list[dict[str, str]],
        shape: type[BaseModel],
        validate: Callable[[Any], R],
        on_text: TextSink | None,
        limit: int | None = None,
    ) -> tuple[R, CallRecord]:
        record = CallRecord.model_validate({"step": step, "provider": self.provider, "model": self.model})
        mode = self._first_mode()
        started = time.monotonic()
        conversation = list(messages)
        try:
            while True:
                record.attempts += 1
                record.mode = mode
                try:
                    raw = await self._complete(conversation, mode, shape, on_text, record, limit)
                    value = self._parse(raw, mode, validate)
                except _FormatRejected as rejected:
                    record.faults.append(f"{mode} refused (HTTP {rejected.status})")
                    lower = MODES[MODES.index(mode) + 1 :]
                    if self.settings.output_mode != "auto" or not lower:
                        raise StepFailed(record) from None
                    record.attempts -= 1  # a refused format is not a failed answer
                    mode = lower[0]
                    # Remembered before the lower mode is tried: if it fails too (a timeout, say), the next
                    # call still does not begin with requests the server refuses.
                    assert self.model is not None
                    self._session_mode = mode
                    self.memory.remember(self.base_url, self.model, mode)
                    continue
                except _BadReply as bad:
                    record.faults.append(f"{bad.fault}: {bad.problem[:300]}")
                    if record.attempts > self.settings.reasks:
                        raise StepFailed(record) from None
                    conversation += [
                        {"role": "assistant", "content": record.raw or ""},
                        {"role": "user", "content": reask_message(bad.problem)},
                    ]
                    continue
                return value, record
        finally:
            record.latency_s = round(time.monotonic() - started, 3)

    def _parse(self, raw: str, mode: Mode, validate: Callable[[Any], R]) -> R:
        try:
            data = json.loads(raw) if mode == "json_schema" else extract_json(raw)
        except ValueError as exc:
            raise _BadReply("invalid_json", f"the reply is not a JSON object ({exc})") from None
        try:
            return validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors(include_url=False)
            )
            kind = "semantic" if any(e["type"] == "value_error" for e in exc.errors()) else "schema"
            raise _BadReply(kind, problems) from None

    async def _complete(
        self,
        messages: list[dict[str, str]],
        mode: Mode,
        shape: type[BaseModel],
        on_text: TextSink | None,
        record: CallRecord,
        limit: int | None = None,
    ) -> str:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "prompt_cache_key": self.session_id,
        }
        if mode == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": shape.__name__, "schema": strict_schema(shape), "strict": True},
            }
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        else:
            schema = json.dumps(strict_schema(shape), ensure_ascii=False)
            described = dict(messages[0])
            described["content"] += f"\n\nThe JSON object must follow this JSON Schema:\n{schema}"
            kwargs["messages"] = [described, *messages[1:]]
        if limit is None:  # an interview step: its bound is a setting
            limit = getattr(self.settings.max_tokens, record.step)
        priority = URGENT if record.step == "follow_up" else BACKGROUND
        switched = False
        while True:
            bound = self._bound_param()
            try:
                async with self.gate.slot(priority):
                    if not self.settings.streams():
                        text = await self._whole({**kwargs, bound: limit}, record)
                    else:
                        text = await self._stream({**kwargs, bound: limit}, on_text, record)
            except openai.BadRequestError as exc:
                if not switched and _refuses(exc, bound):
                    # Not a fault of the reply: the server takes the bound under the other name.
                    self._bound = next(p for p in BOUND_PARAMS if p != bound)
                    switched = True
                    continue
                self._status_fault(exc, mode, record)
            except (openai.UnprocessableEntityError, openai.InternalServerError) as exc:
                self._status_fault(exc, mode, record)
            except openai.APIError as exc:
                record.faults.append(transport_fault(exc))
                raise StepFailed(record) from None
            if self._bound is not None:  # the other name worked: later runs start with it
                assert self.model is not None
                self.memory.remember_bound(self.base_url, self.model, self._bound)
            return text

    def _bound_param(self) -> BoundParam:
        assert self.model is not None
        return self._bound or self.memory.bound(self.base_url, self.model) or BOUND_PARAMS[0]

    @staticmethod
    def _status_fault(exc: openai.APIStatusError, mode: Mode, record: CallRecord) -> NoReturn:
        if mode != "prompt" and record.attempts == 1 and _about_format(exc):
            raise _FormatRejected(exc.status_code) from None
        record.faults.append(transport_fault(exc))
        raise StepFailed(record) from None

    async def _whole(self, kwargs: dict[str, Any], record: CallRecord) -> str:
        raw = await self.client.chat.completions.with_raw_response.create(**kwargs)
        try:
            completion = read_completion(raw.content, raw.headers.get("content-type"))
        except BadEnvelope as bad:
            record.faults.append(bad.fault)
            raise StepFailed(record) from None
        return self._read(completion, record)

    def _read(self, completion: Completion, record: CallRecord) -> str:
        _add_usage(record, completion.usage)
        choice = completion.choices[0] if completion.choices else None
        if choice is None:
            raise _BadReply("invalid_json", "the reply had no choices")
        message = choice.message
        if message.refusal or choice.finish_reason == "content_filter":
            record.faults.append("refusal")
            raise StepFailed(record)
        record.raw = message.content or ""
        if choice.finish_reason == "length":
            raise _BadReply("length", "the reply was cut off at the length limit; answer more briefly")
        return record.raw

    async def _stream(self, kwargs: dict[str, Any], on_text: TextSink | None, record: CallRecord) -> str:
        """Read a streamed reply; with `on_text`, pass on the question text as it arrives.

        Streaming without a sink still pays: each chunk resets the read timeout, so a slow local model or
        a proxy that drops idle connections keeps the call alive. Usage comes in the last chunk.

        Every event is checked here (the SDK would hand over whatever JSON came): a body that is not an
        event stream, an event that is not JSON or not a chunk, is a fault that names it.
        """
        raw = await self.client.chat.completions.with_raw_response.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        content_type = raw.headers.get("content-type")
        stream = openai.AsyncStream(cast_to=object, response=raw.http_response, client=self.client)
        parts: list[str] = []
        finish: str | None = None
        refusal = False
        events = 0
        field = TextField()
        try:
            async with stream:
                async for data in stream:
                    events += 1
                    chunk = shaped(Chunk, data)
                    _add_usage(record, chunk.usage)
                    for choice in chunk.choices:
                        delta = choice.delta
                        if delta.refusal:
                            refusal = True
                        if delta.content:
                            parts.append(delta.content)
                            if on_text and (shown := field.feed(delta.content)):
                                await on_text(shown)
                        finish = choice.finish_reason or finish
                    if finish is not None and chunk.usage is not None:
                        break  # nothing follows the usage but [DONE], which some servers never send
        except openai.APIError as exc:
            record.raw = "".join(parts)
            if finish is None:
                record.faults.append(f"stream_cut: {transport_fault(exc)}")
                raise StepFailed(record) from None
            # The reply was complete; the server only failed to end the stream.
            record.faults.append(f"stream_unended: {transport_fault(exc)}")
        except BadEnvelope as bad:
            record.raw = "".join(parts)
            record.faults.append(f"bad_stream: event {events}: {bad.fault}")
            raise StepFailed(record) from None
        except (ValueError, RecursionError):  # an event whose data is not JSON (or not UTF-8)
            record.raw = "".join(parts)
            record.faults.append(f"bad_stream: event {events + 1} is not JSON")
            raise StepFailed(record) from None
        record.raw = "".join(parts)
        if refusal or finish == "content_filter":
            record.faults.append("refusal")
            raise StepFailed(record)
        if events == 0 and "event-stream" not in (content_type or ""):
            length = raw.headers.get("content-length")
            size = int(length) if length and length.isdigit() else None
            record.faults.append(f"not_sse_body: {body_kind(content_type, size)}")
            raise StepFailed(record)
        if finish is None:
            record.faults.append("stream_cut")
            raise StepFailed(record)
        if finish == "length":
            raise _BadReply("length", "the reply was cut off at the length limit; answer more briefly")
        return record.raw


async def _or_offline(call: Awaitable[tuple[R, CallRecord]], fallback: Callable[[], R]) -> Outcome[R]:
    """The model's answer, or the offline backend's when the step failed; the call is recorded either way."""
    try:
        value, record = await call
    except StepFailed as failed:
        failed.record.fallback = True
        return Outcome(value=fallback(), calls=[failed.record])
    return Outcome(value=value, calls=[record])


class _ModelList(BaseModel):
    data: list[Any]


def _about_format(exc: openai.APIStatusError) -> bool:
    """Some servers answer 400, 422 or even 500 when they do not support a response format. A 502, 503 or
    504 is a gateway or an overloaded server, and says nothing about formats."""
    if exc.status_code >= 500:
        return exc.status_code in (500, 501)
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object", "schema", "format"))


_UNKNOWN_PARAM = ("unsupported", "not supported", "unknown", "unrecognized", "not permitted", "extra")


def _refuses(exc: openai.APIStatusError, param: str) -> bool:
    """A 400 saying the server does not take `param` (not one saying its value is too large)."""
    text = str(exc).lower()
    named = exc.param == param or param in text
    return named and any(word in text for word in _UNKNOWN_PARAM)


def _add_usage(record: CallRecord, usage: Usage | None) -> None:
    if usage is None:
        return
    record.prompt_tokens = (record.prompt_tokens or 0) + (usage.prompt_tokens or 0)
    record.completion_tokens = (record.completion_tokens or 0) + (usage.completion_tokens or 0)
    details = usage.prompt_tokens_details
    if details is not None and details.cached_tokens is not None:
        record.cached_tokens = (record.cached_tokens or 0) + details.cached_tokens


def reask_message(problem: str) -> str:
    return (
        f"Your reply could not be used: {problem}. "
        "Reply again with one corrected JSON object only, following the instructions above."
    )


def question_block(q: Question, lang: Lang, with_model_answer: bool) -> str:
    lines = [f"Question {q.id} ({q.category}, difficulty {q.difficulty}/5):", q.text(lang), "", "Rubric:"]
    for c in q.rubric:
        lines.append(f"- {c.id} (weight {c.weight}%): {c.name(lang)}; key points: {', '.join(c.key_points)}")
        lines += [f"    {score}: {c.anchors[score](lang)}" for score in (1, 3, 5)]
    lines += ["", "Key points a strong answer covers, most important first:"]
    lines += [f"- {k.id}: {k.text(lang)}" for k in q.key_points]
    wrong = [(k, m) for k in q.key_points for m in k.misconceptions]
    if wrong:
        lines += [
            "",
            "Wrong beliefs candidates often state (a sentence asserting one earns no credit for its key "
            "point, caps that criterion at 2, and is the first thing to challenge):",
        ]
        lines += [f'- {k.id}: "{m.claim(lang)}" In fact, {m.correction(lang)}' for k, m in wrong]
    if with_model_answer:
        lines += ["", "A model answer, for your reference only:", q.model_answer(lang).strip()]
    return "\n".join(lines)


def thread_block(turns: list[Turn]) -> str:
    lines = ["The conversation on this question so far:"]
    for t in turns:
        if t.role == "interviewer":
            lines.append(f"Interviewer ({t.kind}): {t.text}")
        elif t.kind == "answer":
            # The candidate cannot close the data block early: the closing tag is neutralised.
            text = t.text.replace(_ANSWER_CLOSE, "[/candidate_answer]") or "(no answer)"
            lines.append(f"Candidate:\n{_ANSWER_OPEN}\n{text}\n{_ANSWER_CLOSE}")
        else:
            lines.append(f"Candidate: ({'skipped' if t.kind == 'skip' else 'said they do not know'})")
    return "\n".join(lines)
