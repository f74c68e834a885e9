"""Grading signals: each turns an analysed answer into findings about the question's key points."""

from __future__ import annotations

from typing import Protocol

from ..context import AnswerContext
from ..findings import Finding


class Signal(Protocol):
    name: str
    version: str

    def observe(self, ctx: AnswerContext) -> list[Finding]: ...
