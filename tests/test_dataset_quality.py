"""The shipped labelled dataset meets its bars, and the offline grader's figures on it are reproducible."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from interviewer.bank import load_bank
from interviewer.evaluation.dataset import load_dataset

DATASET = Path(__file__).resolve().parent.parent / "evaluation" / "labelled.yaml"


@pytest.fixture(scope="module")
def items():  # type: ignore[no-untyped-def]
    return load_dataset(DATASET, load_bank())


def test_size_coverage_and_levels(items) -> None:  # type: ignore[no-untyped-def]
    assert len(items) >= 80
    assert len({i.question_id for i in items}) >= 20
    languages = Counter(i.language for i in items)
    assert languages["ko"] >= 30 and languages["en"] >= 30
    assert set(Counter(i.label.overall for i in items)) == {1, 2, 3, 4, 5}


def test_adversarial_items_are_there(items) -> None:  # type: ignore[no-untyped-def]
    tags = Counter(t for i in items for t in i.tags)
    for tag in ("empty", "dont-know", "off-topic", "keyword-list", "injection", "reasoning-aloud"):
        assert tags[tag] >= 1, tag
    pairs: dict[str, list[str]] = {}
    for i in items:
        for t in i.tags:
            if t.startswith("pair-"):
                pairs.setdefault(t, []).append(i.answer)
    assert pairs, "injection items come in pairs: the same answer with and without the instruction"
    for answers in pairs.values():
        assert len(answers) == 2
        short, long = sorted(answers, key=len)
        assert short.strip() in long or all(line in long for line in short.strip().splitlines()), answers
