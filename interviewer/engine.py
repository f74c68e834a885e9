"""The interview state machine: ask → answer → follow-ups → grade → next. No UI code.

All state lives in the transcript, so a session saved at any point resumes exactly there.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from .bank import Bank, fingerprint
from .domain import CallRecord, FollowUpDecision, Lang, Plan, QuestionRecord, Transcript, Turn, TurnKind
from .events import (
    Action,
    Answer,
    Event,
    HintGiven,
    InterviewFinished,
    Notice,
    Prompt,
    PromptKind,
    QuestionGraded,
    SessionStarted,
    TextDelta,
)
from .llm.base import Backend, FollowUpRequest, GradeRequest, Outcome
from .llm.offline import OfflineBackend, next_hint
from .matching import clean_answer
from .phrases import say
from .store import Store, StoreError, new_session_id, write_atomic

MAX_ANSWER_CHARS = 20_000
_PROMPT_KINDS: dict[str, PromptKind] = {k: k for k in ("question", "follow_up", "deepen", "reason_aloud")}


def for_backend(turns: list[Turn]) -> list[Turn]:
    """A thread as a backend sees it: very long answers cut to the limit (the transcript keeps them whole)."""
    return [
        t.model_copy(update={"text": t.text[:MAX_ANSWER_CHARS]}) if len(t.text) > MAX_ANSWER_CHARS else t
        for t in turns
    ]


class EngineError(Exception):
    """The front end asked for something the interview cannot do now."""


class UnsavedAnswer(NamedTuple):
    """An answer that is only in memory: what a front end shows when it could be written nowhere."""

    number: int  # the question's number, from 1
    asked: str  # what the interviewer last asked before it
    text: str
    draft: bool = False  # typed but not submitted


def _now() -> datetime:
    return datetime.now(UTC)


def new_transcript(plan: Plan, bank: Bank, backend: Backend, session_id: str | None = None) -> Transcript:
    questions = bank.select(plan)
    if not questions:
        raise EngineError("no question in the bank matches this plan (track, categories, difficulty)")
    now = _now()
    return Transcript(
        session_id=session_id or new_session_id(now),
        created_at=now,
        updated_at=now,
        plan=plan,
        provider=backend.provider,
        model=backend.model,
        bank_fingerprint=fingerprint(questions),
        prompt_hashes=backend.prompt_hashes,
        records=[QuestionRecord(question=q) for q in questions],
    )


class Engine:
    def __init__(self, transcript: Transcript, backend: Backend, store: Store | None = None) -> None:
        self.transcript = transcript
        self.backend = backend
        self.store = store
        self._empty_strikes = 0
        self._prompt_shown = time.monotonic()
        self._unsaved = False
        self._save_error = ""
        # What is on disk: turns per question and the draft, as of the last save that succeeded.
        self._saved_turns = [len(r.turns) for r in transcript.records]
        self._saved_draft = transcript.draft
        self._pending: dict[int, asyncio.Task[Event]] = {}
        self._ready: list[Event] = []
        self._deltas: asyncio.Queue[str] | None = None

    @property
    def finished(self) -> bool:
        return self.transcript.finished

    @property
    def unsaved(self) -> bool:
        return self._unsaved

    @property
    def lang(self) -> Lang:
        return self.transcript.plan.lang

    async def start(self) -> AsyncIterator[Event]:
        """Open the session (new or resumed) and show whatever is waiting for an answer."""
        async for e in self._with_graded(self._start()):
            yield e

    async def submit(self, action: Action) -> AsyncIterator[Event]:
        rec = self.transcript.current
        if self.transcript.finished or rec is None:
            raise EngineError("the interview is over")
        if isinstance(action, Answer):
            handler = self._answer(rec, action.text)
        elif action.kind == "hint":
            handler = self._hint(rec)
        elif action.kind == "skip":
            handler = self._skip(rec)
        elif action.kind == "idk":
            handler = self._idk(rec)
        else:
            handler = self._end(rec)
        async for e in self._with_graded(handler):
            yield e

    async def _with_graded(self, events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        async for e in events:
            yield e
        await asyncio.sleep(0)  # let grading that is already done report now
        for e in self._graded_ready():
            yield e

    async def _start(self) -> AsyncIterator[Event]:
        t = self.transcript
        resumed = any(r.turns for r in t.records)
        yield SessionStarted(
            session_id=t.session_id,
            plan=t.plan,
            provider=t.provider,
            model=t.model,
            total=len(t.records),
            resumed=resumed,
            draft=t.draft,
        )
        if t.finished:
            yield InterviewFinished(session_id=t.session_id, overall=t.overall)
            return
        for r in t.records:
            if r.status == "answered":  # answered before a stop, not graded yet
                self._start_grading(r)
        rec = t.current
        if rec is None:  # every question answered; only grading was left
            async for e in self._close():
                yield e
            return
        last = rec.turns[-1] if rec.turns else None
        if last is None:
            self._ask_seed(rec)
            async for e in self._save_then([self._prompt(rec)]):
                yield e
        elif last.role == "candidate":
            # Stopped after the answer was saved but before the interviewer replied: reply now.
            async for e in self._after_answer(rec):
                yield e
        else:
            yield self._prompt(rec)
        self._warm_up()

    def _warm_up(self) -> None:
        """Load the offline grader's encoder once the first question is on screen, not before it: the
        offline backend needs it for the first follow-up. With a model it loads only if a step falls
        back, so a model's user never pays its CPU beside a streaming reply."""
        if not isinstance(self.backend, OfflineBackend):
            return
        from functools import partial

        from .grading.encoder import shared
        from .grading.reference import reference_texts

        encoder = shared()
        if encoder is not None:
            # The bank's key points are the background every meaning match is checked against.
            encoder.warm_up(partial(reference_texts, encoder.cache_dir))

    def use_offline(self) -> None:
        """Switch to the offline backend, as when the endpoint is unreachable at the start."""
        self.backend = OfflineBackend()
        self.transcript.provider, self.transcript.model = "offline", None
        self.transcript.prompt_hashes = dict(self.backend.prompt_hashes)

    @property
    def grading(self) -> int:
        """Questions still being graded in the background."""
        return len(self._pending)

    def rescue(self) -> Path | None:
        """If the last save failed, retry; failing that, write a copy to the temp dir and return its path.

        Raises StoreError when even the copy cannot be written (say the full disk also holds the temp
        dir): the front end must then show `unsaved_answers()` itself.
        """
        if not self._unsaved or self._save() is None:
            return None
        name = f"interviewer-{self.transcript.session_id}.json"
        try:
            path = Path(tempfile.gettempdir()) / name
            write_atomic(path, self.transcript.model_dump_json(indent=1).encode())
        except OSError as exc:
            raise StoreError(
                f"{self._save_error}; no copy in the temp dir either: {exc.strerror or exc}"
            ) from None
        return path

    def unsaved_answers(self) -> list[UnsavedAnswer]:
        """The answers (and the draft) given since the last save that succeeded, in order."""
        out: list[UnsavedAnswer] = []
        current = self.transcript.current
        for index, (rec, saved) in enumerate(zip(self.transcript.records, self._saved_turns, strict=True), 1):
            asked = ""
            for n, turn in enumerate(rec.turns):
                if turn.role == "interviewer" and turn.kind in _PROMPT_KINDS:
                    asked = turn.text
                elif n >= saved and turn.kind == "answer" and turn.text:
                    out.append(UnsavedAnswer(index, asked, turn.text))
            draft = self.transcript.draft
            if rec is current and draft and draft != self._saved_draft:
                out.append(UnsavedAnswer(index, asked, draft, draft=True))
        return out

    def set_draft(self, text: str | None) -> None:
        """Keep an answer being typed, so closing the app mid-answer loses nothing."""
        self.transcript.draft = text or None
        self._save()

    # --- actions ---------------------------------------------------------------------------

    async def _answer(self, rec: QuestionRecord, raw: str) -> AsyncIterator[Event]:
        text = clean_answer(raw)
        elapsed = round(time.monotonic() - self._prompt_shown, 1)
        if not text.strip():
            if self._empty_strikes == 0:
                self._empty_strikes = 1
                yield Notice(level="warning", text=say("empty_retry", self.lang))
                return
            self._empty_strikes = 0
            rec.turns.append(self._turn("candidate", "answer", "", no_answer=True, elapsed_s=elapsed))
            yield Notice(text=say("no_answer", self.lang))
        else:
            self._empty_strikes = 0
            truncated = len(text) > MAX_ANSWER_CHARS
            rec.turns.append(self._turn("candidate", "answer", text, truncated=truncated, elapsed_s=elapsed))
            if truncated:
                yield Notice(level="warning", text=say("truncated", self.lang, limit=MAX_ANSWER_CHARS))
        self.transcript.draft = None
        self._save()  # the answer is on disk before any backend call can fail or hang
        async for e in self._after_answer(rec):
            yield e

    async def _after_answer(self, rec: QuestionRecord) -> AsyncIterator[Event]:
        last_prompt = next((t for t in reversed(rec.turns) if t.role == "interviewer"), None)
        # A skip, or any reply to the invitation to reason aloud, closes the question.
        if rec.turns[-1].kind == "skip" or (last_prompt is not None and last_prompt.kind == "reason_aloud"):
            async for e in self._finish_question(rec):
                yield e
            return
        remaining = self.transcript.plan.follow_ups - rec.follow_ups_asked
        decision = None
        if remaining > 0 and not rec.turns[-1].no_answer:
            request = FollowUpRequest(
                question=rec.question,
                turns=self._for_backend(rec),
                lang=self.lang,
                remaining=remaining,
            )
            outcome = None
            async for item in self._streamed(self.backend.follow_up(request, on_text=self._sink)):
                if isinstance(item, Event):
                    yield item
                else:
                    outcome = item
            assert outcome is not None
            decision = outcome.value
            rec.decisions.append(decision)
            rec.calls.extend(outcome.calls)
            for notice in self._fault_notices(outcome.calls):
                yield notice
        if decision is not None and decision.action == "ask" and decision.text:
            rec.turns.append(
                self._turn("interviewer", decision.kind or "follow_up", decision.text, target=decision.target)
            )
            async for e in self._save_then([self._prompt(rec)]):
                yield e
        else:
            async for e in self._finish_question(rec):
                yield e

    async def _hint(self, rec: QuestionRecord) -> AsyncIterator[Event]:
        found = next_hint(rec.question, rec.turns, self.lang)
        if found is None:
            yield Notice(text=say("no_more_hints", self.lang))
            return
        target, text = found
        rec.turns.append(self._turn("interviewer", "hint", text, target=target))
        async for e in self._save_then([HintGiven(text=say("hint", self.lang, text=text))]):
            yield e

    async def _skip(self, rec: QuestionRecord) -> AsyncIterator[Event]:
        rec.turns.append(self._turn("candidate", "skip", ""))
        rec.skipped = True
        self._save()
        async for e in self._finish_question(rec):
            yield e

    async def _idk(self, rec: QuestionRecord) -> AsyncIterator[Event]:
        rec.turns.append(self._turn("candidate", "idk", ""))
        if any(t.kind == "reason_aloud" for t in rec.turns):
            self._save()
            async for e in self._finish_question(rec):
                yield e
            return
        found = next_hint(rec.question, rec.turns, self.lang)
        text = (
            say("reason_aloud", self.lang, nudge=found[1]) if found else say("reason_aloud_plain", self.lang)
        )
        rec.turns.append(self._turn("interviewer", "reason_aloud", text, target=found[0] if found else None))
        async for e in self._save_then([self._prompt(rec)]):
            yield e

    async def _end(self, rec: QuestionRecord) -> AsyncIterator[Event]:
        if rec.answers():
            rec.status = "answered"
            self._start_grading(rec)
        for r in self.transcript.records:
            if r.status == "open":
                r.status = "ended"
        async for e in self._close():
            yield e

    # --- steps -----------------------------------------------------------------------------

    async def _finish_question(self, rec: QuestionRecord) -> AsyncIterator[Event]:
        """Grade in the background and show the next question at once; the report waits for grading."""
        rec.status = "answered"
        self._start_grading(rec)
        nxt = self.transcript.current
        if nxt is None:
            async for e in self._close():
                yield e
            return
        self._ask_seed(nxt)
        async for e in self._save_then([self._prompt(nxt)]):
            yield e

    async def _close(self) -> AsyncIterator[Event]:
        self._save()
        while self._pending:
            await asyncio.wait(self._pending.values())
            for e in self._graded_ready():
                yield e
        self.transcript.finished = True
        finished = InterviewFinished(session_id=self.transcript.session_id, overall=self.transcript.overall)
        async for e in self._save_then([finished]):
            yield e

    def _start_grading(self, rec: QuestionRecord) -> None:
        self._pending[self._index(rec)] = asyncio.create_task(self._grade(rec))

    async def _grade(self, rec: QuestionRecord) -> Event:
        request = GradeRequest(question=rec.question, turns=self._for_backend(rec), lang=self.lang)
        outcome = await self.backend.grade(request)
        rec.feedback = outcome.value
        rec.calls.extend(outcome.calls)
        rec.status = "graded"
        self._ready.extend(self._fault_notices(outcome.calls))
        self._save()
        return QuestionGraded(index=self._index(rec), question_id=rec.question.id, feedback=rec.feedback)

    def _graded_ready(self) -> list[Event]:
        events = list(self._ready)
        self._ready.clear()
        for index, task in sorted(self._pending.items()):
            if task.done():
                del self._pending[index]
                events.append(task.result())
        return events

    async def _sink(self, text: str) -> None:
        if self._deltas is not None:
            await self._deltas.put(text)

    async def _streamed(
        self, call: Awaitable[Outcome[FollowUpDecision]]
    ) -> AsyncIterator[Event | Outcome[FollowUpDecision]]:
        """Run a backend call, passing on the text it streams as it arrives."""
        self._deltas = deltas = asyncio.Queue[str]()
        task = asyncio.ensure_future(call)
        while True:
            getter = asyncio.ensure_future(deltas.get())
            done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield TextDelta(text=getter.result())
                continue
            getter.cancel()
            while not deltas.empty():
                yield TextDelta(text=deltas.get_nowait())
            self._deltas = None
            yield task.result()
            return

    def _fault_notices(self, calls: list[CallRecord]) -> list[Event]:
        return [
            Notice(
                level="warning",
                text=say(
                    "fault_fallback" if c.fallback else "fault_recovered",
                    self.lang,
                    step=c.step,
                    faults=", ".join(dict.fromkeys(f.split(":")[0] for f in c.faults)),
                ),
            )
            for c in calls
            if c.faults
        ]

    def _ask_seed(self, rec: QuestionRecord) -> None:
        rec.turns.append(self._turn("interviewer", "question", rec.question.text(self.lang)))

    async def _save_then(self, events: list[Event]) -> AsyncIterator[Event]:
        """Persist first, then show: nothing appears on screen that is not already on disk."""
        warning = self._save()
        if warning is not None:
            yield warning
        for e in events:
            if isinstance(e, Prompt):
                self._prompt_shown = time.monotonic()
            yield e

    def _save(self) -> Notice | None:
        if self.store is None:
            return None
        try:
            self.store.save(self.transcript)
        except StoreError as exc:
            self._unsaved, self._save_error = True, str(exc)
            return Notice(level="warning", text=say("saved_failed", self.lang, reason=str(exc)))
        self._unsaved = False
        self._saved_turns = [len(r.turns) for r in self.transcript.records]
        self._saved_draft = self.transcript.draft
        return None

    def _prompt(self, rec: QuestionRecord) -> Prompt:
        last = next(t for t in reversed(rec.turns) if t.role == "interviewer" and t.kind in _PROMPT_KINDS)
        kind = _PROMPT_KINDS[last.kind]
        return Prompt(
            index=self._index(rec),
            total=len(self.transcript.records),
            kind=kind,
            text=last.text,
            question_id=rec.question.id,
            category=rec.question.category,
            difficulty=rec.question.difficulty,
            follow_up=rec.follow_ups_asked if kind in ("follow_up", "deepen") else 0,
            follow_up_limit=self.transcript.plan.follow_ups,
        )

    def _index(self, rec: QuestionRecord) -> int:
        return next(i for i, r in enumerate(self.transcript.records, 1) if r is rec)

    def _for_backend(self, rec: QuestionRecord) -> list[Turn]:
        return for_backend(rec.turns)

    @staticmethod
    def _turn(role: str, kind: TurnKind, text: str, **extra: object) -> Turn:
        return Turn.model_validate({"role": role, "kind": kind, "text": text, "at": _now(), **extra})
