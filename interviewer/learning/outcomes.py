"""Per key point, how a graded answer fared: the judgement the review cards are scheduled from.

The offline judge reads claims (a wrong claim decides the point); a model's grade can only lower what it
credits, never raise it: a point the grade lists as missed is at most mentioned.
"""

from __future__ import annotations

from ..domain import Lang, PointOutcome, PointStatus, QuestionRecord
from ..grading.combine import Assessment
from ..grading.encoder import Encoder
from ..llm.offline import coverage

_QUOTE = 400


def judge_points(record: QuestionRecord, lang: Lang, encoder: Encoder | None) -> list[PointOutcome]:
    """Empty for a record without a grade, or skipped without an answer: nothing was shown about the
    points. "I don't know" with no answer misses every point."""
    if record.feedback is None:
        return []
    if not record.answers():
        if not any(t.kind == "idk" for t in record.turns):
            return []
        return [PointOutcome(key_point_id=kp.id, status="missing") for kp in record.question.key_points]
    judged, _ = coverage(record.question, record.turns, lang, encoder)
    missed = {m.key_point_id for m in record.feedback.missed}
    out = []
    for kp in record.question.key_points:
        p = judged.points[kp.id]
        status: PointStatus = p.status
        if status == "explained" and kp.id in missed:
            status = "mentioned"
        deepened = status == "explained" and _deepened(record, kp.id, lang, encoder)
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


def _deepened(record: QuestionRecord, kp_id: str, lang: Lang, encoder: Encoder | None) -> bool:
    """The deeper follow-up on the point was asked and the answers after it still show the point."""
    turns = record.turns
    asked = [i for i, t in enumerate(turns) if t.kind == "deepen" and t.target == kp_id]
    if not asked:
        return False
    after = turns[asked[0] :]
    if not any(t.role == "candidate" and t.kind == "answer" and t.text and not t.no_answer for t in after):
        return False
    judged: Assessment = coverage(record.question, after, lang, encoder)[0]
    return judged.points[kp_id].status in ("explained", "mentioned")
