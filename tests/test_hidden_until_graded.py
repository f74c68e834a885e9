"""Key points and model answers stay hidden until the question is graded, in every place an unfinished
question can be seen: plain mode (hints, /why, /end, Ctrl-C), `report` and `replay` of an unfinished
session, and the TUI's feedback screen opened mid-interview (F6), with M and the Markdown export.

Each test also checks that what it looks for does show once a question is graded, so a check that could
never fire (text escaped or reworded on the way out) fails instead of passing."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from interviewer.bank import load_bank
from interviewer.domain import LANGS, Lang, Plan, QuestionRecord, Transcript
from interviewer.engine import Engine, new_transcript
from interviewer.events import Answer, Command
from interviewer.llm.offline import OfflineBackend
from interviewer.store import Store
from interviewer.tui.app import InterviewerApp
from interviewer.tui.feedback import FeedbackScreen
from interviewer.tui.messages import OpenReport
from tests.helpers import run_cli
from tests.hostile import Sandbox, sandbox  # noqa: F401
from tests.tui_support import context, drive, show

QUESTIONS = ["cs/process-vs-thread", "cs/tcp-vs-udp"]
SID = "20260101-000000-0000"


@pytest.fixture(autouse=True)
def no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about what is shown, not how well it is graded."""
    import interviewer.grading.encoder as encoder

    monkeypatch.setattr(encoder, "_enabled", False)
    monkeypatch.setattr(encoder, "_shared", None)
    monkeypatch.setattr(encoder, "_configured", True)


def _norm(text: str) -> str:
    # Markdown escaping, wrapping and quoting change punctuation and spaces, never the words.
    return re.sub(r"\W+", "", text)


def secrets_of(r: QuestionRecord) -> list[str]:
    """What a strong answer to the question says: its key points and model answer, in both languages."""
    q = r.question
    texts = [k.text(lang) for k in q.key_points for lang in LANGS]
    return texts + [q.model_answer(lang) for lang in LANGS]


def shown(output: str, r: QuestionRecord) -> list[str]:
    """The secrets of `r` that `output` holds (by their first 30 letters and digits)."""
    flat = _norm(output)
    return [s for s in secrets_of(r) if _norm(s)[:30] in flat]


def assert_hidden(output: str, t: Transcript) -> None:
    for r in t.records:
        if r.feedback is None:
            assert not shown(output, r), f"{r.question.id} is not graded but shows: {shown(output, r)}"


def unfinished(lang: Lang, status: str = "open") -> Transcript:
    """Question 1 graded; question 2 answered once with a follow-up asked (whose recorded reason quotes a
    key point, as the offline interviewer's does) and not graded: still open, or answered and waiting."""
    plan = Plan(questions=2, follow_ups=1, lang=lang, seed=1, question_ids=QUESTIONS)
    engine = Engine(new_transcript(plan, load_bank(), OfflineBackend(), session_id=SID), OfflineBackend())

    async def run() -> None:
        [e async for e in engine.start()]
        [e async for e in engine.submit(Answer(text="Threads share the heap. 스레드는 힙을 공유합니다."))]
        [e async for e in engine.submit(Command(kind="skip"))]
        [e async for e in engine.submit(Answer(text="TCP connects first. TCP는 연결을 맺습니다."))]

    asyncio.run(run())
    t = engine.transcript
    graded, waiting = t.records
    assert graded.feedback is not None and waiting.feedback is None
    assert waiting.turns[-1].kind == "follow_up" and waiting.turns[-1].why
    assert shown(waiting.turns[-1].why, waiting), "the recorded reason no longer quotes a key point"
    waiting.status = status  # type: ignore[assignment]
    return t


def save(box: Sandbox, t: Transcript) -> None:
    Store(box.data).save(t)


# --- report and replay of an unfinished session ---------------------------------------------------


@pytest.mark.parametrize("status", ["open", "answered"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_report_of_an_unfinished_session(sandbox: Sandbox, lang: Lang, status: str) -> None:
    t = unfinished(lang, status)
    save(sandbox, t)
    for fmt in ("md", "json"):
        result = sandbox.run("report", SID, "--format", fmt)
        assert result.code == 0, result.err
        assert_hidden(result.out, t)
        # The graded question's missed points are there: the check reads the text as printed.
        assert shown(result.out, t.records[0])
    report = json.loads(sandbox.run("report", SID, "--format", "json").out)
    assert report["questions"][1]["strong_answer"] == []


@pytest.mark.parametrize("status", ["open", "answered"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_replay_of_an_unfinished_session(sandbox: Sandbox, lang: Lang, status: str) -> None:
    t = unfinished(lang, status)
    save(sandbox, t)
    result = sandbox.run("replay", SID)
    assert result.code == 0, result.err
    assert_hidden(result.out, t)
    # The graded question's follow-up shows its recorded reason, which quotes a key point.
    assert shown(result.out, t.records[0])


# --- the TUI's feedback screen, mid-interview ----------------------------------------------------


@pytest.mark.parametrize("status", ["open", "answered"])
def test_feedback_screen_mid_interview(tmp_path: Path, status: str) -> None:
    t = unfinished("ko", status)
    ctx = context(tmp_path, "ko")
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenReport(t))
        screen = app.screen
        assert isinstance(screen, FeedbackScreen)
        assert_hidden(screen.document(), t)
        await pilot.press("m")  # model answers on
        await pilot.pause()
        assert screen.show_answers
        assert_hidden(screen.document(), t)
        assert shown(screen.document(), t.records[0])
        await pilot.press("e")
        await pilot.pause()
        exported = (ctx.store.data_dir / "reports" / f"{SID}.md").read_text(encoding="utf-8")
        assert_hidden(exported, t)

    drive(app, script)


# --- plain mode ---------------------------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    return {"INTERVIEWER_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "INTERVIEWER_MEANING": "false"}


def _practice(lang: Lang) -> list[str]:
    ids = [arg for q in QUESTIONS for arg in ("--question", q)]
    return ["practice", "--plain", "--provider", "offline", "--lang", lang, "--follow-ups", "1", *ids]


def _saved(data_dir: Path) -> Transcript | None:
    files = list((data_dir / "sessions").glob("*.json")) if (data_dir / "sessions").is_dir() else []
    try:
        return Transcript.model_validate_json(files[0].read_bytes()) if files else None
    except ValueError:
        return None


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_plain_hints_why_and_end_show_nothing_before_the_grade(tmp_path: Path, lang: Lang) -> None:
    script = (
        "Threads share the heap.\n.\n/why\n/hint\n/hint\n/skip\n"  # question 1: graded on /skip
        "/hint\n/why\nTCP connects first.\n.\n/why\n/hint\n/hint\n/end\n"  # question 2: /end mid-question
    )
    proc = run_cli(*_practice(lang), env=_env(tmp_path), stdin=script)
    assert proc.returncode == 0, proc.stderr
    t = _saved(tmp_path)
    assert t is not None and t.finished
    graded = "질문 {i} 점수" if lang == "ko" else "Question {i} score"
    for i, r in enumerate(t.records, 1):
        marker = graded.format(i=i)
        # Everything printed before the question's score line was printed while it could still be answered.
        before = proc.stdout.split(marker)[0]
        assert not shown(before, r), (r.question.id, shown(before, r))
        hints = [turn for turn in r.turns if turn.kind == "hint"]
        assert hints, "the hints were not given"
    assert shown(proc.stdout, t.records[0]), "the final report does not show what a strong answer covers"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_plain_ctrl_c_mid_question_shows_nothing(tmp_path: Path, lang: Lang) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "interviewer", *_practice(lang)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **_env(tmp_path)},
    )
    assert proc.stdin is not None
    proc.stdin.write("Threads share the heap.\n.\n/why\n/hint\na draft line\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        t = _saved(tmp_path)
        if t is not None and any(turn.kind == "hint" for turn in t.records[0].turns):
            break
        time.sleep(0.05)
    time.sleep(0.5)  # let the draft line be read
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    t = _saved(tmp_path)
    assert t is not None and t.records[0].feedback is None
    assert_hidden(out + err, t)
