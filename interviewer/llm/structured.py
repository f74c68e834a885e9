"""Structured output from chat models: the shapes we ask for, JSON extraction, and mode memory.

Three modes: `json_schema` (strict schema enforced by the server), `json_object` (any JSON object),
and `prompt` (the schema is only described in the prompt). Every mode is validated locally.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ..store import write_atomic

Mode = Literal["json_schema", "json_object", "prompt"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "prompt")


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


class ModeMemory:
    """Remembers, per endpoint and model, which output mode worked, so later sessions start there."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._data: dict[str, str] = {}
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                self._data = {k: v for k, v in loaded.items() if v in MODES}
            except (OSError, ValueError, AttributeError):
                self._data = {}  # a damaged cache only costs a re-probe

    @staticmethod
    def key(base_url: str | None, model: str) -> str:
        return f"{base_url or 'default'}|{model}"

    def get(self, base_url: str | None, model: str) -> Mode | None:
        value = self._data.get(self.key(base_url, model))
        return next((m for m in MODES if m == value), None)

    def remember(self, base_url: str | None, model: str, mode: Mode) -> None:
        if self._data.get(self.key(base_url, model)) == mode:
            return
        self._data[self.key(base_url, model)] = mode
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(self.path, json.dumps(self._data, indent=1).encode())
            except OSError:
                pass  # remembering is an optimisation; the interview must not fail over it
