"""Reliability: killed processes, concurrent instances and broken input files lose nothing and say why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interviewer.domain import Transcript

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["practice", "--plain", "--questions", "4", "--follow-ups", "2", "--lang", "en", "--seed", "11"]
ANSWERS = [
    f"Answer number {i}: threads share the heap of their process, so they need locks." for i in range(12)
]


def env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "INTERVIEWER_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


def spawn(data_dir: Path, output: bool) -> subprocess.Popen[str]:
    """A plain-mode interview reading answers from a pipe; its output kept only when `output`."""
    sink = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "interviewer", *ARGS],
        stdin=subprocess.PIPE,
        stdout=sink,
        stderr=sink,
        text=True,
        env=env(data_dir),
        cwd=ROOT,
    )


def answers_on_disk(data_dir: Path) -> list[str]:
    files = list((data_dir / "sessions").glob("*.json")) if (data_dir / "sessions").is_dir() else []
    if not files:
        return []
    t = Transcript.model_validate_json(files[0].read_bytes())
    return [turn.text for r in t.records for turn in r.answers()]


@pytest.mark.parametrize("point", range(30))
def test_sigkill_at_any_point_then_resume_loses_nothing(point: int, tmp_path: Path) -> None:
    """Kill after `point // 3` saved answers, at one of three moments around the save, then finish."""
    saved_before, moment = divmod(point, 3)
    proc = spawn(tmp_path, output=False)
    assert proc.stdin is not None
    for answer in ANSWERS[:saved_before]:
        proc.stdin.write(f"{answer}\n.\n")
        proc.stdin.flush()
    deadline = time.monotonic() + 30
    while len(answers_on_disk(tmp_path)) < saved_before and time.monotonic() < deadline:
        time.sleep(0.01)
    if moment == 1:  # mid-answer: part of the next answer has been typed
        proc.stdin.write("a half-typed line\n")
        proc.stdin.flush()
    elif moment == 2:  # right as the next answer is submitted
        proc.stdin.write(f"{ANSWERS[saved_before]}\n.\n")
        proc.stdin.flush()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    before = answers_on_disk(tmp_path)
    assert before[:saved_before] == ANSWERS[:saved_before]
    rest = ANSWERS[len(before) :]
    finish = subprocess.run(
        [sys.executable, "-m", "interviewer", "resume", "--plain"],
        input="".join(f"{a}\n.\n" for a in rest),
        text=True,
        capture_output=True,
        env=env(tmp_path),
        cwd=ROOT,
        timeout=60,
    )
    if not before and not (tmp_path / "sessions").is_dir():
        return  # killed before the session was first saved: nothing was answered, nothing to resume
    assert finish.returncode == 0, finish.stderr
    after = answers_on_disk(tmp_path)
    assert after == ANSWERS[: len(after)], "every answer exactly once, in order"
    assert len(after) >= saved_before


def test_two_instances_share_a_data_dir(tmp_path: Path) -> None:
    procs = [spawn(tmp_path, output=False) for _ in range(2)]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("".join(f"{a}\n.\n" for a in ANSWERS))
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=60) == 0
    files = list((tmp_path / "sessions").glob("*.json"))
    assert len(files) == 2
    for f in files:
        t = Transcript.model_validate_json(f.read_bytes())
        assert t.finished and [turn.text for r in t.records for turn in r.answers()] == ANSWERS
    assert not list((tmp_path / "sessions").glob(".*.tmp"))


def test_data_dir_lost_mid_interview_keeps_every_answer(tmp_path: Path) -> None:
    proc = spawn(tmp_path, output=True)
    assert proc.stdin is not None
    proc.stdin.write(f"{ANSWERS[0]}\n.\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while answers_on_disk(tmp_path) != ANSWERS[:1] and time.monotonic() < deadline:
        time.sleep(0.01)
    sessions = tmp_path / "sessions"
    for f in sessions.iterdir():
        f.unlink()
    sessions.rmdir()
    sessions.write_text("the disk is gone")  # every later save fails
    out, _ = proc.communicate("".join(f"{a}\n.\n" for a in ANSWERS[1:3]), timeout=60)
    assert proc.returncode == 0
    assert "Could not save the transcript" in out
    rescued = next(
        line.split(" is in ")[1].split(". ")[0]
        for line in out.splitlines()
        if "a copy of the transcript" in line
    )
    t = Transcript.model_validate_json(Path(rescued).read_bytes())
    assert [turn.text for r in t.records for turn in r.answers()] == ANSWERS[:3]
    Path(rescued).unlink()


DATA = Path(__file__).parent / "data"
BROKEN_INPUTS = [
    *((["bank", "validate"], p) for p in sorted((DATA / "broken").glob("*.yaml"))),
    *(
        (["eval", "--no-cache"], p)
        for p in sorted((DATA / "broken-datasets").iterdir())
        if p.suffix != ".expected"
    ),
]


@pytest.mark.parametrize(
    ("command", "path"), BROKEN_INPUTS, ids=lambda x: x.stem if isinstance(x, Path) else x[0]
)
def test_broken_inputs_give_one_line_errors(command: list[str], path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip()
    proc = subprocess.run(
        [sys.executable, "-m", "interviewer", *command, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(f"interviewer: {path}") for line in lines)
