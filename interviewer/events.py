"""Typed events the engine emits and front ends render, and the actions front ends send back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .domain import Feedback, Plan, WhyKind


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class SessionStarted(Event):
    session_id: str
    plan: Plan
    provider: str
    model: str | None
    total: int
    resumed: bool = False
    draft: str | None = None


PromptKind = Literal["question", "follow_up", "deepen", "reason_aloud"]


class Prompt(Event):
    """Something the candidate is now expected to answer."""

    index: int  # 1-based question number
    total: int
    kind: PromptKind
    text: str
    question_id: str
    category: str
    difficulty: int
    follow_up: int = 0  # 1-based number of this follow-up, 0 for the seed question
    follow_up_limit: int = 0
    why_kind: WhyKind | None = None  # None for the seed question
    # Why it was asked, in the session language and in words that give no key point away (why.py); shown
    # only when the candidate asks. None for the seed question.
    why: str | None = None


class TextDelta(Event):
    """Part of a follow-up question as the model writes it; the Prompt that follows has the final text."""

    text: str


class Waiting(Event):
    """The model has been silent for `elapsed_s` on a step the candidate is waiting for; at `limit_s` the
    offline interviewer takes the step (sooner if the front end calls `Engine.hand_over`)."""

    step: Literal["follow_up", "grade"]
    elapsed_s: int
    limit_s: int


class HintGiven(Event):
    text: str


class Notice(Event):
    level: Literal["info", "warning"] = "info"
    text: str
    # The phrase it says, for a front end that words it its own way (plain mode names typed commands).
    phrase: str | None = None


class QuestionGraded(Event):
    index: int
    question_id: str
    feedback: Feedback


class InterviewFinished(Event):
    session_id: str
    overall: float | None


class Answer(BaseModel):
    text: str


CommandKind = Literal["hint", "skip", "idk", "end"]


class Command(BaseModel):
    kind: CommandKind


Action = Answer | Command
