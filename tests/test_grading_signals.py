"""Each grading signal on its own, table-driven, then the rules that combine them (fake encoder)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from interviewer.domain import Question
from interviewer.grading.assess import assess
from interviewer.grading.context import AnswerContext
from interviewer.grading.encoder import Encoder
from interviewer.grading.signals.lexical import CueSignal
from interviewer.grading.signals.meaning import MeaningSignal
from interviewer.grading.signals.misconception import WrongClaimSignal
from interviewer.grading.signals.specifics import SpecificsSignal, is_concrete, kinds_in
from interviewer.matching import analyse
from tests.helpers import question_data


class WordHashEmbedder:
    """Deterministic vectors from word hashes: texts sharing words are close, as a stand-in encoder."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(".", " ").replace(",", " ").split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        return out


def question(**changes: object) -> Question:
    data = question_data()  # its first key point carries the "key-from-server" misconception
    data.update(changes)
    return Question.model_validate(data)


def ctx(text: str, q: Question | None = None) -> AnswerContext:
    return AnswerContext.of(q or question(), "en", analyse(text))


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("The client sends an idempotency key with each request so retries can be recognised.", "explained"),
        ("idempotency key, retries, locks", "mentioned"),
        ("I don't know what an idempotency key is.", None),
    ],
    ids=["explained", "list", "dont-know"],
)
def test_cue_signal(text: str, depth: str | None) -> None:
    found = [f for f in CueSignal().observe(ctx(text)) if f.key_point == "idempotency-key"]
    assert (found[0].depth if found else None) == depth


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("The server generates a fresh idempotency key for each request.", True),
        ("The client generates the idempotency key and the server only stores it.", False),
        ("서버가 요청마다 멱등 키를 만들어서 붙입니다.", True),
    ],
    ids=["wrong-en", "right-en", "wrong-ko"],
)
def test_wrong_claim_signal_by_cues(text: str, wrong: bool) -> None:
    found = WrongClaimSignal().observe(ctx(text))
    assert bool(found) is wrong
    assert all(f.kind == "contradicts" and f.detail == "key-from-server" for f in found)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("p95 latency went from 900 ms to 210 ms after the change.", {"number", "before-after"}),
        ("지연 시간이 900ms에서 210ms로 줄었습니다.", {"number", "before-after"}),
        ("We ran an A/B test against the old ranking as the control group.", {"comparison", "own-role"}),
        (
            "I decided to keep Postgres instead of adding a queue, and the trade-off was latency.",
            {"own-role", "trade-off"},
        ),
        ("제가 설계했고, 대신 운영 부담이 늘어나는 단점은 감수했습니다.", {"own-role", "trade-off"}),
        ("We used the latest state-of-the-art models and improved performance a lot.", {"own-role"}),
        ("최신 모델을 써서 성능을 많이 올렸고 임팩트가 컸습니다.", set()),
    ],
    ids=[
        "en-before-after",
        "ko-before-after",
        "ab-test",
        "en-role-tradeoff",
        "ko-role-tradeoff",
        "buzz-en",
        "buzz-ko",
    ],
)
def test_specific_kinds(text: str, kinds: set[str]) -> None:
    assert kinds_in(text) == kinds


def test_specifics_credit_the_points_that_ask_for_them() -> None:
    data = question_data()
    data["key_points"][1]["specifics"] = ["number", "before-after"]  # type: ignore[index]
    q = Question.model_validate(data)
    text = (
        "Our clients send an idempotency key with every payment request. "
        "After I shipped the change, the duplicate charge rate went from 0.4% to 0.01% of payments."
    )
    found = SpecificsSignal().observe(ctx(text, q))
    assert {(f.key_point, f.detail) for f in found} == {
        ("stored-result", "number"),
        ("stored-result", "before-after"),
    }
    result = assess(q, analyse(text), "en", None)
    assert (
        result.points["stored-result"].status == "explained"
        and result.points["stored-result"].how == "specifics"
    )
    generic = assess(
        q, analyse("It had a big impact on the business and everyone was happy with it."), "en", None
    )
    assert generic.generic and not assess(q, analyse(text), "en", None).generic
    assert is_concrete(ctx(text, q))
    # The same numbers in an answer about something else show nothing about this question.
    off_topic = "After I shipped the new oven, my bread baking time went from 90 to 40 minutes."
    assert assess(q, analyse(off_topic), "en", None).points["stored-result"].status == "missing"


def test_a_wrong_claim_decides_its_point_even_next_to_the_right_words() -> None:
    text = (
        "We store the result under the idempotency key so a retry gets the same response. "
        "The server generates a new idempotency key for every request."
    )
    result = assess(question(), analyse(text), "en", None)
    point = result.points["idempotency-key"]
    assert point.status == "wrong" and point.how == "wrong-claim"
    assert point.evidence == ("The server generates a new idempotency key for every request.",)
    assert point.misconception is not None and point.misconception.id == "key-from-server"


def test_meaning_credits_a_close_sentence_and_not_a_restated_question() -> None:
    q = question()
    encoder = Encoder(WordHashEmbedder())
    kp = q.key_points[0].text.en
    close = MeaningSignal(encoder).observe(ctx(kp, q))
    assert any(f.key_point == "idempotency-key" and f.kind == "supports" for f in close)
    restated = MeaningSignal(encoder).observe(ctx(q.text.en, q))
    assert not [f for f in restated if f.kind == "supports"]


def test_meaning_never_credits_a_negated_sentence() -> None:
    q = question()
    negated = "The client does not send a unique idempotency key and the server detects repeats by it."
    found = MeaningSignal(Encoder(WordHashEmbedder())).observe(ctx(negated, q))
    assert not [f for f in found if f.key_point == "idempotency-key" and f.kind == "supports"]


def test_specifics_count_only_in_the_candidates_own_story() -> None:
    """Technical prose is full of numbers and trade-offs; they are not a project's evidence."""
    data = question_data()
    data["key_points"][1]["specifics"] = ["number", "trade-off"]  # type: ignore[index]
    q = Question.model_validate(data)
    prose = "A page is usually 4 KB, and a larger page trades memory for fewer TLB misses instead of more."
    assert SpecificsSignal().observe(ctx(prose, q)) == []


def test_the_vector_cache_keeps_bank_texts_only_and_survives_damage(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    class Counting(WordHashEmbedder):
        def encode(self, texts: list[str]) -> np.ndarray:
            calls.append(list(texts))
            return super().encode(texts)

    first = Encoder(Counting(), cache_dir=tmp_path)
    first.encode(["a key point text"], keep=True)
    first.encode(["a candidate's own sentence"])
    first.save()
    (cache,) = tmp_path.glob("embeddings-*.npz")
    with np.load(cache) as saved:
        assert len(saved["keys"]) == 1  # the candidate's sentence stays in memory only
    calls.clear()
    again = Encoder(Counting(), cache_dir=tmp_path)
    again.encode(["a key point text"], keep=True)
    assert calls == []  # read from the cache
    cache.write_bytes(b"not an npz file")
    Encoder(Counting(), cache_dir=tmp_path).encode(["a key point text"], keep=True)
    assert calls == [["a key point text"]]  # a damaged cache is encoded afresh, not an error
