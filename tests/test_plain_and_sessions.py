"""Plain mode's wording and report, `eval`'s progress lines, and `sessions` housekeeping."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from interviewer.bank import Bank, load_bank
from interviewer.cli import main
from interviewer.domain import Plan
from interviewer.engine import Engine, new_transcript
from interviewer.evaluation.commands import _progress
from interviewer.llm.offline import OfflineBackend
from interviewer.plain import PlainFrontEnd
from interviewer.report import build_report, to_markdown
from interviewer.store import Store
from tests.helpers import bi, question_data
from tests.hostile import Sandbox, one_line_error, sandbox  # noqa: F401


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def lines(*typed: str) -> Iterator[str]:
    yield from typed


def plain(
    tmp_path: Path, out: io.StringIO, *typed: str, bank: Bank | None = None, **plan: object
) -> PlainFrontEnd:
    backend = OfflineBackend()
    settings = {"track": "backend", "lang": "en", "questions": 1, "follow_ups": 0, "seed": 5, **plan}
    t = new_transcript(Plan.model_validate(settings), bank or load_bank(), backend)
    typing = lines(*typed)

    def read_line() -> str:
        line = next(typing, None)
        if line is None:
            raise EOFError
        return line

    return PlainFrontEnd(Engine(t, backend, Store(tmp_path / "data")), "interviewer resume", out, read_line)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_empty_answer_names_the_typed_command(tmp_path: Path, lang: str) -> None:
    out = io.StringIO()
    assert plain(tmp_path, out, ".", "/end", lang=lang).run() == 0
    assert "/skip" in out.getvalue()


def test_report_is_markdown_when_piped(tmp_path: Path) -> None:
    # The question's Markdown characters are escaped in Markdown, and only there.
    question = question_data()
    question["text"] = bi("*멱등* API는?", "How would you make a *payment* API `idempotent`?")
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump([question], allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    front = plain(tmp_path, out, "/skip", bank=load_bank([path], include_builtin=False))
    assert front.run() == 0
    report = build_report(front.engine.transcript)
    markdown = to_markdown(report, conversation=False)
    assert out.getvalue().endswith("\n" + markdown + "\n")


def test_report_is_rendered_at_a_terminal(tmp_path: Path) -> None:
    out = Terminal()
    assert plain(tmp_path, out, "Threads share the heap of their process.", ".").run() == 0
    shown = out.getvalue()
    assert "Interview report" in shown
    assert "# Interview report" not in shown and "**" not in shown


def test_eval_progress_without_a_terminal_is_one_line_per_tenth(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    for done in range(1, 21):
        _progress(done, 20)
    said = err.getvalue().splitlines()
    assert "\r" not in err.getvalue() and len(said) == 10
    assert said[3] == "eval: 40% (8 of 20 items)" and said[-1] == "eval: 100% (20 of 20 items)"


def test_eval_progress_at_a_terminal_is_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    _progress(10, 20)
    assert err.getvalue().startswith("\r[###############...............] 10/20")


def _read_until(fd: int, seen: bytearray, wanted: bytes, times: int = 1, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while seen.count(wanted) < times:
        assert time.monotonic() < deadline, bytes(seen)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            seen += os.read(fd, 4096)


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
def test_ctrl_c_at_a_terminal_keeps_the_line_being_typed(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    args = ["practice", "--plain", "--questions", "1", "--lang", "en", "--seed", "5"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "interviewer", *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "INTERVIEWER_DATA_DIR": str(tmp_path), "INTERVIEWER_MEANING": "false"},
    )
    os.close(terminal)
    seen = bytearray()
    try:
        _read_until(controller, seen, "› ".encode())
        os.write(controller, b"a whole line\r")
        _read_until(controller, seen, "› ".encode(), times=2)  # the line is in, the next one asked for
        os.write(controller, b"half a li")
        _read_until(controller, seen, b"half a li")
        # As a person's Ctrl-C does, land while readline waits for a key: a signal that arrives as it
        # redraws the line is only seen at the next key.
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        _read_until(controller, seen, b"To continue")
    finally:
        proc.kill()
        os.close(controller)
    (saved,) = (tmp_path / "sessions").glob("*.json")
    assert Store(tmp_path).load(saved.stem).draft == "a whole line\nhalf a li"


@pytest.mark.parametrize(("lang", "said"), [("en", "Only 5 questions match"), ("ko", "질문이 5개뿐이라")])
def test_fewer_matching_questions_than_asked_is_said_before_the_first(
    tmp_path: Path, lang: str, said: str
) -> None:
    out = io.StringIO()
    front = plain(tmp_path, out, "/end", lang=lang, track="mlse", categories=["coding"], questions=100)
    assert front.run() == 0
    shown = out.getvalue()
    assert len(front.engine.transcript.records) == 5
    assert said in shown and shown.index(said) < shown.index("[1/5]")


def test_no_word_on_the_question_count_when_the_bank_has_enough(tmp_path: Path) -> None:
    out = io.StringIO()
    assert plain(tmp_path, out, "/end", questions=2).run() == 0
    assert "questions match" not in out.getvalue()


# --- sessions: empty ones hidden, `sessions delete` ---------------------------------------------------

ONE = ["practice", "--plain", "--questions", "1", "--follow-ups", "0", "--lang", "en", "--seed", "5"]


def _ids(box: Sandbox) -> list[str]:
    return sorted(p.stem for p in box.sessions.glob("*.json"))


def _two_sessions(box: Sandbox) -> tuple[str, str]:
    """One ended before any answer, one with an answer; returns (empty, answered)."""
    assert box.run(*ONE, stdin="/end\n").code == 0
    (empty,) = _ids(box)
    assert box.run(*ONE, stdin="Threads share the heap of their process.\n.\n").code == 0
    (answered,) = set(_ids(box)) - {empty}
    return empty, answered


def test_sessions_hides_the_ones_without_an_answer(sandbox: Sandbox) -> None:
    empty, answered = _two_sessions(sandbox)
    listed = sandbox.run("sessions")
    assert listed.code == 0 and answered in listed.out and empty not in listed.out
    assert "1 session(s) without an answer not shown" in listed.out
    assert empty in sandbox.run("sessions", "--all").out
    every = json.loads(sandbox.run("sessions", "--json").out)  # scripts filter on `answers`
    assert {s["session_id"]: s["answers"] for s in every} == {empty: 0, answered: 1}


def test_delete_with_yes_removes_the_transcript_only(sandbox: Sandbox) -> None:
    empty, answered = _two_sessions(sandbox)
    other = sandbox.sessions / "notes.txt"
    other.write_text("kept", encoding="utf-8")
    result = sandbox.run("sessions", "delete", empty[:-1], "--yes")  # a unique prefix
    assert result.code == 0 and f"Deleted session {empty}." in result.out
    assert _ids(sandbox) == [answered] and other.read_text(encoding="utf-8") == "kept"
    assert sandbox.run("report", empty).code == 1


def test_delete_takes_data_dir_before_the_action(sandbox: Sandbox, tmp_path: Path) -> None:
    empty, _ = _two_sessions(sandbox)
    sandbox.env(INTERVIEWER_DATA_DIR=str(tmp_path / "elsewhere"))
    assert sandbox.run("sessions", "--data-dir", str(sandbox.data), "delete", empty, "--yes").code == 0
    assert empty not in _ids(sandbox)


def test_delete_without_a_terminal_needs_yes(sandbox: Sandbox) -> None:
    empty, _ = _two_sessions(sandbox)
    one_line_error(sandbox.run("sessions", "delete", empty, stdin="y\n"), 2, "--yes", empty)
    assert empty in _ids(sandbox)


@pytest.mark.parametrize("ref", ["../data/sessions/x.json", "nope", ""])
def test_delete_refuses_paths_and_unknown_ids(sandbox: Sandbox, ref: str) -> None:
    _two_sessions(sandbox)
    result = sandbox.run("sessions", "delete", ref, "--yes")
    assert result.code in (1, 2) and len(result.error_lines()) == 1
    assert len(_ids(sandbox)) == 2


class TerminalIn(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("reply", "deleted"), [("y\n", True), ("yes\n", True), ("n\n", False), ("", False)])
def test_delete_asks_at_a_terminal(
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reply: str,
    deleted: bool,
) -> None:
    _, answered = _two_sessions(sandbox)
    monkeypatch.setattr("sys.stdin", TerminalIn(reply))
    assert main(["sessions", "delete", answered]) == 0
    out = capsys.readouterr().out
    assert f"Delete session {answered} (1 answer)? [y/N]" in out
    assert (answered not in _ids(sandbox)) is deleted
    assert ("Nothing deleted." in out) is not deleted


def test_delete_refuses_a_session_open_in_another_process(sandbox: Sandbox) -> None:
    empty, _ = _two_sessions(sandbox)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from interviewer.store import Store; "
            f"Store(Path(sys.argv[1])).lock({empty!r}); print('locked', flush=True); sys.stdin.read()",
            str(sandbox.data),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        one_line_error(sandbox.run("sessions", "delete", empty, "--yes"), 1, "open in another interviewer")
        assert empty in _ids(sandbox)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert sandbox.run("sessions", "delete", empty, "--yes").code == 0
