"""Per key point, how a graded answer fared: the judgement the review cards are scheduled from.

Graded offline, the offline judge decides, meaning included. Graded by a model, the model judged meaning:
a point it lists as missed is missing (or mentioned, when the answer names it), the others explained; a
wrong claim found by its exact cues decides the point either way, as it caps a model's grade. Either way
no encoder is loaded that the grade itself did not need.
"""

from __future__ import annotations

from ..domain import Lang, PointOutcome, PointStatus, QuestionRecord
from ..grading.combine import PointJudgement
from ..grading.encoder import Encoder
from ..llm.offline import coverage

_QUOTE = 400


def model_graded(record: QuestionRecord) -> bool:
    """Whether a model (not the offline grader, nor it standing in) gave the record's latest grade."""
    grades = [c for c in record.calls if c.step == "grade"]
    return bool(grades) and grades[-1].provider != "offline" and not grades[-1].fallback


def judge_points(record: QuestionRecord, lang: Lang, encoder: Encoder | None) -> list[PointOutcome]:
    """Empty for a record without a grade, or skipped without an answer: nothing was shown about the
    points. "I don't know" with no answer misses every point. `encoder` is used only if the record was
    graded offline (its calls say which)."""
    if record.feedback is None:
        return []
    if not record.answers():
        if not any(t.kind == "idk" for t in record.turns):
            return []
        return [PointOutcome(key_point_id=kp.id, status="missing") for kp in record.question.key_points]
    by_model = model_graded(record)
    judged, _ = coverage(record.question, record.turns, lang, None if by_model else encoder)
    missed = {m.key_point_id for m in record.feedback.missed}
    out = []
    for kp in record.question.key_points:
        p = judged.points[kp.id]
        status = _by_model(p, kp.id in missed) if by_model else _offline(p.status, kp.id in missed)
        deepened = status == "explained" and _deepened(record, kp.id, lang, encoder, by_model)
        out.append(
            PointOutcome(
                key_point_id=kp.id,
                status=status,
                deepened=deepened,
                misconception_id=p.misconception.id if p.misconception is not None else None,
                quote=p.evidence[0][:_QUOTE] if p.evidence else None,
            )
        )
    return out


def _offline(status: PointStatus, missed: bool) -> PointStatus:
    return "mentioned" if status == "explained" and missed else status


def _by_model(p: PointJudgement, missed: bool) -> PointStatus:
    if p.status == "wrong":
        return "wrong"
    if missed:
        return "mentioned" if p.status in ("explained", "mentioned") else "missing"
    return "explained"


def _deepened(
    record: QuestionRecord, kp_id: str, lang: Lang, encoder: Encoder | None, by_model: bool
) -> bool:
    """The deeper follow-up on the point was answered, and (graded offline) that answer still shows the
    point; a model graded the whole thread, that answer included."""
    turns = record.turns
    asked = [i for i, t in enumerate(turns) if t.kind == "deepen" and t.target == kp_id]
    if not asked:
        return False
    after = turns[asked[0] :]
    if not any(t.role == "candidate" and t.kind == "answer" and t.text and not t.no_answer for t in after):
        return False
    if by_model:
        return True
    return coverage(record.question, after, lang, encoder)[0].points[kp_id].status in (
        "explained",
        "mentioned",
    )
