"""A Korean session speaks Korean: the history and feedback screens, the report, the engine's notices,
`bank show` and `bank list`, and a rejected setup choice. Text from the bank, a model or a server is shown
as written; the app's own words are in the session's language."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from textual.pilot import Pilot
from textual.widgets import DataTable, Markdown, Static

from interviewer.bank import load_bank
from interviewer.choice_errors import describe
from interviewer.domain import Lang, Plan, Transcript
from interviewer.engine import Engine, new_transcript
from interviewer.events import Answer, Event, Notice
from interviewer.llm.offline import OfflineBackend
from interviewer.report import build_report, to_markdown, tokens_in_out
from interviewer.store import SessionSummary
from interviewer.tui.app import InterviewerApp
from interviewer.tui.feedback import FeedbackScreen
from interviewer.tui.history import HistoryScreen
from interviewer.tui.messages import OpenHistory, OpenReport
from interviewer.tui.prefs import SetupChoices
from tests.fake_openai import FakeOpenAI, Reply
from tests.hostile import Sandbox, sandbox  # noqa: F401
from tests.test_openai_backend import backend
from tests.test_openai_backend import bank as bank
from tests.tui_support import context, drive, show, two_finished_sessions

QUESTION = "cs/process-vs-thread"
# A run of ASCII letters in the app's own words gives English away; ids, numbers and symbols do not.
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def graded_session(lang: Lang) -> Transcript:
    """One question of the shipped bank, answered and graded offline."""
    plan = Plan(questions=1, follow_ups=0, lang=lang, seed=1, question_ids=[QUESTION])
    engine = Engine(new_transcript(plan, load_bank(), OfflineBackend()), OfflineBackend())

    async def run() -> None:
        [e async for e in engine.start()]
        [
            e
            async for e in engine.submit(
                Answer(text="스레드는 힙을 공유하고 프로세스는 주소 공간이 따로 있습니다.")
            )
        ]

    asyncio.run(run())
    return engine.transcript


def test_report_names_criteria_in_the_session_language() -> None:
    ko = to_markdown(build_report(graded_session("ko")))
    en = to_markdown(build_report(graded_session("en")))
    assert "| 메모리 구조 |" in ko and "| memory-model |" not in ko
    assert "| Memory layout |" in en and "| memory-model |" not in en
    # The JSON interface keeps the ids as keys and adds the names beside them.
    report = build_report(graded_session("ko"))
    assert report.questions[0].criterion_names["memory-model"] == "메모리 구조"
    assert "memory-model" in report.questions[0].criteria


def test_report_headings_of_a_korean_session_are_korean() -> None:
    text = to_markdown(build_report(graded_session("ko")))
    own = [
        line
        for line in text.splitlines()
        # Lines quoting the question, the candidate or the bank are not the app's own words.
        if line.startswith(("#", "**", "- 트랙", "- 종합", "| 기준", "<details>")) or line.startswith("cs ·")
    ]
    assert own, text
    for line in own:
        words = set(ENGLISH_WORD.findall(line)) - {
            "mlse",
            "offline",
            "details",
            "summary",
            "cs",
            "process",
            "vs",
        }
        words -= set(QUESTION.replace("/", "-").split("-"))
        assert not words, line


def test_token_line_follows_the_language() -> None:
    from interviewer.domain import Usage

    some = Usage(calls=2, prompt_tokens=100, completion_tokens=20, unreported=1)
    assert tokens_in_out(some, "ko") == "토큰 입력 100 / 출력 20 (+1회 호출 미보고)"
    assert tokens_in_out(some) == "tokens 100 in / 20 out (+1 call unknown)"
    unknown = Usage(calls=1, unreported=1, prompt_tokens=None, completion_tokens=None)
    assert tokens_in_out(unknown, "ko") == "토큰 알 수 없음"


def test_history_headers_are_korean_in_a_korean_session(tmp_path: Path) -> None:
    two_finished_sessions(tmp_path, "ko")
    app = InterviewerApp(context(tmp_path, "ko"))

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenHistory("ko"))
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#sessions", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers == list(SessionSummary.COLUMNS_KO)
        assert not any(ENGLISH_WORD.search(h) for h in headers), headers

    drive(app, script)


def test_korean_headers_match_the_cells() -> None:
    assert len(SessionSummary.COLUMNS_KO) == len(SessionSummary.COLUMNS)


def test_feedback_screen_names_criteria_in_korean(tmp_path: Path) -> None:
    transcript = graded_session("ko")
    app = InterviewerApp(context(tmp_path, "ko"))

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenReport(transcript))
        assert isinstance(app.screen, FeedbackScreen)
        document = app.screen.document()
        assert "| 메모리 구조 |" in document and "memory-model |" not in document
        assert app.screen.query_one("#report", Markdown)
        status = str(app.screen.query_one("#status", Static).render())
        assert "tokens" not in status

    drive(app, script)


# --- notices -------------------------------------------------------------------------------------


@pytest.fixture
def server() -> object:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(autouse=True)
def no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    import interviewer.grading.encoder as encoder

    monkeypatch.setattr(encoder, "_enabled", False)
    monkeypatch.setattr(encoder, "_shared", None)
    monkeypatch.setattr(encoder, "_configured", True)


def test_fallback_notice_is_korean_in_a_korean_session(
    server: FakeOpenAI,
    bank: object,
    tmp_path: Path,
) -> None:
    server.then(*[Reply(status=400, error="모델 없음: bad model") for _ in range(8)])
    be = backend(server, tmp_path)
    plan = Plan(track="backend", questions=1, follow_ups=1, lang="ko", seed=1)
    engine = Engine(new_transcript(plan, bank, be, session_id="20260101-000000-0000"), be)  # type: ignore[arg-type]

    async def run() -> list[Event]:
        events = [e async for e in engine.start()]
        return events + [e async for e in engine.submit(Answer(text="캐시를 씁니다. 키로 조회합니다."))]

    notices = [e.text for e in asyncio.run(run()) if isinstance(e, Notice) and e.level == "warning"]
    assert notices, "the model's failure was not said"
    for text in notices:
        assert "오프라인" in text
        # Fault kinds are codes (as the JSON report spells them); no English word besides them.
        words = set(ENGLISH_WORD.findall(text)) - {"http", "HTTP", "error"}
        assert not {w for w in words if not re.search(rf"\b{w}[_:]", text)}, text
        assert "grade" not in text and "follow_up" not in text


# --- bank show / bank list -----------------------------------------------------------------------


def test_bank_show_labels_are_korean(sandbox: Sandbox) -> None:
    result = sandbox.run("bank", "show", QUESTION, "--lang", "ko")
    assert result.code == 0, result.err
    for label in (
        "difficulty",
        "tracks",
        "Rubric",
        "key points",
        "cues:",
        "follow-up:",
        "deepen:",
        "Model answer",
    ):
        assert label not in result.out, label
    for label in (
        "난이도",
        "트랙",
        "채점 기준",
        "핵심 포인트",
        "단서:",
        "꼬리질문:",
        "심화 질문:",
        "모범 답안",
    ):
        assert label in result.out, label
    english = sandbox.run("bank", "show", QUESTION, "--lang", "en")
    assert "Rubric" in english.out and "cues:" in english.out and "Model answer" in english.out


def test_bank_list_headers_are_korean(sandbox: Sandbox) -> None:
    result = sandbox.run("bank", "list", "--lang", "ko", "--category", "cs")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["아이디", "난이도", "트랙", "질문"]
    assert re.fullmatch(r"질문 \d+개", lines[-1])
    english = sandbox.run("bank", "list", "--lang", "en", "--category", "cs").out.splitlines()
    assert english[0].split() == ["id", "diff", "tracks", "question"]


# --- a rejected setup choice ---------------------------------------------------------------------

LABELS = {"ko": {"questions": "질문 수", "follow_ups": "질문당 꼬리질문"}, "en": {"questions": "Questions"}}


def rejected(**values: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        SetupChoices.model_validate(values)
    return caught.value


@pytest.mark.parametrize(
    ("values", "lang", "expected"),
    [
        ({"questions": 0}, "ko", "질문 수: 1부터 100까지의 수를 입력하세요."),
        ({"questions": 101}, "ko", "질문 수: 1부터 100까지의 수를 입력하세요."),
        ({"questions": 0}, "en", "Questions: enter a number from 1 to 100."),
        ({"follow_ups": -1}, "ko", "질문당 꼬리질문: 0부터 10까지의 수를 입력하세요."),
        ({"questions": "many"}, "ko", "질문 수: 1부터 100까지의 수를 입력하세요."),
        ({"lang": "fr"}, "ko", "lang: 다음 중 하나를 고르세요: ko, en"),
        ({"track": "x"}, "en", "track: choose one of mlse, mle, backend"),
    ],
)
def test_describe_names_the_label_and_the_range(values: dict[str, object], lang: Lang, expected: str) -> None:
    assert describe(rejected(**values), SetupChoices, lang, LABELS[lang]) == expected


def test_describe_never_shows_pydantic_english_to_a_korean_user() -> None:
    for values in ({"questions": 0}, {"follow_ups": 11}, {"lang": "fr"}, {"model": 3}, {"categories": "x"}):
        text = describe(rejected(**values), SetupChoices, "ko", LABELS["ko"])
        assert "Input should" not in text and "\n" not in text, text
        field = next(iter(values))
        assert not set(ENGLISH_WORD.findall(text)) - {field, "mlse", "mle", "backend"}, text


def test_describe_keeps_a_label_on_one_line() -> None:
    text = describe(rejected(questions=0), SetupChoices, "en", {"questions": "Ques\ntions\x1b[31m"})
    assert "\n" not in text and "\x1b" not in text


def test_replay_of_a_korean_session_is_korean() -> None:
    from interviewer.evaluation.replay import replay_text

    ko = replay_text(graded_session("ko"))
    assert "(채점됨)" in ko and "[질문]" in ko and "[답변]" in ko and "종합 점수:" in ko
    assert "메모리 구조" in ko and "memory-model" not in ko
    en = replay_text(graded_session("en"))
    assert "(graded)" in en and "Candidate [answer]:" in en and "overall:" in en and "Memory layout" in en
