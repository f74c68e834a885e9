"""The interview state machine: ask → answer → follow-ups → grade → next. No UI code.

All state lives in the transcript, so a session saved at any point resumes exactly there.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

from .bank import Bank, fingerprint
from .domain import (
    CallRecord,
    Feedback,
    FollowUpDecision,
    Lang,
    Plan,
    QuestionRecord,
    Transcript,
    Turn,
    TurnKind,
)
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
    Waiting,
)
from .learning.outcomes import judge_points
from .llm.base import Backend, FollowUpRequest, GradeRequest, Outcome
from .llm.offline import OfflineBackend, next_hint
from .matching import clean_answer
from .phrases import say
from .store import Store, StoreError, new_session_id, write_atomic
from .why import classify, explain_turn, kind_of, recorded_reason

MAX_ANSWER_CHARS = 20_000
DEFAULT_WAIT_S = 30.0
# Silence shorter than this is ordinary latency: a waiting line for it would only flicker.
QUIET_S = 2.0
T = TypeVar("T")
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
    def __init__(
        self,
        transcript: Transcript,
        backend: Backend,
        store: Store | None = None,
        wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        self.transcript = transcript
        self.backend = backend
        self.store = store
        if (backend.provider, backend.model) != (transcript.provider, transcript.model):
            # Resumed with another backend: the transcript names the one it goes on with; each question's
            # calls still say which backend asked and graded it.
            transcript.provider, transcript.model = backend.provider, backend.model
            transcript.prompt_hashes = {**transcript.prompt_hashes, **backend.prompt_hashes}
        # The longest the candidate waits on the model for one step before the offline interviewer takes
        # it: a hung or overloaded server costs at most this, never the client's timeouts times its tries.
        self.wait_s = wait_s
        self._hand_over = asyncio.Event()
        self._grades_due = asyncio.Event()  # set when the report may wait no longer for background grades
        self._due_fault = ""
        self._offline: OfflineBackend | None = None
        self._stand_in_warming = False
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
        if not resumed and len(t.records) < t.plan.questions:  # the bank ran short: never a silent cap
            found, asked = len(t.records), t.plan.questions
            yield Notice(text=say("fewer_questions", self.lang, found=found, asked=asked))
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
        offline backend needs it for the first follow-up. With a model it loads only when the model
        keeps the candidate waiting (see `_silent`), so a model's user never pays its CPU beside a
        streaming reply."""
        if isinstance(self.backend, OfflineBackend):
            self._warm_encoder()

    def _silent(self, step: Literal["follow_up", "grade"], waited: float) -> Waiting:
        """The model has been silent a while: the offline interviewer may have to stand in, so its
        encoder starts loading now rather than after the bound, when the candidate would wait for it."""
        if not self._stand_in_warming:
            self._stand_in_warming = True
            self._warm_encoder()
        return Waiting(step=step, elapsed_s=int(waited), limit_s=round(self.wait_s))

    def _warm_encoder(self) -> None:
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

    def hand_over(self) -> None:
        """The candidate chose not to wait: the step they are waiting for (a follow-up, or at the end the
        grading) is taken by the offline interviewer now. A no-op when nothing is waited for."""
        self._hand_over.set()

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
                yield Notice(level="warning", text=say("empty_retry", self.lang), phrase="empty_retry")
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
            async for item in self._streamed(request):
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
            kind = decision.kind or "follow_up"
            why_kind = classify(rec.question, rec.turns, kind, decision.target, decision.text, self.lang)
            rec.turns.append(
                self._turn(
                    "interviewer",
                    kind,
                    decision.text,
                    target=decision.target,
                    why=recorded_reason(decision.reason),
                    why_kind=why_kind,
                )
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
        rec.turns.append(self._turn("interviewer", "hint", text, target=target, why_kind="hint"))
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
        # In a drill "I don't know" shows the answer at once: the card comes back soon anyway.
        if self.transcript.plan.review or any(t.kind == "reason_aloud" for t in rec.turns):
            self._save()
            async for e in self._finish_question(rec):
                yield e
            return
        found = next_hint(rec.question, rec.turns, self.lang)
        text = (
            say("reason_aloud", self.lang, nudge=found[1]) if found else say("reason_aloud_plain", self.lang)
        )
        target = found[0] if found else None
        rec.turns.append(
            self._turn("interviewer", "reason_aloud", text, target=target, why_kind="reason_aloud")
        )
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
        if self.transcript.plan.review:
            # A drill shows each card's verdict and what a strong answer says before the next card.
            async for e in self._drain():
                yield e
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
        async for e in self._drain():
            yield e
        self.transcript.finished = True
        finished = InterviewFinished(session_id=self.transcript.session_id, overall=self.transcript.overall)
        async for e in self._save_then([finished]):
            yield e

    async def _drain(self) -> AsyncIterator[Event]:
        """Wait for every grade still running: a model's within the wait limit, then the offline stand-in."""
        # Background grades had the whole interview to finish; from here the candidate waits for them.
        started = time.monotonic()
        self._hand_over.clear()
        while self._pending:
            if isinstance(self.backend, OfflineBackend) or self._grades_due.is_set():
                # No model to wait for (any more): only the offline grader's own work is left.
                await asyncio.wait(self._pending.values(), return_when=asyncio.FIRST_COMPLETED)
                for e in self._graded_ready():
                    yield e
                continue
            left = started + self.wait_s - time.monotonic()
            handed = asyncio.ensure_future(self._hand_over.wait())
            try:
                await asyncio.wait(
                    {*self._pending.values(), handed},
                    timeout=min(1.0, max(left, 0.0)),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                handed.cancel()
            for e in self._graded_ready():
                yield e
            if not self._pending:
                continue
            waited = time.monotonic() - started
            if self._hand_over.is_set() or waited >= self.wait_s:
                self._due_fault = self._give_up_fault(waited)
                self._grades_due.set()
            elif waited >= QUIET_S:
                yield self._silent("grade", waited)

    def _start_grading(self, rec: QuestionRecord) -> None:
        self._pending[self._index(rec)] = asyncio.create_task(self._grade(rec))

    async def _grade(self, rec: QuestionRecord) -> Event:
        request = GradeRequest(question=rec.question, turns=self._for_backend(rec), lang=self.lang)
        if isinstance(self.backend, OfflineBackend):  # it never keeps anyone waiting, and is ready at once
            return self._graded(rec, await self.backend.grade(request))
        started = time.monotonic()
        call = asyncio.ensure_future(self.backend.grade(request))
        due = asyncio.ensure_future(self._grades_due.wait())
        try:
            await asyncio.wait({call, due}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            due.cancel()
            if not call.done():
                call.cancel()
        if call.done() and not call.cancelled():
            outcome = call.result()
        else:
            record = await self._stood_in(call, "grade", started, self._due_fault)
            outcome = Outcome(value=(await self._stand_in().grade(request)).value, calls=[record])
        return self._graded(rec, outcome)

    def _graded(self, rec: QuestionRecord, outcome: Outcome[Feedback]) -> Event:
        rec.feedback = outcome.value
        rec.calls.extend(outcome.calls)
        # The review cards are scheduled from these (the encoder is used only if the offline grader graded).
        rec.points = judge_points(rec, self.lang, self._stand_in().encoder)
        rec.status = "graded"
        self._ready.extend(self._fault_notices(outcome.calls))
        self._save()
        return QuestionGraded(index=self._index(rec), question_id=rec.question.id, feedback=outcome.value)

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

    async def _streamed(self, request: FollowUpRequest) -> AsyncIterator[Event | Outcome[FollowUpDecision]]:
        """Ask the backend for the follow-up, passing on the text it streams as it arrives; while it is
        silent, say so each second; past the wait bound, or when the candidate hands over, the offline
        interviewer decides instead."""
        if isinstance(self.backend, OfflineBackend):
            # It is the stand-in itself: a slow first encoder load is no model keeping anyone waiting.
            yield await self.backend.follow_up(request)
            return
        self._deltas = deltas = asyncio.Queue[str]()
        self._hand_over.clear()
        task = asyncio.ensure_future(self.backend.follow_up(request, on_text=self._sink))
        handed = asyncio.ensure_future(self._hand_over.wait())
        started = heard = time.monotonic()
        try:
            while True:
                getter = asyncio.ensure_future(deltas.get())
                left = started + self.wait_s - time.monotonic()
                done, _ = await asyncio.wait(
                    {task, getter, handed},
                    timeout=min(1.0, max(left, 0.0)),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if getter in done:
                    heard = time.monotonic()
                    yield TextDelta(text=getter.result())
                    continue
                getter.cancel()
                if task in done:
                    while not deltas.empty():
                        yield TextDelta(text=deltas.get_nowait())
                    yield task.result()
                    return
                now = time.monotonic()
                if handed in done or now - started >= self.wait_s:
                    record = await self._stood_in(
                        task, "follow_up", started, self._give_up_fault(now - started)
                    )
                    decided = await self._stand_in().follow_up(request)
                    yield Outcome(value=decided.value, calls=[record])
                    return
                if now - heard >= QUIET_S:
                    yield self._silent("follow_up", now - started)
        finally:
            self._deltas = None
            handed.cancel()
            if not task.done():
                task.cancel()

    def _give_up_fault(self, waited: float) -> str:
        if self._hand_over.is_set():
            return f"handed_over: the candidate chose not to wait after {waited:.0f} s"
        return f"no_reply: nothing usable within {self.wait_s:g} s"

    def _stand_in(self) -> OfflineBackend:
        if self._offline is None:
            self._offline = self.backend if isinstance(self.backend, OfflineBackend) else OfflineBackend()
        return self._offline

    async def _stood_in(self, call: asyncio.Future[T], step: str, started: float, fault: str) -> CallRecord:
        """Stop a call the candidate will not wait for (closing its connection frees a single-slot server)
        and record that the offline interviewer took the step."""
        call.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await call
        return CallRecord.model_validate(
            {
                "step": step,
                "provider": self.backend.provider,
                "model": self.backend.model,
                "latency_s": round(time.monotonic() - started, 3),
                "faults": [fault],
                "fallback": True,
            }
        )

    def _fault_notices(self, calls: list[CallRecord]) -> list[Event]:
        notices: list[Event] = []
        for c in calls:
            if not c.faults:
                continue
            kinds = list(dict.fromkeys(f.split(":")[0] for f in c.faults))
            step = say(f"step_{c.step}", self.lang)
            if kinds[-1] in ("no_reply", "handed_over"):
                key = "waited_out" if kinds[-1] == "no_reply" else "handed_over"
                text = say(key, self.lang, step=step, limit=f"{self.wait_s:g}")
            else:
                key = "fault_fallback" if c.fallback else "fault_recovered"
                text = say(key, self.lang, step=step, faults=", ".join(kinds))
            notices.append(Notice(level="warning", text=text))
        return notices

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
        at = max(i for i, t in enumerate(rec.turns) if t.role == "interviewer" and t.kind in _PROMPT_KINDS)
        last = rec.turns[at]
        kind = _PROMPT_KINDS[last.kind]
        seed = kind == "question"
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
            why_kind=None if seed else kind_of(rec.question, rec.turns, at, self.lang),
            why=None if seed else explain_turn(rec.question, rec.turns, at, self.lang),
        )

    def _index(self, rec: QuestionRecord) -> int:
        return next(i for i, r in enumerate(self.transcript.records, 1) if r is rec)

    def _for_backend(self, rec: QuestionRecord) -> list[Turn]:
        return for_backend(rec.turns)

    @staticmethod
    def _turn(role: str, kind: TurnKind, text: str, **extra: object) -> Turn:
        return Turn.model_validate({"role": role, "kind": kind, "text": text, "at": _now(), **extra})
