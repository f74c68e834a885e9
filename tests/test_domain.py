"""Domain models and the semantic checks every backend's output must pass."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from interviewer.domain import Feedback, FollowUpDecision, Question, matches_language
from tests.helpers import question_data

Q = Question.model_validate(question_data())
ANSWER = "We keep an idempotency key per request. The stored response is returned to retries."


def feedback(scores: dict[str, int], evidence: dict[str, list[str]] | None = None) -> dict[str, Any]:
    weights = {c.id: c.weight for c in Q.rubric}
    evidence = evidence or {}
    return {
        "criteria": [
            {
                "criterion_id": cid,
                "weight": weights.get(cid, 40),
                "score": s,
                "evidence": evidence.get(cid, []),
            }
            for cid, s in scores.items()
        ]
    }


def check(data: dict[str, Any]) -> Feedback:
    return Feedback.model_validate(data, context={"question": Q, "answer": ANSWER})


def test_overall_is_the_weighted_mean_computed_in_code() -> None:
    data = feedback(
        {"mechanism": 4, "edge-cases": 1}, {"mechanism": ["We keep an idempotency key per request."]}
    )
    data["overall"] = 5  # whatever a model claims is replaced
    assert check(data).overall == pytest.approx(0.6 * 4 + 0.4 * 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (feedback({"mechanism": 1}), "weights sum to 60"),
        (feedback({"mechanism": 1, "other": 1}), "must be exactly the rubric's"),
        (feedback({"mechanism": 6, "edge-cases": 1}), "less than or equal to 5"),
        (feedback({"mechanism": 3, "edge-cases": 1}), "scores 3 without quoted evidence"),
        (
            feedback(
                {"mechanism": 3, "edge-cases": 1}, {"mechanism": ["a sentence the candidate never said"]}
            ),
            "is not in the answer",
        ),
    ],
)
def test_feedback_checks(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check(data)


def test_evidence_match_ignores_case_and_spacing() -> None:
    data = feedback({"mechanism": 3, "edge-cases": 1}, {"mechanism": ["the  STORED response is returned"]})
    assert check(data).score_of("mechanism") == 3


def decide(data: dict[str, Any], lang: str = "en", asked: list[str] | None = None) -> FollowUpDecision:
    return FollowUpDecision.model_validate(data, context={"question": Q, "lang": lang, "asked": asked or []})


def test_follow_up_checks() -> None:
    ok = decide({"action": "ask", "text": "Where do the keys live?", "target": "idempotency-key"})
    assert ok.action == "ask"
    with pytest.raises(ValidationError, match="needs the follow-up text"):
        decide({"action": "ask"})
    with pytest.raises(ValidationError, match="not a key point"):
        decide({"action": "ask", "text": "Why?", "target": "nope"})
    with pytest.raises(ValidationError, match="repeats a question"):
        decide({"action": "ask", "text": "Where do the KEYS live? "}, asked=["where do the keys live?"])
    with pytest.raises(ValidationError, match="session language"):
        decide({"action": "ask", "text": "Where do the keys live?"}, lang="ko")
    assert decide({"action": "move_on"}).text is None


def test_language_check_allows_english_terms_in_korean() -> None:
    assert matches_language("TCP 3-way handshake는 어떤 순서로 진행되나요?", "ko")
    assert not matches_language("키는 어디에 저장하나요?", "en")


def test_question_model_is_strict() -> None:
    data = question_data()
    data["rubric"][0]["weight"] = "60"  # type: ignore[index]
    assert Question.model_validate(data).rubric[0].weight == 60
    data["unexpected"] = True
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Question.model_validate(data)
