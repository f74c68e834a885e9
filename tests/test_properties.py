"""Arbitrary input never crashes the loader, the matcher, the offline backend or the plain-mode reader."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviewer.bank import BankError, load_bank
from interviewer.domain import LANGS, Feedback, Question
from interviewer.events import Answer, Command
from interviewer.llm.base import GradeRequest
from interviewer.llm.offline import grade
from interviewer.matching import analyse, clean_answer
from interviewer.plain import AnswerReader, EndOfInput
from tests.helpers import answer_turn, question_data

Q = Question.model_validate(question_data())
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=2000)


@FAST
@given(text)
def test_matching_never_crashes(raw: str) -> None:
    for s in analyse(clean_answer(raw)):
        assert s.text.strip()


@FAST
@given(text, st.sampled_from(LANGS))
def test_grading_any_text_gives_valid_feedback(raw: str, lang: str) -> None:
    answer = clean_answer(raw)
    fb = grade(GradeRequest(question=Q, turns=[answer_turn(answer)], lang=lang))  # type: ignore[arg-type]
    assert isinstance(fb, Feedback) and 1 <= fb.overall <= 5
    for c in fb.criteria:
        assert all(" ".join(q.casefold().split()) in " ".join(answer.casefold().split()) for q in c.evidence)


@FAST
@given(st.binary(max_size=3000))
def test_loader_reports_garbage_as_bank_errors(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = Path(tmp_path_factory.mktemp("bank")) / "any.yaml"
    path.write_bytes(data)
    try:
        load_bank([path], include_builtin=False)
    except BankError as exc:
        assert exc.problems and all("\n" not in p and p.startswith(str(path)) for p in exc.problems)


@FAST
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=80), max_size=12
    )
)
def test_plain_reader_turns_any_lines_into_one_action(lines: list[str]) -> None:
    feed = iter(lines)

    def read() -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    try:
        action = AnswerReader(read).read()
    except EndOfInput:
        assert not any(line.strip() for line in lines if line.strip() != ".")
        return
    # `/why` on a line of its own is the one line that is no action (plain mode answers it at once).
    assert isinstance(action, Answer | Command) or (action == "why" and "/why" in [x.strip() for x in lines])
