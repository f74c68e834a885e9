"""The one place findings become judgements: ordered rules, each with its reason.

1. A wrong claim (an authored misconception, found by its cues) decides the point: it is "wrong", earns
   nothing and caps its criterion at 2, whatever else the answer says about it.
2. Otherwise the best support wins: an exact term or a close meaning in explanatory prose explains the
   point; a term in a list or a looser meaning only mentions it.
3. A point that asks for concrete evidence (specifics) is explained by two kinds of it, or all it asks
   for; one kind mentions it.
4. An answer to a question that asks for specifics but gives no number, before/after or comparison is
   generic: every criterion is capped at 2 (applied in scoring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..domain import KeyPoint, Misconception
from .context import AnswerContext
from .findings import Finding

Status = Literal["explained", "mentioned", "missing", "wrong"]
How = Literal["term", "meaning", "specifics", "wrong-claim", "none"]
_RANK = {"explained": 2, "mentioned": 1}


@dataclass(frozen=True)
class PointJudgement:
    key_point: str
    status: Status
    how: How
    evidence: tuple[str, ...] = ()  # the candidate's sentences the judgement rests on
    misconception: Misconception | None = None


@dataclass(frozen=True)
class Assessment:
    points: dict[str, PointJudgement]
    generic: bool = False  # asks for specifics, gives none
    ceiling: int = 5  # the most any criterion can score, lowered by wrong claims
    skipped: tuple[str, ...] = field(default=())  # signals that could not run


def judge(
    ctx: AnswerContext, findings: list[Finding], concrete: bool, skipped: tuple[str, ...]
) -> Assessment:
    # Specifics show a point only in an answer that is about the question at all: "I cooked pasta" has
    # an own role in it, and a page size has a number.
    on_topic = any(f.kind == "supports" for f in findings)
    by_point: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind != "specific" or on_topic:
            by_point.setdefault(f.key_point, []).append(f)
    points = {kp.id: _judge_point(ctx, kp, by_point.get(kp.id, [])) for kp in ctx.question.key_points}
    wrong = sum(1 for p in points.values() if p.status == "wrong")
    if wrong >= DOUBT_AFTER:
        points = {k: _doubt(p, by_point.get(k, [])) for k, p in points.items()}
    asks_specifics = any(kp.specifics for kp in ctx.question.key_points)
    ceiling = CEILING_AFTER_WRONG.get(min(wrong, max(CEILING_AFTER_WRONG)), 5)
    return Assessment(points, generic=asks_specifics and not concrete, ceiling=ceiling, skipped=skipped)


DOUBT_AFTER = 1
# A strict interviewer who hears one confident wrong claim on a topic gives no criterion of it top marks;
# after two, none above 2.
CEILING_AFTER_WRONG = {0: 5, 1: 3, 2: 2}


def _doubt(p: PointJudgement, findings: list[Finding]) -> PointJudgement:
    """After a wrong claim, a term alone no longer shows understanding: the point needs its meaning."""
    if p.status != "explained" or p.how != "term":
        return p
    if any(f.signal == "meaning" and f.depth == "explained" for f in findings):
        return p
    return PointJudgement(p.key_point, "mentioned", "term", p.evidence)


def _judge_point(ctx: AnswerContext, kp: KeyPoint, findings: list[Finding]) -> PointJudgement:
    def quote(si: int) -> str:
        return ctx.sentences[si].text

    claims = [f for f in findings if f.kind == "contradicts" and f.signal == "wrong-claim"]
    if claims:
        first = min(claims, key=lambda f: f.sentence)
        m = next(m for m in kp.misconceptions if m.id == first.detail)
        return PointJudgement(kp.id, "wrong", "wrong-claim", (quote(first.sentence),), m)
    supports = [f for f in findings if f.kind == "supports"]
    best = max(
        supports,
        key=lambda f: (_RANK[f.depth], f.signal == "term", f.strength, -f.sentence),
        default=None,
    )
    specific = [f for f in findings if f.kind == "specific"]
    kinds = {f.detail for f in specific}
    need = min(2, len(kp.specifics))
    by_specifics: Status | None = None
    if kp.specifics and kinds:
        by_specifics = "explained" if len(kinds) >= need else "mentioned"
    if best is not None and (by_specifics is None or _RANK[best.depth] >= _RANK[by_specifics]):
        same = [f.sentence for f in supports if f.depth == best.depth and f.signal == best.signal]
        evidence = tuple(dict.fromkeys(quote(si) for si in [best.sentence, *sorted(same)]))[:2]
        how: How = "term" if best.signal == "term" else "meaning"
        return PointJudgement(kp.id, best.depth, how, evidence)
    if by_specifics is not None:
        evidence = tuple(dict.fromkeys(quote(f.sentence) for f in sorted(specific, key=lambda f: f.sentence)))
        return PointJudgement(kp.id, by_specifics, "specifics", evidence[:2])
    return PointJudgement(kp.id, "missing", "none")
