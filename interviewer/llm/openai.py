"""The OpenAI-compatible backend: Chat Completions through the official SDK, any base URL.

Every reply is validated locally (schema and semantic checks); a bad reply is re-asked with the errors,
and when a step still fails the offline backend stands in for it, so the interview never stops.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError

from .. import prompts
from ..domain import CallRecord, Feedback, FollowUpDecision, Lang, Question, Turn
from ..grading.assess import wrong_claims
from ..settings import Settings
from . import offline
from .base import BackendAuthError, FollowUpRequest, GradeRequest, Outcome, TextSink
from .structured import MODES, FollowUpOut, GradeOut, Mode, ModeMemory, TextField, extract_json, strict_schema

R = TypeVar("R")
_LANGUAGE = {"ko": "Korean (한국어)", "en": "English"}
_ANSWER_OPEN, _ANSWER_CLOSE = "<candidate_answer>", "</candidate_answer>"


class StepFailed(Exception):
    def __init__(self, record: CallRecord) -> None:
        super().__init__(", ".join(record.faults))
        self.record = record


class _FormatRejected(Exception):
    """The server refused the response_format of the current mode (or failed on it: some answer 500)."""

    def __init__(self, certain: bool) -> None:
        super().__init__()
        self.certain = certain  # a 400/422 naming the format, not a 5xx that may be a passing fault


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
        return "server_error" if exc.status_code >= 500 else f"http_{exc.status_code}"
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
        self._session_mode: Mode | None = None  # a step-down that worked in this session

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)

    async def close(self) -> None:
        await self.client.close()

    async def check(self) -> str | None:
        try:
            await self.client.with_options(
                max_retries=0, timeout=min(10.0, self.settings.timeout_s)
            ).models.list()
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise BackendAuthError(
                f"{self.base_url} rejected the API key (HTTP {exc.status_code}): "
                "set OPENAI_API_KEY to a valid key"
            ) from None
        except openai.NotFoundError:
            return None  # some compatible servers have no model list; the first call will tell
        except openai.APIError as exc:
            return f"cannot use {self.base_url} ({transport_fault(exc)}); continuing with the offline backend"
        return None

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
    ) -> tuple[R, CallRecord]:
        record = CallRecord.model_validate({"step": step, "provider": self.provider, "model": self.model})
        mode = first = self._first_mode()
        started = time.monotonic()
        conversation = list(messages)
        certain = False
        try:
            while True:
                record.attempts += 1
                record.mode = mode
                try:
                    raw = await self._complete(conversation, mode, shape, on_text, record)
                    value = self._parse(raw, mode, validate)
                except _FormatRejected as rejected:
                    lower = MODES[MODES.index(mode) + 1 :]
                    if self.settings.output_mode != "auto" or not lower:
                        record.faults.append(
                            "server_error" if not rejected.certain else f"format_rejected: {mode}"
                        )
                        raise StepFailed(record) from None
                    record.faults.append(
                        f"format_rejected: {mode}" if rejected.certain else f"server_error: {mode}"
                    )
                    record.attempts -= 1  # a refused format is not a failed answer
                    certain = rejected.certain
                    mode = lower[0]
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
                assert self.model is not None
                if mode != first:
                    self._session_mode = mode
                    if certain:  # only a clear refusal is worth remembering across sessions
                        self.memory.remember(self.base_url, self.model, mode)
                elif self._session_mode is None and self.memory.get(self.base_url, self.model) is None:
                    self.memory.remember(self.base_url, self.model, mode)
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
        try:
            if not self.settings.streams():
                return self._read(await self.client.chat.completions.create(**kwargs), record)
            return await self._stream(kwargs, on_text, record)
        except (openai.BadRequestError, openai.UnprocessableEntityError, openai.InternalServerError) as exc:
            if mode != "prompt" and record.attempts == 1 and _about_format(exc):
                raise _FormatRejected(certain=exc.status_code < 500) from None
            record.faults.append(transport_fault(exc))
            raise StepFailed(record) from None
        except openai.APIError as exc:
            record.faults.append(transport_fault(exc))
            raise StepFailed(record) from None

    def _read(self, completion: Any, record: CallRecord) -> str:
        _add_usage(record, completion.usage)
        choice = completion.choices[0] if completion.choices else None
        if choice is None:
            raise _BadReply("invalid_json", "the reply had no choices")
        message = choice.message
        if getattr(message, "refusal", None) or choice.finish_reason == "content_filter":
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
        """
        stream = await self.client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        parts: list[str] = []
        finish: str | None = None
        refusal = False
        field = TextField()
        try:
            async with stream:
                async for chunk in stream:
                    if chunk.usage is not None:
                        _add_usage(record, chunk.usage)
                    for choice in chunk.choices:
                        delta = choice.delta
                        if getattr(delta, "refusal", None):
                            refusal = True
                        if delta.content:
                            parts.append(delta.content)
                            if on_text and (shown := field.feed(delta.content)):
                                await on_text(shown)
                        finish = choice.finish_reason or finish
        except openai.APIError as exc:
            record.raw = "".join(parts)
            record.faults.append(f"stream_cut: {transport_fault(exc)}")
            raise StepFailed(record) from None
        record.raw = "".join(parts)
        if refusal or finish == "content_filter":
            record.faults.append("refusal")
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


def _about_format(exc: openai.APIStatusError) -> bool:
    """Some servers answer 400, 422 or even 500 when they do not support a response format."""
    if exc.status_code >= 500:
        return True
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object", "schema", "format"))


def _add_usage(record: CallRecord, usage: Any) -> None:
    if usage is None:
        return
    record.prompt_tokens = (record.prompt_tokens or 0) + (usage.prompt_tokens or 0)
    record.completion_tokens = (record.completion_tokens or 0) + (usage.completion_tokens or 0)
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    if cached is not None:
        record.cached_tokens = (record.cached_tokens or 0) + cached


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
