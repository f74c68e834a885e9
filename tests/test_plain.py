"""Plain mode end to end: the real CLI in a subprocess, answers piped in, transcripts read back from disk."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from interviewer.domain import Transcript
from interviewer.store import Store
from tests.helpers import run_cli

ANSWERS = [
    "Each process has its own address space, while the threads of a process share its heap and code.",
    "Because the memory is shared, threads need locks or other synchronisation to avoid race conditions.",
    "A context switch between threads is cheaper because the address space does not change.",
    "I would choose threads for I/O-bound work and processes for CPU-bound work in Python.",
]
PRACTICE = ["practice", "--plain", "--questions", "2", "--follow-ups", "1", "--lang", "en", "--seed", "5"]


def env(data_dir: Path, meaning: bool = False) -> dict[str, str]:
    """Plain-mode children. These tests are about input, saving and exits, not grading, so the grader's
    encoder (about 2 s of CPU per process) is off unless asked for; test_grading covers it end to end."""
    return {
        **os.environ,
        "INTERVIEWER_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        "INTERVIEWER_MEANING": str(meaning).lower(),
    }


def cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env(data_dir), stdin=stdin)


def piped(*answers: str) -> str:
    return "".join(f"{a}\n.\n" for a in answers)


def session_id(stdout: str) -> str:
    found = re.search(r"Session (\d{8}-\d{6}-[0-9a-f]{4,})", stdout)
    assert found, stdout
    return found.group(1)


def transcript(data_dir: Path, sid: str) -> Transcript:
    return Store(data_dir).load(sid)


def all_answers(t: Transcript) -> list[str]:
    return [turn.text for r in t.records for turn in r.answers()]


def test_piped_two_question_interview(tmp_path: Path) -> None:
    proc = cli(tmp_path, *PRACTICE, stdin=piped(*ANSWERS))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    sid = session_id(proc.stdout)
    assert "[1/2]" in proc.stdout and "[2/2]" in proc.stdout and "follow-up 1/1" in proc.stdout
    assert "# Interview report" in proc.stdout

    t = transcript(tmp_path, sid)
    assert t.finished and len(t.records) == 2
    assert all_answers(t) == ANSWERS
    for r in t.records:
        assert r.follow_ups_asked == 1 and r.feedback is not None

    report = json.loads(cli(tmp_path, "report", sid, "--format", "json").stdout)
    assert report["session_id"] == sid and report["finished"] is True
    assert isinstance(report["overall"], float)
    assert [q["question_id"] for q in report["questions"]] == [r.question.id for r in t.records]
    for q, record in zip(report["questions"], t.records, strict=True):
        assert q["follow_ups"] == 1
        assert set(q["criteria"]) == {c.id for c in record.question.rubric}
        assert all(1 <= s <= 5 for s in q["criteria"].values())
        assert [turn["role"] for turn in q["turns"]] == [
            "interviewer",
            "candidate",
            "interviewer",
            "candidate",
        ]

    md = cli(tmp_path, "report", sid)
    assert md.returncode == 0 and f"# Interview report — {sid}" in md.stdout


def test_end_of_input_saves_and_resume_takes_the_rest(tmp_path: Path) -> None:
    first = cli(tmp_path, *PRACTICE, stdin=piped(*ANSWERS[:2]) + "half of an answer with no dot")
    assert first.returncode == 0, first.stderr
    sid = session_id(first.stdout)
    assert f"To continue: interviewer resume {sid}" in first.stdout
    t = transcript(tmp_path, sid)
    assert not t.finished
    # The unterminated last answer counts as submitted at end of input.
    assert all_answers(t) == [*ANSWERS[:2], "half of an answer with no dot"]

    listed = json.loads(cli(tmp_path, "sessions", "--json").stdout)
    assert [(s["session_id"], s["finished"]) for s in listed] == [(sid, False)]

    rest = cli(tmp_path, "resume", "--plain", stdin=piped(ANSWERS[3]))
    assert rest.returncode == 0, rest.stderr
    assert f"Resuming session {sid}" in rest.stdout
    t = transcript(tmp_path, sid)
    assert t.finished
    assert all_answers(t) == [*ANSWERS[:2], "half of an answer with no dot", ANSWERS[3]]


def spawn(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "interviewer", *PRACTICE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(data_dir),
    )


def _wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _saved_answers(data_dir: Path) -> list[str]:
    files = list((data_dir / "sessions").glob("*.json")) if (data_dir / "sessions").is_dir() else []
    if not files:
        return []
    try:
        return all_answers(Transcript.model_validate_json(files[0].read_bytes()))
    except ValueError:
        return []


def _follow_up_saved(data_dir: Path) -> bool:
    files = list((data_dir / "sessions").glob("*.json")) if (data_dir / "sessions").is_dir() else []
    try:
        t = Transcript.model_validate_json(files[0].read_bytes()) if files else None
    except ValueError:
        return False
    return t is not None and any(turn.kind in ("follow_up", "deepen") for turn in t.records[0].turns)


def test_sigkill_between_answers_loses_nothing(tmp_path: Path) -> None:
    proc = spawn(tmp_path)
    assert proc.stdin is not None
    proc.stdin.write(piped(*ANSWERS[:2]))
    proc.stdin.flush()
    _wait_for(lambda: _saved_answers(tmp_path) == ANSWERS[:2])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    (saved,) = (tmp_path / "sessions").glob("*.json")
    rest = cli(tmp_path, "resume", "--plain", stdin=piped(*ANSWERS[2:]))
    assert rest.returncode == 0, rest.stderr
    t = transcript(tmp_path, saved.stem)
    assert t.finished
    assert all_answers(t) == ANSWERS


def test_ctrl_c_keeps_the_draft_and_prints_the_resume_command(tmp_path: Path) -> None:
    proc = spawn(tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(piped(ANSWERS[0]) + "a draft line\n")
    proc.stdin.flush()
    _wait_for(lambda: _saved_answers(tmp_path) == ANSWERS[:1])
    # The first follow-up may wait for the grader's encoder to finish loading in the background.
    _wait_for(lambda: _follow_up_saved(tmp_path))
    time.sleep(0.5)  # let the draft line be read after the follow-up is shown
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    sid = session_id(out)
    assert f"To continue: interviewer resume {sid}" in out
    assert transcript(tmp_path, sid).draft == "a draft line"

    rest = cli(tmp_path, "resume", sid, "--plain", stdin="continued\n.\n" + piped(*ANSWERS[2:]))
    assert "Continuing your saved draft:" in rest.stdout and "  a draft line" in rest.stdout
    t = transcript(tmp_path, sid)
    assert t.finished and t.draft is None
    assert all_answers(t) == [ANSWERS[0], "a draft line\ncontinued", *ANSWERS[2:]]


def test_commands_through_a_pipe(tmp_path: Path) -> None:
    script = (
        "/hint\n"
        + piped(ANSWERS[0])
        + "/idk\n"
        + piped("I am not sure, but I would guess threads share memory.")
    )
    script += "/skip\n"
    proc = cli(tmp_path, *PRACTICE, stdin=script)
    assert proc.returncode == 0, proc.stderr
    assert "Hint:" in proc.stdout and "what would you infer" in proc.stdout
    t = transcript(tmp_path, session_id(proc.stdout))
    kinds = [[turn.kind for turn in r.turns] for r in t.records]
    assert kinds[0] == ["question", "hint", "answer", "follow_up", "idk", "reason_aloud", "answer"]
    assert kinds[1] == ["question", "skip"] and t.records[1].skipped
    assert t.finished


def test_end_command_and_empty_answers(tmp_path: Path) -> None:
    proc = cli(tmp_path, *PRACTICE, stdin=".\n.\n/end\n")
    assert proc.returncode == 0, proc.stderr
    assert "Your answer is empty" in proc.stdout and "No answer recorded" in proc.stdout
    t = transcript(tmp_path, session_id(proc.stdout))
    assert t.finished
    assert t.records[0].turns[-1].no_answer and t.records[0].feedback is not None
    assert t.records[1].status == "ended"


def test_korean_session(tmp_path: Path) -> None:
    args = [*PRACTICE[:-4], "--lang", "ko", "--seed", "5"]
    proc = cli(tmp_path, *args, stdin="스레드는 같은 프로세스의 힙을 공유합니다.\n.\n/end\n")
    assert proc.returncode == 0, proc.stderr
    assert "세션" in proc.stdout and "면접 리포트" in proc.stdout
    # The report speaks the session's language, down to its table and summary lines.
    assert "| 기준 | 점수 | 근거 |" in proc.stdout and "- 트랙: mlse · 언어: ko" in proc.stdout
    assert "criterion" not in proc.stdout and "track:" not in proc.stdout


def test_unwritable_data_dir_fails_before_the_interview(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = cli(blocker / "data", *PRACTICE, stdin=piped(*ANSWERS))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert (
        proc.stderr.startswith("interviewer: error: cannot write to the data dir")
        and "Traceback" not in proc.stderr
    )


def test_bare_command_without_a_terminal_runs_plain(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "interviewer"],
        input="/end\n",
        text=True,
        capture_output=True,
        env=env(tmp_path),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Session " in proc.stdout or "세션 " in proc.stdout
