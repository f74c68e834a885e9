"""The harness every hostile-input case runs through: `interviewer ARGS` in this process, in a sandbox.

A case passes when the command returns the documented exit code without raising (no traceback), says
what is wrong on stderr in `interviewer: ...` lines, and writes nothing outside the sandbox's data and
cache dirs. Tests group their cases in `CASES`-style lists so the corpus can be counted."""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from interviewer.cli import main

# Shared by every sandbox in a worker: the parsed bank and the encoder's vectors, rebuilt once, not per case.
_CACHE = Path(os.environ["XDG_CACHE_HOME"])


@dataclass
class Result:
    code: int
    out: str
    err: str
    # When each piece of stdout was written (time.monotonic), and when the command returned: a case can
    # tell output shown as the work went on from output printed all at the end.
    written: list[tuple[float, str]] = field(default_factory=list)
    ended: float = 0.0

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    def written_at(self, text: str) -> float:
        """When the first piece of stdout holding `text` was written."""
        return next(at for at, piece in self.written if text in piece)


class _Timed(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.times: list[tuple[float, str]] = []

    def write(self, s: str) -> int:
        self.times.append((time.monotonic(), s))
        return super().write(s)


@dataclass
class Sandbox:
    """A home of its own: `data` is the data dir, `config` the config dir, `cwd` the working dir; paths
    made by a case go under `root`."""

    root: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def sessions(self) -> Path:
        return self.data / "sessions"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"

    def env(self, **values: str) -> None:
        for key, value in values.items():
            self.monkeypatch.setenv(key, value)

    def files(self) -> dict[Path, tuple[int, int]]:
        out: dict[Path, tuple[int, int]] = {}
        for dirpath, _dirs, names in os.walk(self.root):
            for name in names:
                path = Path(dirpath) / name
                with contextlib.suppress(OSError):
                    st = path.lstat()
                    out[path] = (st.st_size, st.st_mtime_ns)
        return out

    def run(self, *argv: str, stdin: str = "", allowed: tuple[Path, ...] = ()) -> Result:
        """Run one command; fail the test on a traceback or on a write outside the data dir, the
        cache and `allowed`."""
        before = self.files()
        out, err = _Timed(), io.StringIO()
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's own usage errors
                code = exc.code if isinstance(exc.code, int) else 1
        ended = time.monotonic()
        after = self.files()
        changed = [p for p, st in after.items() if before.get(p) != st]
        inside = (self.data, *allowed)
        outside = [p for p in changed if not any(p.is_relative_to(d) for d in inside)]
        assert not outside, f"wrote outside the data dir: {outside}"
        assert "Traceback" not in err.getvalue(), err.getvalue()
        return Result(code, out.getvalue(), err.getvalue(), out.times, ended)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path / "box", monkeypatch)
    for d in (box.data, box.config, box.cwd):
        d.mkdir(parents=True)
    monkeypatch.chdir(box.cwd)
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(box.data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(box.config))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_CACHE))
    (box.config / "config.toml").write_text("", encoding="utf-8")  # a user who has not configured anything
    monkeypatch.setenv("INTERVIEWER_CONFIG", str(box.config / "config.toml"))
    # These cases are about input handling, not grading: the sentence encoder stays off.
    monkeypatch.setenv("INTERVIEWER_MEANING", "false")
    # A command run in this process configures the process's encoder from those settings; put it back
    # afterwards, so the tests that run next in this worker grade as they would on their own.
    import interviewer.grading.encoder as encoder

    for name in ("_shared", "_enabled", "_cache_dir", "_configured"):
        monkeypatch.setattr(encoder, name, getattr(encoder, name))
    yield box


def one_line_error(result: Result, code: int, *words: str) -> str:
    """The case failed the documented way: exit `code`, a single `interviewer:` line naming `words`."""
    lines = result.error_lines()
    assert result.code == code, (result.code, result.err)
    assert len(lines) == 1, result.err
    assert lines[0].startswith("interviewer: "), lines[0]
    for word in words:
        assert word.lower() in lines[0].lower(), (word, lines[0])
    return lines[0]
