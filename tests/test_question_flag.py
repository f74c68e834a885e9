"""`practice --question ID`: a session of exactly the questions named, in that order."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.bank import Bank, load_bank
from interviewer.cli import build_parser
from interviewer.commands import CliError
from interviewer.commands.practice import requested_plan
from interviewer.domain import MAX_QUESTIONS, Plan, Question
from interviewer.store import Store, load_transcript
from tests.helpers import question_data
from tests.hostile import Sandbox, one_line_error, sandbox  # noqa: F401

PLAIN = ["practice", "--plain", "--follow-ups", "0", "--lang", "en"]
IDEMPOTENT, BALANCING, CACHING = (
    "backend/idempotent-apis",
    "backend/load-balancing",
    "backend/caching-strategies",
)


def _asked(box: Sandbox) -> list[str]:
    (path,) = box.sessions.glob("*.json")
    return [r.question.id for r in load_transcript(path).records]


def test_select_takes_the_named_questions_in_order_and_refuses_an_unknown_one() -> None:
    bank = load_bank()
    plan = Plan(track="mle", categories=["coding"], max_difficulty=1, question_ids=[CACHING, IDEMPOTENT])
    assert [q.id for q in bank.select(plan)] == [CACHING, IDEMPOTENT]  # the filters do not apply
    with pytest.raises(KeyError, match="backend/nope"):
        bank.select(Plan(question_ids=[IDEMPOTENT, "backend/nope"]))


def test_repeated_and_comma_separated_ids_make_one_session_in_that_order(sandbox: Sandbox) -> None:
    argv = [*PLAIN, "--question", f"{CACHING},{IDEMPOTENT}", "--question", BALANCING, "--category", "coding"]
    result = sandbox.run(*argv, stdin="/end\n")
    assert result.code == 0, result.err
    assert _asked(sandbox) == [CACHING, IDEMPOTENT, BALANCING]
    assert "[1/3]" in result.out
    (path,) = sandbox.sessions.glob("*.json")
    plan = load_transcript(path).plan
    assert plan.questions == 3 and plan.question_ids == [CACHING, IDEMPOTENT, BALANCING]
    assert plan.categories == []  # --category does not apply


def test_the_named_question_is_answered_and_graded(sandbox: Sandbox) -> None:
    typed = "The client sends an idempotency key and the server stores the result under it.\n.\n"
    assert sandbox.run(*PLAIN, "--question", IDEMPOTENT, stdin=typed).code == 0
    (path,) = sandbox.sessions.glob("*.json")
    (record,) = load_transcript(path).records
    assert record.question.id == IDEMPOTENT and record.feedback is not None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (
            "backend/idempotent-api",
            ["'backend/idempotent-api'", "did you mean 'backend/idempotent-apis'", "bank list"],
        ),
        ("zzz", ["unknown question id 'zzz'", "bank list"]),
        ("backend/nope,coding/nope-too", ["ids", "'backend/nope'", "'coding/nope-too'"]),
        (f"{IDEMPOTENT},{BALANCING},{IDEMPOTENT}", ["more than once", IDEMPOTENT]),
    ],
)
def test_a_bad_id_is_one_line_exit_2_and_starts_nothing(
    sandbox: Sandbox, value: str, words: list[str]
) -> None:
    result = sandbox.run(*PLAIN, "--question", value, stdin="an answer\n.\n")
    one_line_error(result, 2, *words)
    assert not sandbox.sessions.exists() or not list(sandbox.sessions.glob("*.json"))


def test_more_questions_than_a_session_holds_is_refused(tmp_path: Path) -> None:
    questions = [Question.model_validate(question_data(f"backend/q{i}")) for i in range(MAX_QUESTIONS + 1)]
    bank = Bank({q.id: q for q in questions})
    args = build_parser().parse_args(["practice", "--question", ",".join(bank.questions)])
    with pytest.raises(CliError, match=f"at most {MAX_QUESTIONS} questions per session, got 101"):
        requested_plan(args, bank, Store(tmp_path))
    args.question.pop()
    args.question.append(",".join(list(bank.questions)[:MAX_QUESTIONS]))
    request = requested_plan(args, bank, Store(tmp_path))
    assert request is not None and request.plan.questions == MAX_QUESTIONS


def test_no_flag_asks_for_nothing_by_name(tmp_path: Path) -> None:
    args = build_parser().parse_args(["practice", "--category", "coding"])
    assert requested_plan(args, load_bank(), Store(tmp_path)) is None


def test_the_plan_a_front_end_starts_from(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["practice", "--question", BALANCING, "--lang", "ko", "--track", "backend", "--follow-ups", "1"]
    )
    request = requested_plan(args, load_bank(), Store(tmp_path))
    assert request is not None and request.earlier == {}
    assert request.plan.model_dump(include={"question_ids", "questions", "lang", "track", "follow_ups"}) == {
        "question_ids": [BALANCING],
        "questions": 1,
        "lang": "ko",
        "track": "backend",
        "follow_ups": 1,
    }


def test_help_says_the_other_filters_do_not_apply(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["practice", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert (
        "--question ID" in shown
        and "--category, --questions, --difficulty and --seed then do not apply" in shown
    )
    assert "--retry SESSION_ID[:QUESTION_ID]" in shown
