"""Structured output from chat models: the shapes we ask for, JSON extraction, and what endpoints take.

Three modes: `json_schema` (strict schema enforced by the server), `json_object` (any JSON object),
and `prompt` (the schema is only described in the prompt). Every mode is validated locally.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ..files import SMALL_LIMIT, FileProblem, read_file
from ..redact import redact_url
from ..store import write_atomic

Mode = Literal["json_schema", "json_object", "prompt"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "prompt")
# Local servers (llama.cpp, Ollama, older vLLM) honour `max_tokens` and may silently ignore the newer name;
# OpenAI's reasoning models refuse `max_tokens` with a 400 that names it.
BoundParam = Literal["max_tokens", "max_completion_tokens"]
BOUND_PARAMS: tuple[BoundParam, ...] = ("max_tokens", "max_completion_tokens")
MEMORY_ENTRIES = 200  # endpoints and models remembered; the cache file stays a few kilobytes


class FollowUpOut(BaseModel):
    action: Literal["ask", "move_on"]
    kind: Literal["follow_up", "deepen"] | None
    target: str | None
    text: str | None
    reason: str


class CriterionOut(BaseModel):
    criterion_id: str
    score: int
    evidence: list[str]
    rationale: str


class MissedOut(BaseModel):
    key_point_id: str
    what_strong_answers_say: str


class GradeOut(BaseModel):
    criteria: list[CriterionOut]
    strengths: list[str]
    gaps: list[str]
    missed: list[MissedOut]


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the form strict mode accepts: every property required, nothing extra."""

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: fix(v) for k, v in node.items() if k not in ("default", "title")}
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
        elif isinstance(node, list):
            node = [fix(v) for v in node]
        return node

    schema: dict[str, Any] = fix(model.model_json_schema())
    return schema


_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The JSON object in a reply that may wrap it in a code fence or in chatter."""
    fenced = _FENCE.search(text)
    if fenced:
        return json.loads(fenced.group(1))
    start = text.find("{")
    if start < 0:
        raise ValueError("the reply holds no JSON object")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


class TextField:
    """Pulls the value of `"text": "..."` out of a JSON object as it streams in, so it can be shown live."""

    def __init__(self, key: str = "text") -> None:
        self._marker = re.compile(rf'"{key}"\s*:\s*"')
        self._buffer = ""
        self._pos: int | None = None  # where the string value starts in the buffer
        self._emitted = 0
        self._done = False

    def feed(self, chunk: str) -> str:
        """Add streamed JSON; return the newly decoded part of the value."""
        self._buffer += chunk
        if self._done:
            return ""
        if self._pos is None:
            found = self._marker.search(self._buffer)
            if not found:
                return ""
            self._pos = found.end()
        value, closed = _decode_partial(self._buffer[self._pos :])
        self._done = closed
        new = value[self._emitted :]
        self._emitted = len(value)
        return new


def _decode_partial(raw: str) -> tuple[str, bool]:
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == '"':
            return "".join(out), True
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(raw):
            break  # an escape split across chunks: wait for the rest
        esc = raw[i + 1]
        if esc == "u":
            if i + 6 > len(raw):
                break
            out.append(chr(int(raw[i + 2 : i + 6], 16)))
            i += 6
            continue
        out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(esc, esc))
        i += 2
    return "".join(out), False


class Learned(BaseModel):
    """What one endpoint and model is known to take."""

    mode: Mode | None = None  # the strictest output mode not known to fail there
    bound: BoundParam | None = None  # the name under which it takes the output bound


class ModeMemory:
    """Remembers, per endpoint (without credentials) and model, the output mode to start with and the
    output-bound parameter, so that later sessions do not probe again.

    The file lives in the user cache and is read as untrusted input: anything wrong with it (not JSON,
    wrong types, too big, not a regular file) only costs a re-probe."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._data: dict[str, Learned] = {}
        if path is None:
            return
        try:
            loaded = json.loads(read_file(path, SMALL_LIMIT))
        except (FileProblem, ValueError, RecursionError):
            return
        if isinstance(loaded, dict):
            for key, value in list(loaded.items())[-MEMORY_ENTRIES:]:
                with contextlib.suppress(ValidationError):
                    # A bare string is the format before the bound was remembered: the mode alone.
                    self._data[key] = Learned.model_validate(
                        {"mode": value} if isinstance(value, str) else value
                    )

    @staticmethod
    def key(base_url: str | None, model: str) -> str:
        return f"{redact_url(base_url) if base_url else 'default'}|{model}"

    def get(self, base_url: str | None, model: str) -> Mode | None:
        return self._entry(base_url, model).mode

    def bound(self, base_url: str | None, model: str) -> BoundParam | None:
        return self._entry(base_url, model).bound

    def remember(self, base_url: str | None, model: str, mode: Mode) -> None:
        self._update(base_url, model, mode=mode)

    def remember_bound(self, base_url: str | None, model: str, bound: BoundParam) -> None:
        self._update(base_url, model, bound=bound)

    def _entry(self, base_url: str | None, model: str) -> Learned:
        return self._data.get(self.key(base_url, model)) or Learned()

    def _update(self, base_url: str | None, model: str, **changes: str) -> None:
        key = self.key(base_url, model)
        old = self._entry(base_url, model)
        new = old.model_copy(update=changes)
        if new == old:
            return
        self._data.pop(key, None)  # the latest change goes last; the oldest entries go first
        self._data[key] = new
        while len(self._data) > MEMORY_ENTRIES:
            del self._data[next(iter(self._data))]
        if self.path is not None:
            payload = {k: v.model_dump(exclude_none=True) for k, v in self._data.items()}
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(self.path, json.dumps(payload, indent=1).encode())
            except OSError:
                pass  # remembering is an optimisation; the interview must not fail over it
