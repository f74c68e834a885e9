"""The contract every backend implements: decide a follow-up, grade a question."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from ..domain import Feedback, FollowUpDecision, Lang, Question, Turn


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

    async def follow_up(self, request: FollowUpRequest) -> FollowUpDecision: ...

    async def grade(self, request: GradeRequest) -> Feedback: ...
