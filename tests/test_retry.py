"""`practice --retry SESSION_ID[:QUESTION_ID]`: a new session answering a question again, and the report
that puts the attempts side by side."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

import json

import pytest
import yaml

from interviewer.report import build_report, to_markdown
from interviewer.retry import RetryError, retry_plan, split_ref
from interviewer.store import load_transcript
from tests.helpers import question_data
from tests.hostile import Sandbox, one_line_error, sandbox  # noqa: F401

IDEMPOTENT, BALANCING = "backend/idempotent-apis", "backend/load-balancing"
WEAK = "A retry sends the same request.\n.\n"
STRONG = (
    "The client sends an idempotency key; the server stores the result under that key and returns it for "
    "repeats, with a unique constraint so concurrent duplicates are caught.\n.\n"
)
# The offline grader finds these two key points in STRONG and none in WEAK.
GAINED = {"idempotency-key", "concurrent-duplicates"}


def _newest(box: Sandbox, before: set[str]) -> str:
    (new,) = {p.stem for p in box.sessions.glob("*.json")} - before
    return new


def _session(box: Sandbox, *argv: str, stdin: str) -> str:
    before = {p.stem for p in box.sessions.glob("*.json")} if box.sessions.exists() else set()
    result = box.run("practice", "--plain", *argv, stdin=stdin)
    assert result.code == 0, result.err
    return _newest(box, before)


def _report(box: Sandbox, session_id: str) -> tuple[str, dict[str, object]]:
    md = box.run("report", session_id)
    js = box.run("report", session_id, "--format", "json")
    assert md.code == js.code == 0, md.err + js.err
    return md.out, json.loads(js.out)


def _first(box: Sandbox, stdin: str = WEAK, lang: str = "en") -> str:
    args = ["--question", IDEMPOTENT, "--follow-ups", "0", "--lang", lang, "--track", "backend"]
    return _session(box, *args, stdin=stdin)


# --- the reference ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("20261206-1412", ("20261206-1412", None)),
        (f"20261206:{IDEMPOTENT}", ("20261206", IDEMPOTENT)),
        ("dir/a.json", ("dir/a.json", None)),  # a transcript file, as `report` takes
    ],
)
def test_a_reference_splits_at_its_colon(value: str, parts: tuple[str, str | None]) -> None:
    assert split_ref(value) == parts


@pytest.mark.parametrize("value", ["abc:", f":{IDEMPOTENT}", ":"])
def test_a_reference_with_an_empty_part_is_refused(value: str) -> None:
    with pytest.raises(RetryError, match="SESSION_ID:QUESTION_ID"):
        split_ref(value)


# --- end to end, plain mode ------------------------------------------------------------------------


def test_retry_answers_again_and_the_report_compares_the_attempts(sandbox: Sandbox) -> None:
    first = _first(sandbox)
    second = _session(sandbox, "--retry", first, stdin=STRONG)
    t = load_transcript(sandbox.sessions / f"{second}.json")
    assert [r.question.id for r in t.records] == [IDEMPOTENT]
    # The same language, track and follow-up count, whatever the defaults would be.
    assert (t.plan.lang, t.plan.track, t.plan.follow_ups) == ("en", "backend", 0)
    (attempt,) = t.records[0].earlier
    assert attempt.session_id == first and attempt.covered == [] and attempt.feedback.overall == 1.0

    md, js = _report(sandbox, second)
    assert f"attempt 1 · {attempt.created_at:%Y-%m-%d %H:%M} · {first}" in md
    assert "| attempt 2 (this session) |" in md
    assert "| **Overall** | 1.00 | 2.90 |" in md
    assert "| Concurrent duplicates | 1 | 5 |" in md  # the criterion by its name in the bank
    assert "**What changed since the last attempt**" in md and "- Covered now, missed last time:" in md
    assert "Missed now, covered last time" not in md
    question = js["questions"][0]  # type: ignore[index]
    assert js["report_version"] == 3
    assert [a["session_id"] for a in question["earlier"]] == [first]
    assert set(question["changes"]["newly_covered"]) == GAINED
    assert question["changes"]["no_longer_covered"] == {}

    # A retry of the retry carries the whole chain, oldest first, and compares with the last attempt.
    third = _session(sandbox, "--retry", f"{second}:{IDEMPOTENT}", stdin=WEAK)
    md, js = _report(sandbox, third)
    assert [a.session_id for a in load_transcript(sandbox.sessions / f"{third}.json").records[0].earlier] == [
        first,
        second,
    ]
    assert "| **Overall** | 1.00 | 2.90 | 1.00 |" in md and "attempt 3 (this session)" in md
    assert "- Missed now, covered last time:" in md and "Covered now, missed last time" not in md
    assert set(js["questions"][0]["changes"]["no_longer_covered"]) == GAINED  # type: ignore[index]


def test_the_comparison_in_korean(sandbox: Sandbox) -> None:
    first = _first(sandbox, lang="ko")
    before = {p.stem for p in sandbox.sessions.glob("*.json")}
    shown = sandbox.run("practice", "--plain", "--retry", first, stdin=WEAK)
    assert shown.code == 0 and "**이전 시도와 비교**" in shown.out  # plain mode's closing report has it too
    md, _ = _report(sandbox, _newest(sandbox, before))
    assert "**이전 시도와 비교**" in md and "1차 시도 · " in md and "2차 시도 (이번)" in md
    assert "**종합 점수**" in md and "**지난 시도 이후 달라진 점**" in md
    assert "다룬 핵심 포인트는 지난번과 같습니다." in md


def test_only_the_graded_questions_are_retried(sandbox: Sandbox) -> None:
    args = ["--question", f"{IDEMPOTENT},{BALANCING}", "--follow-ups", "0", "--lang", "en"]
    first = _session(sandbox, *args, stdin=WEAK + "/end\n")  # the second question ends unanswered
    plan, earlier = retry_plan(load_transcript(sandbox.sessions / f"{first}.json"))
    assert plan.question_ids == [IDEMPOTENT] and plan.questions == 1 and list(earlier) == [IDEMPOTENT]
    refused = sandbox.run("practice", "--plain", "--retry", f"{first}:{BALANCING}", stdin=WEAK)
    one_line_error(refused, 2, BALANCING, "never graded", first)


def test_an_unanswered_retry_shows_scores_but_no_key_point(sandbox: Sandbox) -> None:
    first = _first(sandbox)
    second = _session(sandbox, "--retry", first, stdin="/end\n")
    md, js = _report(sandbox, second)
    assert "| **Overall** | 1.00 | – |" in md
    # The criteria by name, as the earlier session's report showed them; no key point's text.
    assert "| Concurrent duplicates | 1 | – |" in md and "What changed" not in md and "UUID" not in md
    assert js["questions"][0]["changes"] is None  # type: ignore[index]


# --- what cannot be retried ------------------------------------------------------------------------


def test_bad_references_are_one_line_with_the_documented_code(sandbox: Sandbox) -> None:
    first = _first(sandbox)
    empty = _session(sandbox, "--question", IDEMPOTENT, stdin="/end\n")
    cases = [
        (["--retry", "nope"], 1, ["no session", "nope"]),
        (["--retry", "bad id!"], 2, ["not a session id"]),
        (["--retry", "/no/such.json"], 1, ["no such transcript file"]),
        (["--retry", f"{first}:"], 2, ["SESSION_ID:QUESTION_ID"]),
        (["--retry", f"{first}:{BALANCING}"], 2, ["did not ask", BALANCING, IDEMPOTENT]),
        (["--retry", empty], 2, ["no graded question", empty]),
        (["--retry", first[:4]], 2, ["ambiguous"]),
        (["--retry", first, "--question", BALANCING], 2, ["--retry cannot be combined"]),
        (["--retry", first, "--category", "backend"], 2, ["--retry cannot be combined"]),
    ]
    for argv, code, words in cases:
        before = set(sandbox.sessions.glob("*.json"))
        one_line_error(sandbox.run("practice", "--plain", *argv, stdin=WEAK), code, *words)
        assert set(sandbox.sessions.glob("*.json")) == before, argv  # no session was started


def test_a_question_from_a_bank_file_needs_that_file_again(sandbox: Sandbox) -> None:
    bank = sandbox.root / "mine.yaml"
    bank.write_text(yaml.safe_dump([question_data("backend/mine")]), encoding="utf-8")
    mine = ["--question", "backend/mine", "--follow-ups", "0", "--lang", "en"]
    first = _session(sandbox, "--bank", str(bank), *mine, stdin=WEAK)
    refused = sandbox.run("practice", "--plain", "--retry", first, stdin=WEAK)
    one_line_error(refused, 2, "'backend/mine' is not in the bank", "--bank")
    again = _session(sandbox, "--bank", str(bank), "--retry", first, stdin=WEAK)
    assert load_transcript(sandbox.sessions / f"{again}.json").records[0].earlier[0].session_id == first


# --- transcripts from before ----------------------------------------------------------------------


def test_a_transcript_without_earlier_attempts_loads_and_can_be_retried(sandbox: Sandbox) -> None:
    first = _first(sandbox)
    path = sandbox.sessions / f"{first}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for record in data["records"]:
        del record["earlier"]  # as written before retries existed
    path.write_text(json.dumps(data), encoding="utf-8")
    old = load_transcript(path)
    assert old.records[0].earlier == []
    report = build_report(old)
    assert report.questions[0].earlier == [] and report.questions[0].changes is None
    assert "Compared with earlier attempts" not in to_markdown(report)
    again = _session(sandbox, "--retry", first, stdin=WEAK)
    assert len(load_transcript(sandbox.sessions / f"{again}.json").records[0].earlier) == 1


def test_retry_plan_needs_a_graded_question(sandbox: Sandbox) -> None:
    ended = _session(sandbox, "--question", IDEMPOTENT, stdin="/end\n")
    empty = load_transcript(sandbox.sessions / f"{ended}.json")
    with pytest.raises(RetryError, match="no graded question"):
        retry_plan(empty)
    with pytest.raises(RetryError, match="never graded"):
        retry_plan(empty, IDEMPOTENT)
