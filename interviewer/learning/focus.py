"""`practice --focus weak`: the questions whose key points most need work, first."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from .cards import CardStore
from .drill import end_of_day


def weak_questions(cards: CardStore, now: datetime) -> list[str]:
    """Question ids with a review card, those with the most cards due today first, then the most cards,
    then the least stable (the ones forgotten soonest)."""
    due_by = end_of_day(now)
    rows = cards.cards()
    due = Counter(c.question_id for c in rows if c.due < due_by)
    total = Counter(c.question_id for c in rows)
    weakest: dict[str, float] = {}
    for c in rows:
        stability = c.stability if c.stability is not None else 0.0
        weakest[c.question_id] = min(weakest.get(c.question_id, stability), stability)
    return sorted(total, key=lambda q: (-due[q], -total[q], weakest[q], q))
