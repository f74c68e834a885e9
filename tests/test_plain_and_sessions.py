"""Plain mode's wording and report, `eval`'s progress lines, and `sessions` housekeeping."""

from __future__ import annotations

import io
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
from interviewer.domain import Plan
from interviewer.engine import Engine, new_transcript
from interviewer.evaluation.commands import _progress
from interviewer.llm.offline import OfflineBackend
from interviewer.plain import PlainFrontEnd
from interviewer.report import TERMINAL, build_report, to_markdown
from interviewer.store import Store
from tests.helpers import bi, question_data


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
    assert markdown != to_markdown(report, conversation=False, escape=TERMINAL)
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
