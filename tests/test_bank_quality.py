"""Quality bars for the shipped bank: coverage of topics, tracks and difficulty, specific cues, and
answers to other questions earning nothing."""

from __future__ import annotations

import difflib
from collections import Counter

import pytest

from interviewer.bank import load_bank
from interviewer.domain import LANGS, Lang, Question
from interviewer.llm.base import GradeRequest
from interviewer.llm.offline import grade
from interviewer.matching import Index, analyse, normalize
from interviewer.resources import cache_dir
from tests.helpers import answer_turn
from tests.test_bank import SEED_IDS

BANK = load_bank(cache_dir=cache_dir())  # parsed once per run, not per module
QUESTIONS = sorted(BANK.questions.values(), key=lambda q: q.id)

MIN_PER_CATEGORY = {
    "cs": 14,
    "ml-theory": 12,
    "mlops": 8,
    "system-design": 8,
    "project": 6,
    "behavioral": 6,
    "coding": 4,
    "backend": 6,
    "stack": 40,  # one per technology a résumé names most often, for the profile round
}
MIN_PER_TRACK = 25
REQUIRED = SEED_IDS | {
    # the classics every candidate is asked
    "ml-theory/overfitting-regularization",
    "ml-theory/bias-variance",
    "ml-theory/backpropagation",
    "ml-theory/batch-normalization",
    "ml-theory/attention-transformers",
    "ml-theory/imbalanced-metrics",
    "ml-theory/gradient-descent-variants",
    "cs/url-to-page",
    "cs/http-vs-https",
    "cs/deadlock",
    "cs/virtual-memory",
    "cs/transaction-isolation",
    "cs/python-gil",
    "cs/hash-table",
    "backend/rest-api-design",
    "backend/caching-strategies",
    "backend/rate-limiting",
    "mlops/model-monitoring-drift",
    "mlops/feature-store",
    "mlops/online-vs-batch-inference",
    "mlops/ab-testing-models",
    "system-design/recommendation-service",
    "system-design/ml-training-pipeline",
}
# An answer from a far-away category must earn nothing: this maps each category to one that shares
# no subject matter with it.
UNRELATED = {
    "ml-theory": "backend",
    "backend": "ml-theory",
    "cs": "ml-theory",
    "mlops": "coding",
    "coding": "mlops",
    "system-design": "behavioral",
    "project": "cs",
    "behavioral": "cs",
    # Coding answers are about algorithms, not a tool: the other categories rightly touch a stack's ground
    # (the GIL, backpropagation in PyTorch, asyncio in FastAPI).
    "stack": "coding",
}


def test_counts_per_category_and_track() -> None:
    per_category = Counter(q.category for q in QUESTIONS)
    short = {c: per_category[c] for c, n in MIN_PER_CATEGORY.items() if per_category[c] < n}
    assert not short, f"categories below their minimum: {short}"
    for track in ("mlse", "mle", "backend"):
        assert len(BANK.filter(track=track)) >= MIN_PER_TRACK, track
    assert len(QUESTIONS) >= 60


def test_required_topics_are_present() -> None:
    assert not REQUIRED - set(BANK.questions)


def test_difficulty_spreads_inside_each_category() -> None:
    for category in MIN_PER_CATEGORY:
        levels = {q.difficulty for q in QUESTIONS if q.category == category}
        assert len(levels) >= (2 if category == "coding" else 3), f"{category}: difficulties {sorted(levels)}"


def test_each_category_lives_in_its_own_file() -> None:
    for q in QUESTIONS:
        source = BANK.sources[q.id]
        # A large category may be a folder of its own files instead (question_bank/stack/*.yaml).
        assert q.category in (source.stem, source.parent.name), f"{q.id} is in {source}"


@pytest.mark.parametrize("lang", LANGS)
def test_no_near_duplicate_questions(lang: Lang) -> None:
    texts = [(q.id, normalize(q.text(lang))) for q in QUESTIONS]
    for i, (a_id, a) in enumerate(texts):
        for b_id, b in texts[i + 1 :]:
            ratio = difflib.SequenceMatcher(None, a, b).ratio()
            assert ratio < 0.75, f"{a_id} and {b_id} read almost the same ({ratio:.2f})"


def by_question(f):  # type: ignore[no-untyped-def]
    return pytest.mark.parametrize("q", QUESTIONS, ids=[q.id for q in QUESTIONS])(
        pytest.mark.parametrize("lang", LANGS)(f)
    )


@by_question
def test_answers_to_unrelated_questions_score_1(q: Question, lang: Lang) -> None:
    others = [o for o in QUESTIONS if o.category == UNRELATED[q.category]]
    assert others
    scored = {}
    for o in others:
        fb = grade(GradeRequest(question=q, turns=[answer_turn(o.model_answer(lang))], lang=lang))
        if fb.overall > 1:
            scored[o.id] = (
                fb.overall,
                [
                    s
                    for s in fb.strengths + fb.gaps
                    if "not covered" not in s and "다루지 않았습니다" not in s
                ],
            )
    assert not scored, f"{q.id} [{lang}] gives credit to answers of other questions: {scored}"


# Each model answer as one searchable index: a cue is looked up in all its sentences at once, and the parts
# cues share are searched once per answer (the check grows with the square of the bank).
_ANSWERS = {(q.id, lang): Index(analyse(q.model_answer(lang))) for q in QUESTIONS for lang in LANGS}


@by_question
def test_cues_are_specific(q: Question, lang: Lang) -> None:
    others = [o for o in QUESTIONS if o.id != q.id]
    limit = len(others) / 4
    common = {}
    for kp in q.key_points:
        for cue in kp.cues(lang):
            hits = [o.id for o in others if _ANSWERS[(o.id, lang)].hits(cue)]
            if len(hits) > limit:
                common[cue] = len(hits)
    assert not common, (
        f"{q.id} [{lang}] cues found in the model answers of over a quarter of the others: {common}"
    )
