"""Wrong claims, hints and specifics in the shipped bank: each misconception is heard when asserted and
never in a correct text, each hint guides without naming its point."""

from __future__ import annotations

import pytest

from interviewer.bank import load_bank
from interviewer.domain import LANGS, Question
from interviewer.matching import Index, analyse
from interviewer.resources import cache_dir

BANK = load_bank(cache_dir=cache_dir())  # parsed once per run, not per module
QUESTIONS = sorted(BANK.questions.values(), key=lambda q: q.id)
by_question = pytest.mark.parametrize("q", QUESTIONS, ids=[q.id for q in QUESTIONS])


def fires(cues: list[str], text: str) -> list[str]:
    index = Index(analyse(text))
    return [index.sentences[i].text for i in index.hits(*cues) if index.sentences[i].counts]


@by_question
def test_at_least_three_misconceptions_each_heard_in_its_own_words(q: Question) -> None:
    found = [m for kp in q.key_points for m in kp.misconceptions]
    assert len(found) >= 3, q.id
    for m in found:
        for lang in LANGS:
            assert fires([*m.cues.ko, *m.cues.en], m.claim(lang)), f"{q.id} {m.id}: claim.{lang} not heard"


@by_question
def test_no_misconception_fires_on_a_correct_text(q: Question) -> None:
    correct = [q.model_answer.ko, q.model_answer.en]
    correct += [t for kp in q.key_points for t in (kp.text.ko, kp.text.en)]
    for kp in q.key_points:
        for m in kp.misconceptions:
            cues = [*m.cues.ko, *m.cues.en]
            own = [m.correction.ko, m.correction.en, m.probe.ko, m.probe.en]
            for text in [*correct, *own]:
                assert not fires(cues, text), f"{q.id} {m.id} fires on {text[:80]!r}"


@by_question
def test_every_point_has_a_hint_that_does_not_name_it(q: Question) -> None:
    for kp in q.key_points:
        assert kp.hint is not None, f"{q.id} {kp.id}"
        for lang in LANGS:
            named = fires([*kp.cues.ko, *kp.cues.en], kp.hint(lang))
            assert not named, f"{q.id} {kp.id}: hint.{lang} names the point"


def test_project_and_behavioral_points_ask_for_specifics() -> None:
    for q in QUESTIONS:
        if q.category in ("project", "behavioral"):
            assert any(kp.specifics for kp in q.key_points) or q.id in {
                # Stories of learning and of not knowing need no numbers; capping them would punish good ones.
                "behavioral/learning-new-tech",
                "behavioral/handling-unknowns",
            }, q.id
        else:
            assert not any(kp.specifics for kp in q.key_points), q.id
