"""A backend for tests that says what it is told and remembers what it was asked.

Queued decisions and grades are given in order; with none queued it answers as the offline backend does,
so a test scripts only the steps it is about."""

from __future__ import annotations

from collections import deque

from interviewer.domain import Feedback, FollowUpDecision
from interviewer.llm.base import FollowUpRequest, GradeRequest, Outcome, TextSink
from interviewer.llm.offline import OfflineBackend


class MockBackend(OfflineBackend):
    def __init__(self) -> None:
        super().__init__()
        self.follow_ups: list[FollowUpRequest] = []
        self.grades: list[GradeRequest] = []
        self._decisions: deque[FollowUpDecision] = deque()
        self._feedback: deque[Feedback] = deque()

    def enqueue(self, *replies: FollowUpDecision | Feedback) -> MockBackend:
        for reply in replies:
            if isinstance(reply, FollowUpDecision):
                self._decisions.append(reply)
            else:
                self._feedback.append(reply)
        return self

    async def follow_up(
        self, request: FollowUpRequest, on_text: TextSink | None = None
    ) -> Outcome[FollowUpDecision]:
        self.follow_ups.append(request)
        if self._decisions:
            return Outcome(value=self._decisions.popleft())
        return await super().follow_up(request, on_text)

    async def grade(self, request: GradeRequest) -> Outcome[Feedback]:
        self.grades.append(request)
        if self._feedback:
            return Outcome(value=self._feedback.popleft())
        return await super().grade(request)
