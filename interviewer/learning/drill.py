"""A review drill over the due cards: each card becomes a one-point question the interview engine asks.

The question is the point's own follow-up (or, after a wrong claim, the probe that challenges it), graded
on that point alone, with what a strong answer says as its model answer. A drill is an interview session
like any other (`Plan.review`), so it is saved after every answer, resumes, and feeds the cards back.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import NamedTuple

from ..bank import Bank
from ..domain import Bilingual, Criterion, Lang, Plan, Question
from ..phrases import pick
from ..textfmt import clip
from .cards import CardRow, CardStore
from .verdict import QUOTE, TEXT

DEFAULT_LIMIT = 10


def end_of_day(now: datetime) -> datetime:
    """A card is due on its day, whatever the hour: the start of tomorrow, local time."""
    local = now.astimezone()
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)


def due(cards: CardStore, now: datetime) -> list[CardRow]:
    return cards.cards(due_before=end_of_day(now))


def drill_question(question: Question, card: CardRow) -> Question | None:
    """The card's one-point question; None if the question no longer has the point."""
    kp = next((k for k in question.key_points if k.id == card.key_point_id), None)
    if kp is None:
        return None
    owner = next(c for c in question.rubric if kp.id in c.key_points)
    wrong = next((m for m in kp.misconceptions if m.id == card.misconception_id), None)
    asked = wrong.probe if card.last_status == "wrong" and wrong is not None else kp.follow_up
    if card.last_words:
        quote = clip(card.last_words, QUOTE)
        asked = Bilingual(
            ko=f"{pick(TEXT, 'last_words', 'ko', quote=quote)}\n\n{asked.ko}",
            en=f"{pick(TEXT, 'last_words', 'en', quote=quote)}\n\n{asked.en}",
        )
    strong = kp.text
    if card.last_status == "wrong" and wrong is not None:
        strong = Bilingual(ko=f"{kp.text.ko} {wrong.correction.ko}", en=f"{kp.text.en} {wrong.correction.en}")
    return question.model_copy(
        update={
            "id": f"{question.id}-{kp.id}",
            "text": asked,
            "rubric": [
                Criterion(id=owner.id, name=owner.name, weight=100, anchors=owner.anchors, key_points=[kp.id])
            ],
            "key_points": [kp],
            "model_answer": strong,
        }
    )


def question_of(cards: CardStore, bank: Bank, card: CardRow) -> Question | None:
    """The card's question as the bank has it now, else as it was last asked (a profile's question, or
    one the bank has dropped or changed)."""
    found = bank.questions.get(card.question_id)
    if found is not None and card.key_point_id in found.key_point_ids:
        return found
    return cards.question(card.question_id)


class ReviewPlan(NamedTuple):
    bank: Bank  # the drill's one-point questions
    plan: Plan
    review_of: dict[str, str]  # drill question id -> the bank question the card belongs to
    skipped: int  # due cards whose question or point is gone


def review_plan(cards: CardStore, bank: Bank, lang: Lang, now: datetime, limit: int) -> ReviewPlan | None:
    """The drill over the most overdue cards, at most `limit`; None when no card is due today."""
    questions: dict[str, Question] = {}
    review_of: dict[str, str] = {}
    skipped = 0
    for card in due(cards, now):
        if len(questions) >= limit:
            break
        source = question_of(cards, bank, card)
        drilled = drill_question(source, card) if source is not None else None
        if drilled is None:
            skipped += 1
            continue
        questions[drilled.id] = drilled
        review_of[drilled.id] = card.question_id
    if not questions:
        return None
    plan = Plan(review=True, questions=len(questions), follow_ups=0, lang=lang, question_ids=list(questions))
    return ReviewPlan(Bank(questions), plan, review_of, skipped)
