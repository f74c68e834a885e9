"""Chat Completions replies as they arrive on the wire, checked rather than trusted.

Servers and proxies answer 200 with HTML, empty bodies, JSON of another shape or broken event streams; the
SDK hands such bodies back as they are (a `str`, a half-built object). Reading the envelope here turns each
into one fault that names what was wrong, instead of an AttributeError somewhere later.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

M = TypeVar("M", bound=BaseModel)
_SAFE = re.compile(r"[^\w.+/;=-]")
_WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")


class BadEnvelope(Exception):
    """The body around the model's output is not a Chat Completions reply."""

    def __init__(self, fault: str) -> None:
        super().__init__(fault)
        self.fault = fault


class Details(BaseModel):
    cached_tokens: int | None = Field(default=None, ge=0)


class Usage(BaseModel):
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    prompt_tokens_details: Details | None = None


class _Counted(BaseModel):
    usage: Usage | None = None

    @field_validator("usage", mode="wrap")
    @classmethod
    def _unknown_when_odd(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Usage | None:
        # Odd token counts make the usage unknown; they are no reason to throw the model's answer away.
        try:
            usage: Usage | None = handler(value)
        except ValidationError:
            return None
        return usage


class Message(BaseModel):
    content: str | None = None
    refusal: str | None = None


class Choice(BaseModel):
    message: Message
    finish_reason: str | None = None


class Completion(_Counted):
    choices: list[Choice]


class Delta(BaseModel):
    content: str | None = None
    refusal: str | None = None


class ChunkChoice(BaseModel):
    delta: Delta = Field(default_factory=Delta)
    finish_reason: str | None = None


class Chunk(_Counted):
    choices: list[ChunkChoice] = Field(default_factory=list)


def body_kind(content_type: str | None, size: int | None) -> str:
    """`text/html, 1234 bytes`: what came instead of JSON, in words safe to print and store (`size` None:
    not known before reading)."""
    kind = _SAFE.sub("", (content_type or "").split(";")[0].strip())[:60] or "no content type"
    if size is None:
        return kind
    return f"{kind}, {size} bytes" if size else f"{kind}, empty body"


def read_completion(body: bytes, content_type: str | None) -> Completion:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # ValueError includes bytes that are not UTF-8
        raise BadEnvelope(f"not_json_body: {body_kind(content_type, len(body))}") from None
    if isinstance(data, dict) and "choices" not in data and data.get("error"):
        raise BadEnvelope(f"error_body: {error_kind(data['error'])}")
    return shaped(Completion, data)


def error_kind(error: Any) -> str:
    """The code or type of an error object sent with status 200 (some proxies do). Its message is left
    out: it is the server's free text, and may echo the request URL with its credentials."""
    fields = error if isinstance(error, dict) else {}
    for name in ("code", "type"):
        value = str(fields.get(name) or "")
        if _WORD.fullmatch(value):
            return value
    return "no code"


def shaped(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise BadEnvelope(f"bad_envelope: {where}: {first['msg'][:120]}") from None
