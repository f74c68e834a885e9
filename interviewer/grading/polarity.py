"""Whether a sentence negates what it says, for telling "X is Y" from "X is not Y"."""

from __future__ import annotations

import re

_NEGATION = re.compile(
    r"\b(?:not|never|cannot|can't|cant|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|won't|wouldn't"
    r"|shouldn't|hasn't|haven't|no\s+longer)\b"
    # Korean predicate negation; "없이" (without) and "아니라" (not X but Y) do not deny the claim.
    r"|않|없(?:다|습니다|어요|어서|고|는|을|음|죠|지)|아니(?:다|에요|예요|고|며)|아닙니다|아닌|못\s|못하"
)
# "not X but Y", "instead of", "X 대신 Y", "X가 아니라 Y": the negation sets up the true claim.
_CONTRAST = re.compile(r"\b(?:instead|rather|but|whereas|unlike|only)\b|대신|아니라|아니고|반면|보다는|뿐")


def negated(norm: str) -> bool:
    """An odd number of negations: the sentence denies rather than asserts."""
    return len(_NEGATION.findall(norm)) % 2 == 1


def contrastive(norm: str) -> bool:
    return bool(_CONTRAST.search(norm))
