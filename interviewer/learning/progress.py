"""Mastery and its trend, per category and per key point, from the review database.

A key point's mastery is what its latest outcome showed (explained 1, mentioned ½, missing or wrong 0);
its change is the latest minus the first. A category's scores are the mean question score of each
interview it was asked in, in time order; drills are left out (one point is not a question's score).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pydantic import BaseModel, Field

from ..domain import Lang
from .cards import CardStore
from .drill import end_of_day
from .schedule import WEAK

VALUE = {"explained": 1.0, "mentioned": 0.5, "missing": 0.0, "wrong": 0.0}
_BARS = "▁▂▃▄▅▆▇█"


class Attempt(BaseModel):
    at: datetime
    status: str
    deepened: bool = False
    review: bool = Field(default=False, description="from a review drill")


class PointProgress(BaseModel):
    question_id: str
    key_point_id: str
    category: str
    text: str | None = Field(default=None, description="the key point, in the language asked for")
    attempts: list[Attempt]
    mastery: float
    change: float = Field(description="latest mastery minus the first")
    due: datetime | None = Field(default=None, description="next review; none when the point has no card")
    due_today: bool = False


class SessionScore(BaseModel):
    session_id: str
    at: datetime
    score: float


class CategoryProgress(BaseModel):
    category: str
    sessions: list[SessionScore]
    mastery: float | None = Field(description="mean mastery of its key points seen so far")
    change: float | None = Field(description="latest session score minus the first")
    weak_points: int


class Progress(BaseModel):
    generated_at: datetime
    cards: int
    due_today: int
    categories: list[CategoryProgress]
    points: list[PointProgress]


def progress(cards: CardStore, lang: Lang, now: datetime) -> Progress:
    by_point: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    category_of: dict[tuple[str, str], str] = {}
    for question_id, kp_id, category, _lang, at, status, deepened, review in cards.outcomes():
        by_point[(question_id, kp_id)].append(Attempt(at=at, status=status, deepened=deepened, review=review))
        category_of[(question_id, kp_id)] = category
    due_by = end_of_day(now)
    card_due = {(c.question_id, c.key_point_id): c.due for c in cards.cards()}
    texts = {
        (question_id, kp.id): kp.text(lang)
        for question_id, question in cards.questions().items()
        for kp in question.key_points
    }
    points = []
    for (question_id, kp_id), attempts in by_point.items():
        values = [VALUE.get(a.status, 0.0) for a in attempts]
        due = card_due.get((question_id, kp_id))
        points.append(
            PointProgress(
                question_id=question_id,
                key_point_id=kp_id,
                category=category_of[(question_id, kp_id)],
                text=texts.get((question_id, kp_id)),
                attempts=attempts,
                mastery=values[-1],
                change=values[-1] - values[0],
                due=due,
                due_today=due is not None and due < due_by,
            )
        )
    points.sort(key=lambda p: (p.category, p.mastery, p.question_id, p.key_point_id))
    return Progress(
        generated_at=now,
        cards=len(card_due),
        due_today=sum(1 for d in card_due.values() if d < due_by),
        categories=_categories(cards, points),
        points=points,
    )


def _categories(cards: CardStore, points: list[PointProgress]) -> list[CategoryProgress]:
    per_session: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    first_at: dict[tuple[str, str], datetime] = {}
    for source, category, at, overall in cards.scores():
        per_session[category][source].append(overall)
        first_at.setdefault((category, source), at)
    names = sorted({*per_session, *(p.category for p in points)})
    out = []
    for category in names:
        sessions = sorted(
            (
                SessionScore(session_id=s, at=first_at[(category, s)], score=round(sum(v) / len(v), 2))
                for s, v in per_session.get(category, {}).items()
            ),
            key=lambda s: (s.at, s.session_id),
        )
        mine = [p for p in points if p.category == category]
        out.append(
            CategoryProgress(
                category=category,
                sessions=sessions,
                mastery=round(sum(p.mastery for p in mine) / len(mine), 2) if mine else None,
                change=round(sessions[-1].score - sessions[0].score, 2) if sessions else None,
                weak_points=sum(1 for p in mine if p.attempts[-1].status in WEAK),
            )
        )
    return out


def sparkline(values: list[float], low: float = 1.0, high: float = 5.0) -> str:
    """Scores as block characters, `low` the lowest bar and `high` the highest."""
    span = high - low or 1.0
    return "".join(_BARS[round((min(max(v, low), high) - low) / span * (len(_BARS) - 1))] for v in values)
