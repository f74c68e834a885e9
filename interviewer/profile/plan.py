"""A session that starts with a profile's round: the bank holding the round's questions, and a plan of the
round followed by the bank's own pick for the rest. Both front ends build it here."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..bank import Bank
from ..domain import Plan
from .model import Profile
from .questions import PROJECT_TEMPLATE, STORY_TEMPLATE, Mix, project_round

if TYPE_CHECKING:
    from ..settings import Settings


class RoundPlan(NamedTuple):
    bank: Bank
    plan: Plan
    sources: dict[str, str]  # by question id, the profile excerpt it came from


def with_round(
    profile: Profile, bank: Bank, base: Plan, mix: Mix, settings: Settings | None
) -> RoundPlan | None:
    """`base` as the candidate chose it, with the round first (cut to `base.questions`); None when the
    profile holds nothing to ask about (no project, listed technology or career move)."""
    made = project_round(profile, bank, base.lang, mix, settings)
    asked = made.questions[: base.questions]
    if not asked:
        return None
    ids = [q.id for q in asked]
    if len(ids) < base.questions:
        # The bank fills the rest as usual, leaving out the questions the round asked and the bank's own
        # project and storyline questions it was made from.
        skip = {*ids, PROJECT_TEMPLATE, STORY_TEMPLATE}
        rest = Bank({k: v for k, v in bank.questions.items() if k not in skip})
        ids += [q.id for q in rest.select(base.model_copy(update={"questions": base.questions - len(ids)}))]
    plan = Plan.model_validate({**base.model_dump(), "questions": len(ids), "question_ids": ids})
    extended = Bank({**bank.questions, **{q.id: q for q in asked}}, dict(bank.sources))
    return RoundPlan(extended, plan, {q.id: made.sources[q.id] for q in asked if q.id in made.sources})
