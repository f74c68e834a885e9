"""The contract every backend implements: decide a follow-up, grade a question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

from ..domain import CallRecord, Feedback, FollowUpDecision, Lang, Question, Turn

T = TypeVar("T")
TextSink = Callable[[str], Awaitable[None]]


class Outcome(BaseModel, Generic[T]):
    """A step's result with the record of the calls that produced it (none for the offline backend)."""

    value: T
    calls: list[CallRecord] = Field(default_factory=list)


class BackendAuthError(Exception):
    """The endpoint rejected the credentials: the one failure that stops before the first question."""


class FollowUpRequest(BaseModel):
    question: Question
    turns: list[Turn] = Field(description="this question's thread so far; answers already cut to size")
    lang: Lang
    remaining: int = Field(ge=0, description="follow-ups still allowed for this question")

    def asked(self) -> list[str]:
        return [t.text for t in self.turns if t.role == "interviewer"]


class GradeRequest(BaseModel):
    question: Question
    turns: list[Turn]
    lang: Lang

    def answer_text(self) -> str:
        return "\n\n".join(
            t.text for t in self.turns if t.role == "candidate" and t.kind == "answer" and t.text
        )


class Backend(Protocol):
    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str | None: ...

    @property
    def prompt_hashes(self) -> dict[str, str]: ...

    async def close(self) -> None:
        """Release connections; call before the event loop ends."""
        ...

    async def check(self) -> str | None:
        """Before the first question: None when ready, else a one-line reason to go on offline.

        Raises BackendAuthError when the endpoint rejects the credentials."""
        ...

    async def follow_up(
        self, request: FollowUpRequest, on_text: TextSink | None = None
    ) -> Outcome[FollowUpDecision]: ...

    async def grade(self, request: GradeRequest) -> Outcome[Feedback]: ...
