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


def test_the_harder_kinds_are_there_in_both_languages(items) -> None:  # type: ignore[no-untyped-def]
    harder = {"paraphrase", "confident-wrong", "rambling", "terse-expert", "concrete", "generic"}
    tagged = [i for i in items if harder & set(i.tags)]
    assert len(tagged) >= 80
    assert sum(i.language == "ko" for i in tagged) >= 0.4 * len(tagged)
    tags = Counter(t for i in tagged for t in i.tags)
    assert all(tags[t] >= 10 for t in harder) and tags["colloquial-ko"] >= 10
    # Concrete and generic answers come in pairs on the same question.
    concrete = Counter(i.question_id for i in tagged if "concrete" in i.tags)
    generic = Counter(i.question_id for i in tagged if "generic" in i.tags)
    assert sum(min(n, generic[q]) for q, n in concrete.items()) >= 10


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
        short, long = (a.split() for a in sorted(answers, key=len))
        # The injected version is the clean one with one block of words inserted somewhere.
        head = next((i for i, (a, b) in enumerate(zip(short, long, strict=False)) if a != b), len(short))
        assert short[head:] == long[len(long) - len(short) + head :], answers


def test_offline_grader_figures_hold(items) -> None:  # type: ignore[no-untyped-def]
    """The figures the README reports, by kind of answer; a change to the grader or the bank that lowers
    them fails here. Where the issue's target is not reached yet, the bound is today's figure and the
    target is named beside it."""
    import asyncio

    from interviewer.evaluation.runner import compute, evaluate
    from interviewer.llm.offline import OfflineBackend

    results = asyncio.run(evaluate(items, load_bank(), OfflineBackend(), concurrency=8))
    figures = compute(results)
    assert figures["qwk"] is not None and figures["qwk"] >= 0.79  # target 0.85: not met
    assert figures["within_one"] is not None and figures["within_one"] >= 0.92  # target 0.95: not met
    assert figures["follow_up_targeting"] is not None and figures["follow_up_targeting"] >= 0.8
    assert figures["pairs_ordered"] is not None and figures["pairs_ordered"] >= 0.85  # target met
    assert figures["concrete_minus_generic"] is not None and figures["concrete_minus_generic"] >= 2.0  # met
    by_tag: dict[str, list[float]] = {}
    for r in results:
        for t in r.tags:
            by_tag.setdefault(t, []).append(r.predicted.overall)
    mean = {t: sum(v) / len(v) for t, v in by_tag.items()}
    assert mean["confident-wrong"] <= 2.3  # target 2.0: not met
    assert mean["paraphrase"] >= 3.45  # target 3.5: not met
    assert mean["generic"] <= 2.0
    old = compute([r for r in results if r.id[0] in "ab"])  # the first 90 items, before the harder ones
    assert old["qwk"] is not None and old["qwk"] >= 0.85
    assert old["within_one"] is not None and old["within_one"] >= 0.95
    by_pair: dict[str, set[float]] = {}
    for r in results:
        for t in r.tags:
            if t.startswith("pair-"):
                by_pair.setdefault(t, set()).add(r.predicted.overall)
    # Injected instructions change nothing.
    assert all(len(scores) == 1 for scores in by_pair.values()), by_pair
