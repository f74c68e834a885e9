"""Review scheduling with FSRS (the `fsrs` package): a key point's outcome becomes a rating.

Intervals are whole days with no same-day learning steps (practice happens in sessions days apart, not
minutes apart) and no random fuzz, so the same outcomes always give the same schedule: a rebuild from the
transcripts equals the state built one session at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

from ..domain import PointOutcome, PointStatus

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
LAPSE = timedelta(days=1)

# What a strict interviewer would make of each outcome, as a recall rating.
_RATING: dict[PointStatus, Rating] = {
    "wrong": Rating.Again,
    "missing": Rating.Again,
    "mentioned": Rating.Hard,
    "explained": Rating.Good,
}
WEAK: frozenset[PointStatus] = frozenset({"wrong", "missing", "mentioned"})


def rating(outcome: PointOutcome) -> Rating:
    if outcome.status == "explained" and outcome.deepened:
        return Rating.Easy
    return _RATING[outcome.status]


@dataclass(frozen=True)
class Review:
    """One outcome of one key point, at the time the answer was given."""

    at: datetime
    rating: Rating


def replay(reviews: Iterable[Review]) -> Card | None:
    """The card after its reviews in time order; None if the point was never weak. Reviews before the
    first weak one do not count: a card exists from the first time the point was missed."""
    card: Card | None = None
    for r in sorted(reviews, key=lambda r: r.at):
        if card is None:
            if r.rating not in (Rating.Again, Rating.Hard):
                continue
            card = Card(card_id=1, due=r.at)
        card, _ = SCHEDULER.review_card(card, r.rating, review_datetime=r.at.astimezone(UTC))
        if r.rating == Rating.Again:
            # FSRS keeps some stability after a lapse (a point once known well comes back in days); a
            # point just missed in an interview comes back the next day, whatever it was before.
            card.due = min(card.due, r.at.astimezone(UTC) + LAPSE)
    return card
