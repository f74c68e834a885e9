"""Agreement between predicted and human scores on a 1-5 scale."""

from __future__ import annotations

import math
from collections.abc import Sequence

LEVELS = (1, 2, 3, 4, 5)


def exact(pred: Sequence[int], gold: Sequence[int]) -> float:
    return sum(p == g for p, g in zip(pred, gold, strict=True)) / len(gold) if gold else math.nan


def within_one(pred: Sequence[int], gold: Sequence[int]) -> float:
    return sum(abs(p - g) <= 1 for p, g in zip(pred, gold, strict=True)) / len(gold) if gold else math.nan


def mae(pred: Sequence[float], gold: Sequence[float]) -> float:
    return sum(abs(p - g) for p, g in zip(pred, gold, strict=True)) / len(gold) if gold else math.nan


def quadratic_kappa(pred: Sequence[int], gold: Sequence[int]) -> float:
    """Cohen's kappa with quadratic weights: 1 is perfect agreement, 0 what chance would give."""
    n = len(gold)
    if not n:
        return math.nan
    k = len(LEVELS)
    observed = [[0.0] * k for _ in range(k)]
    for p, g in zip(pred, gold, strict=True):
        observed[g - 1][p - 1] += 1
    gold_hist = [sum(row) for row in observed]
    pred_hist = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            weight = (i - j) ** 2 / (k - 1) ** 2
            num += weight * observed[i][j]
            den += weight * gold_hist[i] * pred_hist[j] / n
    return 1.0 - num / den if den else math.nan


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    if len(xs) < 2:
        return math.nan
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    vy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return cov / (vx * vy) if vx and vy else math.nan


def _ranks(values: Sequence[float]) -> list[float]:
    """Average ranks, so ties share the mean of the positions they occupy."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
