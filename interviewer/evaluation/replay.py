"""Replay a recorded interview, and re-grade its recorded answers with another backend, model or prompt."""

from __future__ import annotations

from typing import NamedTuple

from ..domain import CallRecord, Lang, QuestionRecord, Transcript
from ..engine import for_backend
from ..llm.base import Backend, FollowUpRequest, GradeRequest
from ..phrases import Phrases, pick, say
from ..untrusted import for_terminal, one_line
from ..why import EXPLAINED, explain_turn

_TEXT: Phrases = {
    "interviewer": ("면접관", "Interviewer"),
    "candidate": ("지원자", "Candidate"),
    "noted": ("면접관 메모", "interviewer's note"),
    # A question's status; the English side is the transcript's own word for it.
    "open": ("답변 전", "open"),
    "answered": ("답변함, 채점 전", "answered"),
    "graded": ("채점됨", "graded"),
    "ended": ("답변 전 종료", "ended"),
    "overall": ("종합 점수", "overall"),
}


def replay_text(t: Transcript) -> str:
    """The interview as it happened: every question, answer, follow-up and the feedback."""
    lang = t.plan.lang
    backend = one_line(t.provider) + (f" ({one_line(t.model)})" if t.model else "")
    lines = [f"{one_line(t.session_id)} · {t.plan.shown_track} · {lang} · {backend}", ""]
    for i, r in enumerate((r for r in t.records if r.turns), 1):
        lines.append(f"── {i}. {r.question.id} ({pick(_TEXT, r.status, lang)}) ──")
        names = {c.id: c.name(lang) for c in r.question.rubric}
        for n, turn in enumerate(r.turns):
            who = pick(_TEXT, turn.role, lang)
            kind = say(f"kind_{turn.kind}", lang)
            text = for_terminal(turn.text) or f"({kind})"
            lines.append(f"{who} [{kind}]: {text}")
            if turn.role == "interviewer" and turn.kind in EXPLAINED:
                why = explain_turn(r.question, r.turns, n, lang)
                # The backend's own reason may spell a key point out: only once the question is graded.
                if turn.why and r.status == "graded":
                    why += f" ({pick(_TEXT, 'noted', lang)}: {turn.why})"
                lines.append(f"   ↳ {one_line(why)}")
        if r.feedback is not None:
            scores = ", ".join(
                f"{one_line(names.get(c.criterion_id, c.criterion_id))} {c.score}"
                for c in r.feedback.criteria
            )
            lines.append(f"→ {r.feedback.overall:.2f} / 5 ({scores})")
            lines += [f"   + {for_terminal(s)}" for s in r.feedback.strengths]
            lines += [f"   - {for_terminal(g)}" for g in r.feedback.gaps]
        lines.append("")
    overall = "–" if t.overall is None else f"{t.overall:.2f} / 5"
    lines.append(f"{pick(_TEXT, 'overall', lang)}: {overall}")
    return "\n".join(lines)


class Row(NamedTuple):
    question: str
    what: str
    before: str
    after: str
    stood_in: str | None = None  # why the offline backend gave `after` in the model's place, if it did


def _stood_in(calls: list[CallRecord]) -> str | None:
    failed = [c for c in calls if c.fallback]
    if not failed:
        return None
    # The last fault of a step is what made it fall back; the ones before it were tried past.
    return ", ".join(dict.fromkeys(c.faults[-1].split(":")[0] if c.faults else "failed" for c in failed))


async def regrade(
    t: Transcript, backend: Backend, follow_ups: bool = False, only_fallbacks: bool = False
) -> tuple[Transcript, list[Row]]:
    """A copy of the transcript graded by `backend`, and a row per criterion, overall and follow-up."""
    lang: Lang = t.plan.lang
    new = t.model_copy(deep=True)
    new.provider, new.model, new.prompt_hashes = backend.provider, backend.model, backend.prompt_hashes
    rows: list[Row] = []
    for old, rec in zip(t.records, new.records, strict=True):
        if not rec.answers() and not rec.skipped:
            continue
        if only_fallbacks and not any(c.fallback and c.step == "grade" for c in old.calls):
            continue
        outcome = await backend.grade(
            GradeRequest(question=rec.question, turns=for_backend(rec.turns), lang=lang)
        )
        rec.feedback, rec.status = outcome.value, "graded"
        rec.calls = [c for c in rec.calls if c.step != "grade"] + outcome.calls
        before = {c.criterion_id: c.score for c in old.feedback.criteria} if old.feedback else {}
        why = _stood_in(outcome.calls)
        for c in outcome.value.criteria:
            was = str(before.get(c.criterion_id, "–"))
            rows.append(Row(rec.question.id, c.criterion_id, was, str(c.score), why))
        was = f"{old.feedback.overall:.2f}" if old.feedback else "–"
        rows.append(Row(rec.question.id, "overall", was, f"{outcome.value.overall:.2f}", why))
        if follow_ups:
            rows += await _redecide(rec, backend, lang, t.plan.follow_ups)
    return new, rows


async def _redecide(rec: QuestionRecord, backend: Backend, lang: Lang, limit: int) -> list[Row]:
    """Ask the backend again at every point where a follow-up was decided, on the same answers."""
    rows: list[Row] = []
    asked = 0
    for i, turn in enumerate(rec.turns):
        if turn.role != "interviewer" or turn.kind not in ("follow_up", "deepen"):
            continue
        request = FollowUpRequest(
            question=rec.question, turns=for_backend(rec.turns[:i]), lang=lang, remaining=limit - asked
        )
        outcome = await backend.follow_up(request)
        decision = outcome.value
        after = decision.text if decision.action == "ask" and decision.text else "(move on)"
        rows.append(
            Row(rec.question.id, f"follow-up {asked + 1}", turn.text, after, _stood_in(outcome.calls))
        )
        asked += 1
    return rows
