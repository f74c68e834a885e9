"""Reliability: killed processes, concurrent instances, unwritable or full disks and broken input files
lose nothing and say why."""

from __future__ import annotations

import ctypes
import errno
import io
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from interviewer.domain import Transcript
from interviewer.plain import keep_all_unsaved
from interviewer.tui.app import InterviewerApp
from tests.helpers import run_cli
from tests.hostile import Sandbox
from tests.hostile import sandbox as sandbox  # the fixture
from tests.test_plain import env
from tests.tui_support import context, drive, settle, type_answer

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["practice", "--plain", "--questions", "4", "--follow-ups", "2", "--lang", "en", "--seed", "11"]
ANSWERS = [
    f"Answer number {i}: threads share the heap of their process, so they need locks." for i in range(12)
]


def spawn(
    data_dir: Path,
    output: bool,
    args: Sequence[str] = ARGS,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen[str]:
    """A plain-mode interview reading answers from a pipe; its output kept only when `output`;
    `preexec_fn` sets up the OS conditions the child runs under."""
    sink = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "interviewer", *args],
        stdin=subprocess.PIPE,
        stdout=sink,
        stderr=sink,
        text=True,
        env=env(data_dir),
        cwd=ROOT,
        preexec_fn=preexec_fn,
    )


def answers_on_disk(data_dir: Path) -> list[str]:
    files = list((data_dir / "sessions").glob("*.json")) if (data_dir / "sessions").is_dir() else []
    if not files:
        return []
    t = Transcript.model_validate_json(files[0].read_bytes())
    return [turn.text for r in t.records for turn in r.answers()]


def wait_until_saved(data_dir: Path, answers: list[str]) -> None:
    """Until `answers` are on disk and so is the question after them: the interview waits for input and
    writes nothing meanwhile."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        files = list((data_dir / "sessions").glob("*.json")) if (data_dir / "sessions").is_dir() else []
        if files:
            t = Transcript.model_validate_json(files[0].read_bytes())
            current = t.current
            if answers_on_disk(data_dir) == answers and current and current.turns[-1].role == "interviewer":
                return
        time.sleep(0.01)
    raise AssertionError(f"{answers} and the question after them were not saved in 30 s")


# The first answers, one in the middle and the last before the end: the save is the same code each time,
# so five places (each a process started twice) stand for all ten.
@pytest.mark.parametrize("moment", range(3))
@pytest.mark.parametrize("saved_before", (0, 1, 2, 5, 9))
def test_sigkill_at_any_point_then_resume_loses_nothing(
    saved_before: int, moment: int, tmp_path: Path
) -> None:
    """Kill after `saved_before` saved answers, at one of three moments around the save, then finish."""
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
    finish = run_cli("resume", "--plain", env=env(tmp_path), stdin="".join(f"{a}\n.\n" for a in rest))
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
    wait_until_saved(tmp_path, ANSWERS[:1])  # not mid-save, or the dir may not be empty when removed
    sessions = tmp_path / "sessions"
    for _ in range(50):  # a save still landing (a temp file, a grade finishing) refills the folder: again
        for f in sessions.iterdir():
            f.unlink(missing_ok=True)
        try:
            sessions.rmdir()
            break
        except OSError:
            time.sleep(0.01)
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


# --- unwritable and full disks, for real -------------------------------------------------------------
#
# Root ignores file permissions, and tests run as root here and in CI, so a chmod alone proves nothing.
# Switching the child to "nobody" would also lock it out of an interpreter kept under /root (pyenv), so
# a child of root keeps its uid, and with it the repo, the venv and the temp and config dirs it owns, and
# gives up the capabilities that override permissions: then a 0o555 dir is as unwritable for it as for
# anyone. A disk that fills up is a file size limit: CPython ignores SIGXFSZ, so a write past the limit
# fails with EFBIG, as it would with ENOSPC.

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


def obey_permissions() -> Callable[[], None] | None:
    """A preexec_fn under which a child of root obeys file permissions; None when not root."""
    if os.geteuid() != 0:
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the forked child only calls it

    def drop() -> None:
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
            if prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def file_size_limit(limit: int) -> Callable[[], None]:
    """A preexec_fn: no file can grow past `limit` bytes, as on a disk with that little room left."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return apply


def child_write(
    path: Path, size: int, preexec_fn: Callable[[], None] | None
) -> subprocess.CompletedProcess[str]:
    code = f"with open({str(path)!r}, 'wb') as f: f.write(b'x' * {size})"
    return subprocess.run(
        [sys.executable, "-c", code], preexec_fn=preexec_fn, capture_output=True, text=True, timeout=30
    )


@pytest.fixture
def read_only() -> Iterator[Callable[..., Callable[[], None] | None]]:
    """chmod dirs 0o555 and give the preexec_fn under which a child really cannot write to them."""
    made: list[Path] = []

    def make(*dirs: Path) -> Callable[[], None] | None:
        for d in dirs:
            d.chmod(0o555)
            made.append(d)
        preexec = obey_permissions()
        try:
            probe = child_write(dirs[0] / "probe", 1, preexec)
        except subprocess.SubprocessError as exc:
            pytest.skip(f"cannot take root's file rights away from a child here: {exc}")
        if probe.returncode == 0:
            pytest.skip(f"a child process can still write to {dirs[0]} after chmod 0o555")
        assert "PermissionError" in probe.stderr, probe.stderr
        return preexec

    yield make
    for d in made:
        d.chmod(0o755)


def test_past_a_file_size_limit_writes_fail_with_efbig(tmp_path: Path) -> None:
    """The premise of the disk-full tests: no SIGXFSZ kill, an OSError the app can handle."""
    probe = child_write(tmp_path / "big", 100, file_size_limit(10))
    assert probe.returncode == 1, probe.stderr
    assert f"[Errno {errno.EFBIG}]" in probe.stderr and (tmp_path / "big").stat().st_size == 10


def saved_session(data_dir: Path) -> Path:
    """A session with one answer on disk, interrupted by the end of input."""
    proc = spawn(data_dir, output=True)
    _, err = proc.communicate(f"{ANSWERS[0]}\n.\n", timeout=60)
    assert proc.returncode == 0, err
    (path,) = (data_dir / "sessions").glob("*.json")
    return path


@pytest.mark.parametrize("command", ["practice", "resume"])
@pytest.mark.parametrize("condition", ["read-only", "disk-full"])
def test_an_unwritable_data_dir_stops_before_the_first_question(
    command: str,
    condition: str,
    tmp_path: Path,
    read_only: Callable[..., Callable[[], None] | None],
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    session = saved_session(data) if command == "resume" else None
    before = session.read_bytes() if session else b""
    if condition == "read-only":
        preexec = read_only(data, data / "sessions") if session else read_only(data)
    else:
        preexec = file_size_limit(1)  # too small even for the two bytes of the write check
    args = ARGS if command == "practice" else ["resume", "--plain"]
    proc = spawn(data, output=True, args=args, preexec_fn=preexec)
    out, err = proc.communicate("".join(f"{a}\n.\n" for a in ANSWERS[1:3]), timeout=60)

    assert proc.returncode == 1
    assert out == "", "no session line, no question: the interview never started"
    reason = "Permission denied" if condition == "read-only" else "File too large"
    assert err.splitlines() == [
        f"interviewer: error: cannot write to the data dir {data}: {reason} "
        "(choose another with --data-dir or INTERVIEWER_DATA_DIR)"
    ]
    if session:
        assert session.read_bytes() == before


def unsaved_block(out: str) -> list[str]:
    """The answers printed when they could be saved nowhere."""
    start = out.index("⚠ The answers below could not be saved")
    end = out.index("── end of the unsaved answers ──", start)
    return [line for line in out[start:end].splitlines() if line.startswith("Answer number")]


@pytest.mark.parametrize("given", [7, 12], ids=["input-ends-mid-way", "to-the-end"])
def test_disk_full_mid_interview_prints_the_answers_it_could_not_save(given: int, tmp_path: Path) -> None:
    proc = spawn(tmp_path, output=True)
    assert proc.stdin is not None
    proc.stdin.write("".join(f"{a}\n.\n" for a in ANSWERS[:2]))
    proc.stdin.flush()
    wait_until_saved(tmp_path, ANSWERS[:2])
    (path,) = (tmp_path / "sessions").glob("*.json")
    # The disk fills up: from now on no file of this process can grow past the transcript's current size,
    # the transcript's next version and the rescue copy in the temp dir included.
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (path.stat().st_size, resource.RLIM_INFINITY))
    out, err = proc.communicate("".join(f"{a}\n.\n" for a in ANSWERS[2:given]), timeout=60)

    assert proc.returncode == 1
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith(f"interviewer: error: cannot save session {path.stem}: File too large")
    assert line.endswith(
        "no copy in the temp dir either: File too large; the unsaved answers are printed above"
    )
    warned = out.index("Could not save the transcript")
    assert "[3/4]" in out[warned:], "the interview went on after the failed save"
    assert "Everything answered so far is saved" not in out
    assert answers_on_disk(tmp_path) == ANSWERS[:2]
    assert unsaved_block(out) == ANSWERS[2:given], "every answer is on disk or on the screen, once"
    assert "── Question 2 of 4 ──\nInterviewer: " in out and "\nYour answer:\nAnswer number 2:" in out
    assert not (Path(tempfile.gettempdir()) / f"interviewer-{path.stem}.json").exists()


def test_tui_shows_what_it_could_not_save_when_it_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data dir and temp dir both lost mid-interview: after the screen closes, the answers are printed."""
    ctx = context(tmp_path, lang="ko")
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")

    async def script(pilot: Pilot[int]) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await type_answer(pilot, ANSWERS[0])
        sessions = tmp_path / "data" / "sessions"
        for f in sessions.iterdir():
            f.unlink()
        sessions.rmdir()
        sessions.write_text("the disk is gone")
        monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))  # and no temp dir either
        await type_answer(pilot, ANSWERS[1])
        pilot.app.screen.query_one(TextArea).insert("half of answer 3")
        await pilot.press("ctrl+q")

    drive(InterviewerApp(ctx), script)
    out = io.StringIO()
    assert keep_all_unsaved(ctx.engines, out) == 1
    printed = out.getvalue()
    assert "아래 답변은 데이터 폴더에도, 임시 폴더에도 저장하지 못했습니다" in printed
    assert f"내 답변:\n{ANSWERS[1]}\n" in printed and ANSWERS[0] not in printed  # that one is on disk
    assert "작성 중이던 답변 (제출 전):\nhalf of answer 3\n" in printed
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("interviewer: error: cannot save session") and "Not a directory" in line


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
def test_broken_inputs_give_one_line_errors(sandbox: Sandbox, command: list[str], path: Path) -> None:
    """In this process, through the real entry point (the sandbox fails the case on a traceback)."""
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip()
    proc = sandbox.run(*command, str(path))
    assert proc.code == 2
    lines = proc.err.strip().splitlines()
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(f"interviewer: {path}") for line in lines)
