"""The shipped bank's key points, as the background a meaning match is checked against.

A sentence encoder scores "keys and values of earlier tokens are kept in a KV cache" close to a caching
strategy's key point; it is closer still to the attention question's own point. A sentence credits a point
by meaning only when no other question's point is clearly closer, so answers to other questions earn
nothing however much vocabulary they share.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..bank import BankError, load_bank


@lru_cache(maxsize=2)
def reference_points(cache_dir: Path | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(texts, the question id each belongs to): every key point text of the shipped bank, both languages."""
    try:
        bank = load_bank(cache_dir=cache_dir)
    except BankError:
        return (), ()  # a broken install: the per-question checks still apply
    texts: list[str] = []
    owners: list[str] = []
    for q in bank.questions.values():
        for kp in q.key_points:
            texts += [kp.text.ko, kp.text.en]
            owners += [q.id, q.id]
    return tuple(texts), tuple(owners)


def reference_texts(cache_dir: Path | None) -> list[str]:
    return list(reference_points(cache_dir)[0])
