"""Hostile cases for what the app reports: `doctor` against every hostile server, reports of sessions whose
tokens went unreported, whose grades fell back or whose backend changed on resume, `regrade` and `eval`
against servers that fail every call. Each case checks the exit code, the one line that says what is wrong,
and that nothing is passed off as the model's work that was not."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from interviewer import doctor
from interviewer.domain import (
    CallRecord,
    CriterionScore,
    Feedback,
    FollowUpDecision,
    Question,
    QuestionRecord,
    Transcript,
    Turn,
    Usage,
)
from interviewer.report import tokens_in_out
from tests.fake_openai import FakeOpenAI, Reply
from tests.helpers import question_data
from tests.hostile import Sandbox, one_line_error, sandbox  # noqa: F401

SID = "20261206-111639-a3f9"
MODEL = "fake-model"
DATA = Path(__file__).parent / "data" / "eval-small.yaml"
WAIT_S = 0.6  # each doctor request's bound in these cases (the default is 30 s)
CLIENT_TIMEOUT_S = 0.2


def one_item(box: Sandbox) -> Path:
    """The first item of the small labelled set: a case here is about what eval says, not its figures."""
    path = box.root / "one.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(DATA.read_text())[:1]))
    return path


def configure(box: Sandbox, **values: float) -> None:
    """Short bounds, so a server that never answers costs a case about a second."""
    settings = {"wait_s": WAIT_S, "timeout_s": 5.0, "max_retries": 0, **values}
    (box.config / "config.toml").write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))


# --- doctor ---------------------------------------------------------------------------------------

Setup = Callable[[FakeOpenAI], None]


def _script(*replies: Reply) -> Setup:
    return lambda fake: fake.then(*replies)


def _many(reply: Reply, n: int = 12) -> Setup:
    """The same reply to every request of a check (re-asks and output-mode step-downs included)."""
    return lambda fake: fake.then(*[reply] * n)


def _models(reply: Reply) -> Setup:
    def setup(fake: FakeOpenAI) -> None:
        fake.models_reply = reply

    return setup


def _models_status(status: int) -> Setup:
    def setup(fake: FakeOpenAI) -> None:
        fake.models_status = status

    return setup


def _no_list_then(*replies: Reply) -> Setup:
    def setup(fake: FakeOpenAI) -> None:
        fake.models_status = 404
        fake.then(*replies)

    return setup


HTML = "<!doctype html><html><body><h1>Sign in to the proxy</h1></body></html>"

# (id, set the server up, extra arguments, exit code, words of the one error line, words it must not have)
DOCTOR_CASES: list[tuple[str, Setup | None, tuple[str, ...], int, tuple[str, ...], tuple[str, ...]]] = [
    ("healthy-server", None, (), 0, (), ()),
    (
        "models-list-html-from-a-proxy",
        _models(Reply(body=HTML, content_type="text/html")),
        (),
        1,
        ("proxy", "text/html", "not JSON"),
        ("instruction-tuned",),
    ),
    (
        "models-list-plain-text",
        _models(Reply(body="OK", content_type="text/plain")),
        (),
        1,
        ("text/plain", "not JSON"),
        ("instruction-tuned",),
    ),
    (
        "models-list-never-answers",
        _models(Reply(hang=True)),
        (),
        1,
        (f"did not answer in {WAIT_S:g} s", "busy or stuck"),
        ("instruction-tuned", "is the server running"),
    ),
    ("models-list-401", _models_status(401), (), 1, ("rejected the API key", "OPENAI_API_KEY"), ()),
    ("models-list-403", _models_status(403), (), 1, ("rejected the API key", "HTTP 403"), ()),
    ("model-not-served", None, ("--model", "other-model"), 1, ("'other-model' is not served", MODEL), ()),
    (
        "follow-up-never-answers",
        _many(Reply(hang=True)),
        (),
        1,
        (f"server did not answer the follow-up request in {WAIT_S:g} s", "slow"),
        ("instruction-tuned",),
    ),
    (
        "follow-up-times-out-in-the-client",
        _many(Reply(hang=True)),
        ("--no-stream",),
        1,
        ("server is slow", f"timed out after {CLIENT_TIMEOUT_S:g} s"),
        ("instruction-tuned",),
    ),
    (
        "follow-up-html-body",
        _many(Reply(body=HTML, content_type="text/html")),
        ("--no-stream",),
        1,
        ("proxy", "text/html", "not the API's JSON"),
        ("instruction-tuned",),
    ),
    (
        "follow-up-html-body-streamed",
        _many(Reply(body=HTML, content_type="text/html")),
        (),
        1,
        ("proxy", "text/html"),
        ("instruction-tuned",),
    ),
    (
        "follow-up-json-of-the-wrong-shape",
        _many(Reply(content='{"ok": true}')),
        (),
        1,
        ("follow-up reply was JSON of the wrong shape", "instruction-tuned"),
        (),
    ),
    (
        "follow-up-not-json-at-all",
        _many(Reply(content="Sure! Here is my follow-up question.")),
        (),
        1,
        ("did not answer the follow-up request in JSON", "Sure! Here is"),
        (),
    ),
    (
        "chat-404-unknown-model",
        _no_list_then(*[Reply(status=404, error="model not found")] * 12),
        (),
        1,
        ("does not know model 'fake-model'", "--model"),
        ("instruction-tuned",),
    ),
    (
        "chat-401-after-an-open-list",
        _many(Reply(status=401, error="bad key")),
        (),
        1,
        ("rejected the API key", "follow-up"),
        ("instruction-tuned",),
    ),
    (
        "chat-500-every-time",
        _many(Reply(status=500, error="out of memory")),
        (),
        1,
        ("server failed on the follow-up request", "log"),
        ("instruction-tuned",),
    ),
    (
        "chat-429-rate-limited",
        _many(Reply(status=429, error="slow down")),
        (),
        1,
        ("rate limiting",),
        ("instruction-tuned",),
    ),
    (
        "runs-past-max-tokens",
        _many(Reply(runaway=3000)),
        (),
        1,
        ("output bound", "max_tokens.follow_up"),
        ("instruction-tuned",),
    ),
    (
        "stream-cut-off",
        _many(Reply(cut_stream=True)),
        (),
        1,
        ("did not come to its end", "--no-stream"),
        ("instruction-tuned",),
    ),
    (
        "grade-fails-after-a-good-follow-up",
        _script(Reply(), *[Reply(content='{"criteria": 3}')] * 12),
        (),
        1,
        ("grade", "JSON of the wrong shape"),
        (),
    ),
    (
        "json-schema-refused-then-json-object",
        _script(Reply(status=400, error="unsupported response_format")),
        ("--no-stream",),
        0,
        (),
        (),
    ),
]


@pytest.mark.parametrize(
    ("setup", "extra", "code", "words", "unwanted"),
    [pytest.param(*case[1:], id=case[0]) for case in DOCTOR_CASES],
)
def test_doctor_against_a_hostile_server(
    sandbox: Sandbox,  # noqa: F811
    setup: Setup | None,
    extra: tuple[str, ...],
    code: int,
    words: tuple[str, ...],
    unwanted: tuple[str, ...],
) -> None:
    # A client timeout shorter than the doctor's own bound, for the case that is about it.
    configure(sandbox, timeout_s=CLIENT_TIMEOUT_S if any("timed out" in w for w in words) else 5.0)
    with FakeOpenAI() as fake:
        if setup is not None:
            setup(fake)
        result = sandbox.run("doctor", "--base-url", fake.base_url, "--model", MODEL, *extra)
    if code == 0:
        assert result.code == 0 and not result.err, result.err
        assert "will use: json_" in result.out
        return
    line = one_line_error(result, code, *words)
    for word in unwanted:
        assert word.lower() not in line.lower(), line
    # Every check was shown as it started: the first lines went out before the failing one ended.
    assert result.written_at("model list: asking") < result.ended


def test_doctor_shows_each_check_while_a_server_stays_silent(
    sandbox: Sandbox,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(doctor, "HEARTBEAT_S", 0.2)
    configure(sandbox, wait_s=0.9)
    with FakeOpenAI() as fake:
        fake.then(*[Reply(hang=True)] * 4)
        result = sandbox.run("doctor", "--base-url", fake.base_url, "--model", MODEL)
    one_line_error(result, 1, "did not answer the follow-up request in 0.9 s")
    asked = result.written_at("follow-up: a real follow-up request")
    assert result.ended - asked >= 0.8  # shown when the request started, not after it gave up
    assert "still waiting" in result.out
    assert result.ended - result.written_at("still waiting") >= 0.3


@pytest.mark.parametrize(
    ("url", "words"),
    [
        pytest.param(
            "http://127.0.0.1:9/v1", ("is the server running", "ollama serve"), id="refused-on-localhost"
        ),
        pytest.param(
            "http://localhost:9/v1", ("is the server running", "llama-server"), id="refused-localhost-name"
        ),
        pytest.param(
            "https://api.openai.invalid/v1", ("network problem", "api.openai.invalid"), id="dns-failure"
        ),
    ],
)
def test_doctor_on_an_endpoint_it_cannot_reach(
    sandbox: Sandbox,  # noqa: F811
    url: str,
    words: tuple[str, ...],
) -> None:
    configure(sandbox)
    result = sandbox.run("doctor", "--base-url", url)
    line = one_line_error(result, 1, *words)
    assert "instruction-tuned" not in line and "reachable: no" in result.out


def test_doctor_never_prints_the_secrets_in_a_base_url(sandbox: Sandbox) -> None:  # noqa: F811
    configure(sandbox)
    with FakeOpenAI() as fake:
        url = fake.base_url.replace("http://", "http://user:s3cret@") + "?api-key=k3y"
        result = sandbox.run("doctor", "--base-url", url, "--model", MODEL)
        dead = sandbox.run("doctor", "--base-url", "http://user:s3cret@127.0.0.1:9/v1?token=k3y")
    assert result.code == 0, result.err
    assert "endpoint: http://***@127.0.0.1" in result.out
    for text in (result.out, result.err, dead.out, dead.err):
        assert "s3cret" not in text and "k3y" not in text
    one_line_error(dead, 1, "http://***@127.0.0.1:9")


# --- session reports ------------------------------------------------------------------------------

NOW = datetime(2026, 12, 6, 11, 16, 39, tzinfo=UTC)
ANSWER = "The client sends an idempotency key with every payment request."


def call(
    step: str, fallback: bool = False, tokens: bool = True, cached: bool = True, *faults: str
) -> CallRecord:
    return CallRecord.model_validate(
        {
            "step": step,
            "provider": "openai",
            "model": MODEL,
            "prompt_tokens": 100 if tokens else None,
            "cached_tokens": 40 if tokens and cached else None,
            "completion_tokens": 20 if tokens else None,
            "faults": list(faults),
            "fallback": fallback,
        }
    )


def record(qid: str, calls: list[CallRecord], decisions: int = 1) -> QuestionRecord:
    question = Question.model_validate(question_data(qid))
    criteria = [
        CriterionScore(criterion_id="mechanism", weight=60, score=3, evidence=["idempotency key"]),
        CriterionScore(criterion_id="edge-cases", weight=40, score=1),
    ]
    return QuestionRecord(
        question=question,
        turns=[
            Turn(role="interviewer", kind="question", text=question.text("en"), at=NOW),
            Turn(role="candidate", kind="answer", text=ANSWER, at=NOW),
        ],
        status="graded",
        feedback=Feedback(criteria=criteria),
        decisions=[FollowUpDecision(action="move_on")] * decisions,
        calls=calls,
    )


def save(box: Sandbox, records: list[QuestionRecord], lang: str = "en", provider: str = "openai") -> None:
    t = Transcript.model_validate(
        {
            "session_id": SID,
            "created_at": NOW,
            "updated_at": NOW,
            "plan": {"lang": lang, "questions": len(records), "follow_ups": 1, "seed": 1},
            "provider": provider,
            "model": MODEL if provider == "openai" else None,
            "bank_fingerprint": "test",
            "records": records,
            "finished": all(r.status == "graded" for r in records),
        }
    )
    box.sessions.mkdir(parents=True, exist_ok=True)
    (box.sessions / f"{SID}.json").write_text(t.model_dump_json(indent=1))


def ok() -> list[CallRecord]:
    return [call("follow_up"), call("grade")]


def fell_back() -> list[CallRecord]:
    return [call("follow_up"), call("grade", True, False, False, "timeout", "timeout")]


QIDS = ("backend/idempotency", "backend/retries", "backend/queues")

# (id, calls per question, lang, words the Markdown report must have, words it must not have)
MARKDOWN_CASES: list[tuple[str, list[list[CallRecord]], str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "tokens-never-reported",
        [[call("follow_up", False, False), call("grade", False, False)]],
        "en",
        ("tokens: unknown (the server did not report them) · 2 calls",),
        ("0 prompt",),
    ),
    (
        "tokens-reported-by-some-calls",
        [[call("follow_up"), call("grade", False, False)]],
        "en",
        ("100 prompt (40 cached), 20 completion, not reported by 1 of 2 calls",),
        (),
    ),
    (
        "cached-tokens-never-reported",
        [[call("grade", False, True, False)]],
        "en",
        ("100 prompt (unknown cached)",),
        ("(0 cached)",),
    ),
    (
        "korean-tokens-never-reported",
        [[call("grade", False, False)]],
        "ko",
        ("토큰: 알 수 없음",),
        ("프롬프트 0",),
    ),
    (
        "one-grade-fell-back",
        [ok(), fell_back()],
        "en",
        (
            "graded by: openai (fake-model) for question 1; offline, after fake-model failed for question 2",
            "graded by: offline, after fake-model failed (timeout)",
        ),
        ("provider: openai",),
    ),
    (
        "every-grade-fell-back",
        [fell_back(), fell_back()],
        "en",
        ("graded by: offline, after fake-model failed", "follow-ups decided by: openai (fake-model)"),
        ("provider: openai",),
    ),
    (
        "follow-up-fell-back",
        [[call("follow_up", True, False, True, "no_reply: nothing usable"), call("grade")]],
        "en",
        ("follow-ups decided by: offline, after fake-model failed", "graded by: openai (fake-model)"),
        (),
    ),
    (
        "korean-grade-fell-back",
        [ok(), fell_back()],
        "ko",
        ("채점: openai (fake-model) 1번; offline (fake-model 실패로 대체) 2번",),
        (),
    ),
    (
        "graded-with-no-call-is-offline",
        [ok(), []],
        "en",
        ("graded by: openai (fake-model) for question 1; offline for question 2",),
        (),
    ),
]


@pytest.mark.parametrize(
    ("calls", "lang", "words", "unwanted"),
    [pytest.param(*case[1:], id=case[0]) for case in MARKDOWN_CASES],
)
def test_markdown_report_says_what_happened(
    sandbox: Sandbox,  # noqa: F811
    calls: list[list[CallRecord]],
    lang: str,
    words: tuple[str, ...],
    unwanted: tuple[str, ...],
) -> None:
    save(
        sandbox, [record(qid, c, decisions=1 if c else 0) for qid, c in zip(QIDS, calls, strict=False)], lang
    )
    result = sandbox.run("report", SID)
    assert result.code == 0, result.err
    for word in words:
        assert word in result.out, result.out
    for word in unwanted:
        assert word not in result.out, result.out


def test_json_report_marks_unknown_tokens_and_who_graded(sandbox: Sandbox) -> None:  # noqa: F811
    save(sandbox, [record(QIDS[0], ok()), record(QIDS[1], fell_back()), record(QIDS[2], [], decisions=0)])
    result = sandbox.run("report", SID, "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["report_version"] == 3
    assert report["usage"] == {
        "calls": 4,
        "fallbacks": 1,
        "prompt_tokens": 300,
        "cached_tokens": 120,
        "completion_tokens": 60,
        "unreported": 1,
    }
    first, second, third = (q["graded_by"] for q in report["questions"])
    assert first == {"provider": "openai", "model": MODEL, "fallback": False, "faults": []}
    assert second == {"provider": "offline", "model": MODEL, "fallback": True, "faults": ["timeout"]}
    assert third == {"provider": "offline", "model": None, "fallback": False, "faults": []}
    assert report["questions"][2]["follow_ups_by"] is None


def test_json_report_of_a_server_that_reports_no_tokens(sandbox: Sandbox) -> None:  # noqa: F811
    save(sandbox, [record(QIDS[0], [call("follow_up", False, False), call("grade", False, False)])])
    result = sandbox.run("report", SID, "--format", "json")
    usage = json.loads(result.out)["usage"]
    assert usage["prompt_tokens"] is None and usage["completion_tokens"] is None and usage["unreported"] == 2


def test_status_lines_say_unknown_tokens() -> None:
    unknown = Usage.of([call("grade", False, False)])
    assert tokens_in_out(unknown) == "tokens unknown"
    some = Usage.of([call("grade"), call("follow_up", False, False)])
    assert tokens_in_out(some) == "tokens 100 in / 20 out (+1 call unknown)"


@pytest.mark.parametrize("form", ["md", "json"])
def test_resumed_offline_the_report_names_who_asked_and_graded(sandbox: Sandbox, form: str) -> None:  # noqa: F811
    # Question 1 asked and graded by the model; question 2 asked and waiting; the rest offline after resume.
    started = record(QIDS[1], [])
    started.turns, started.status, started.feedback, started.decisions = started.turns[:1], "open", None, []
    later = record(QIDS[2], [])
    later.turns, later.status, later.feedback, later.decisions = [], "open", None, []
    save(sandbox, [record(QIDS[0], ok()), started, later])
    answers = "".join(f"{ANSWER} ({i})\n.\n" for i in range(4))
    resumed = sandbox.run("resume", SID, "--provider", "offline", "--plain", stdin=answers)
    assert resumed.code == 0, resumed.err
    result = sandbox.run("report", SID, "--format", form)
    assert result.code == 0, result.err
    if form == "md":
        assert "provider: openai" not in result.out
        assert "graded by: openai (fake-model) for question 1; offline for questions 2–3" in result.out
        assert (
            "follow-ups decided by: openai (fake-model) for question 1; offline for questions 2–3"
            in result.out
        )
        return
    report = json.loads(result.out)
    assert (report["provider"], report["model"]) == ("offline", None)
    assert [q["graded_by"]["provider"] for q in report["questions"]] == ["openai", "offline", "offline"]


# --- regrade and eval -----------------------------------------------------------------------------


def failing(fake: FakeOpenAI) -> None:
    fake.then(*[Reply(status=500, error="out of memory")] * 60)


def silent(fake: FakeOpenAI) -> None:
    fake.then(*[Reply(hang=True)] * 60)


def good_then_failing(fake: FakeOpenAI) -> None:
    fake.then(Reply(), *[Reply(status=500, error="out of memory")] * 60)


REGRADE_CASES: list[tuple[str, Setup, int, str, tuple[str, ...]]] = [
    ("server-error-every-time", failing, 1, "error", ("every re-grade fell back", "http_500")),
    ("server-never-answers", silent, 1, "error", ("every re-grade fell back", "timeout")),
    (
        "first-graded-then-failing",
        good_then_failing,
        0,
        "warning",
        ("1 of 2 re-grades fell back", "http_500"),
    ),
]


@pytest.mark.parametrize(
    ("setup", "code", "level", "words"), [pytest.param(*case[1:], id=case[0]) for case in REGRADE_CASES]
)
def test_regrade_against_a_failing_server_says_which_grades_are_offline(
    sandbox: Sandbox,  # noqa: F811
    setup: Setup,
    code: int,
    level: str,
    words: tuple[str, ...],
) -> None:
    configure(sandbox, timeout_s=0.3, reasks=0)
    save(sandbox, [record(QIDS[0], [], 0), record(QIDS[1], [], 0)], provider="offline")
    with FakeOpenAI() as fake:
        setup(fake)
        args = ("regrade", SID, "--provider", "openai", "--base-url", fake.base_url, "--model", MODEL)
        result = sandbox.run(*args)
    line = one_line_error(result, code, *words)
    assert line.startswith(f"interviewer: {level}: ") and "not fake-model's" in line
    fallen = [row for row in result.out.splitlines() if row.startswith("!")]
    assert fallen and all("(offline: fake-model failed:" in row for row in fallen)
    assert len([row for row in fallen if " overall " in row]) == (2 if code else 1)


EVAL_CASES: list[tuple[str, Setup, str]] = [
    ("server-error-every-time", failing, "http_500"),
    ("server-never-answers", silent, "timeout"),
]


@pytest.mark.parametrize(("setup", "why"), [pytest.param(*case[1:], id=case[0]) for case in EVAL_CASES])
def test_eval_when_every_call_fell_back_says_the_figures_are_offline(
    sandbox: Sandbox,  # noqa: F811
    setup: Setup,
    why: str,
) -> None:
    configure(sandbox, timeout_s=0.3, reasks=0)
    report = sandbox.root / "run.md"
    with FakeOpenAI() as fake:
        setup(fake)
        args = (
            "eval",
            str(one_item(sandbox)),
            "--backend",
            "openai",
            "--base-url",
            fake.base_url,
            "--model",
            MODEL,
        )
        result = sandbox.run(*args, "--no-cache", "--report", str(report), allowed=(report,))
    warning = f"every grade fell back to the offline grader ({why}"
    said = [line for line in result.error_lines() if line.startswith("interviewer:")]  # not the progress bar
    assert result.code == 1
    assert said[0].startswith(f"interviewer: error: {warning}")
    title, first = result.out.splitlines()[:2]
    assert title.startswith("openai (fake-model) on") and first.startswith(f"  warning: {warning}")
    assert "not fake-model's" in first
    assert "**Warning:** every grade fell back" in report.read_text()


def test_eval_does_not_cache_what_the_offline_backend_did(sandbox: Sandbox) -> None:  # noqa: F811
    configure(sandbox, timeout_s=0.3, reasks=0)
    cache = sandbox.root / "cache"
    sandbox.env(XDG_CACHE_HOME=str(cache))
    args = ("eval", str(one_item(sandbox)), "--backend", "openai", "--model", MODEL)
    with FakeOpenAI() as fake:
        failing(fake)
        assert sandbox.run(*args, "--base-url", fake.base_url, allowed=(cache,)).code == 1
    with FakeOpenAI() as fake:  # the server is back: every item is asked again, not read from the cache
        fixed = sandbox.run(*args, "--base-url", fake.base_url, allowed=(cache,))
        assert len([r for r in fake.chat_requests() if r.step == "grade"]) == 1
    assert fixed.code == 0 and "warning" not in fixed.out + fixed.err
