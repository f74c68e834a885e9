"""Hostile files and ids: session ids on the command line and inside transcripts, paths that are missing,
special or huge, transcripts that lie, bank files with YAML aliases or thousands of errors, datasets and
run files of every odd kind, and two processes opening one session. Each case ends in the documented exit
code and one `interviewer:` line (or a capped list), without a traceback, without blocking, and without a
write outside the data dir."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from textual.widgets import DataTable

from interviewer.bank import load_bank
from interviewer.domain import Plan
from interviewer.engine import new_transcript
from interviewer.llm.offline import OfflineBackend
from interviewer.resources import cache_dir
from interviewer.settings import Settings
from interviewer.store import Store, StoreError, new_session_id, write_atomic
from interviewer.tui.app import Context, InterviewerApp
from interviewer.tui.history import HistoryScreen
from interviewer.tui.messages import OpenHistory
from tests.helpers import ROOT, question_data
from tests.hostile import Result, Sandbox, one_line_error, sandbox  # noqa: F401
from tests.tui_support import show

MB = 1024 * 1024
TRANSCRIPT_LIMIT, BANK_LIMIT = 64 * MB, 4 * MB  # as documented; kept literal so the cases run on any version
SID = "20261206-111639-a3f9"
OTHER = "20261206-111640-b4e0"
SESSION_COMMANDS: list[tuple[str, ...]] = [
    ("report",),
    ("replay",),
    ("regrade", "--provider", "offline"),
    ("resume", "--plain", "--provider", "offline"),
]


@functools.cache
def _transcript_json() -> str:
    bank = load_bank(cache_dir=cache_dir())
    t = new_transcript(Plan(questions=1, seed=1, lang="en"), bank, OfflineBackend(), session_id=SID)
    return t.model_dump_json()


def transcript_data(session_id: str = SID) -> dict[str, object]:
    data: dict[str, object] = json.loads(_transcript_json())
    data["session_id"] = session_id
    return data


def put(box: Sandbox, content: dict[str, object] | str | bytes, name: str = f"{SID}.json") -> Path:
    """A file in the sessions folder (or, with a path in `name`, under the sandbox)."""
    path = box.sessions / name if "/" not in name else box.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space and, read whole, would take all that memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


@contextlib.contextmanager
def unix_socket(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    here = os.getcwd()
    os.chdir(path.parent)  # a relative name: socket paths are limited to ~100 bytes
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(path.name)
        yield
    finally:
        sock.close()
        os.chdir(here)


def timed(box: Sandbox, *argv: str, stdin: str = "") -> tuple[Result, float]:
    start = time.monotonic()
    result = box.run(*argv, stdin=stdin)
    return result, time.monotonic() - start


# --- session ids and refs on the command line: literal text, never patterns, never a path ----------------

ID_CASES = [
    pytest.param("*", 2, "not a session id", id="glob-star"),
    pytest.param("2026*", 2, "not a session id", id="glob-prefix-star"),
    pytest.param("?", 2, "not a session id", id="glob-question"),
    pytest.param("2026120?", 2, "not a session id", id="glob-question-inside"),
    pytest.param("[2]*", 2, "not a session id", id="glob-class"),
    pytest.param("{a,b}", 2, "not a session id", id="brace"),
    pytest.param("", 2, "not a session id", id="empty"),
    pytest.param("a" * 300, 2, "not a session id", id="very-long"),
    pytest.param("\x1b[2J\x1b]0;t\x07", 2, "not a session id", id="escape-sequences"),
    pytest.param("a\nb", 2, "not a session id", id="newline"),
    pytest.param("x\x00y", 2, "not a session id", id="nul"),
    pytest.param("세션", 2, "not a session id", id="unicode-hangul"),
    pytest.param("20261206\u2215x", 2, "not a session id", id="unicode-slash-lookalike"),
    pytest.param("a b", 2, "not a session id", id="space"),
    pytest.param("..", 2, "not a session id", id="dot-dot"),
    pytest.param("~", 2, "not a session id", id="tilde"),
    pytest.param("a\\b", 2, "not a session id", id="backslash"),
    pytest.param("[b]", 2, "not a session id", id="markup"),
    pytest.param("[/]", 1, "no such transcript file", id="markup-with-a-slash-is-a-path"),
    pytest.param("../../etc/passwd", 1, "no such transcript file", id="traversal"),
    pytest.param("../data/sessions/" + SID, 1, "no such transcript file", id="traversal-to-session"),
    pytest.param(f"{SID}.json", 1, "no such transcript file", id="json-suffix-is-a-path"),
    pytest.param("/no/such.json", 1, "no such transcript file", id="absolute-missing"),
    pytest.param("/etc/hostname", 1, "not a valid transcript", id="absolute-not-a-transcript"),
    pytest.param("20261206", 2, "ambiguous", id="ambiguous-prefix"),
]


@pytest.mark.parametrize(("ref", "code", "words"), ID_CASES)
def test_a_session_ref_is_literal(sandbox: Sandbox, ref: str, code: int, words: str) -> None:
    put(sandbox, transcript_data(SID))
    put(sandbox, transcript_data(OTHER), f"{OTHER}.json")
    if ref == "/etc/hostname" and not Path(ref).is_file():
        pytest.skip("no /etc/hostname here")
    for command in SESSION_COMMANDS:
        result = sandbox.run(command[0], ref, *command[1:])
        line = one_line_error(result, code, words)
        assert "\x1b" not in line and "\x00" not in line


@pytest.mark.parametrize("ref", [SID, SID[:17], "20261206-111639", f"data/sessions/{SID}.json"])
def test_an_id_a_unique_prefix_or_a_path_opens_the_session(sandbox: Sandbox, ref: str) -> None:
    put(sandbox, transcript_data(SID))
    put(sandbox, transcript_data(OTHER), f"{OTHER}.json")
    (sandbox.cwd / "data").symlink_to(sandbox.data)
    result = sandbox.run("report", ref, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["session_id"] == SID


# --- ids inside transcripts: a file never decides where the app writes --------------------------------

BAD_IDS = [
    pytest.param("../../outside", id="traversal"),
    pytest.param("/tmp/absolute", id="absolute"),
    pytest.param("a/b", id="slash"),
    pytest.param("a\\b", id="backslash"),
    pytest.param("..", id="dot-dot"),
    pytest.param("", id="empty"),
    pytest.param("x" * 65, id="too-long"),
    pytest.param("a\x1b[2Jb", id="escape"),
    pytest.param("a\nb", id="newline"),
    pytest.param("[/]", id="markup"),
    pytest.param("séance", id="unicode"),
    pytest.param("-rf", id="leading-dash"),
]


@pytest.mark.parametrize("session_id", BAD_IDS)
def test_a_transcript_with_a_bad_id_is_refused_naming_the_file(sandbox: Sandbox, session_id: str) -> None:
    evil = put(sandbox, transcript_data(session_id), "cwd/evil.json")
    for argv in (("resume", "evil.json", "--plain"), ("replay", "evil.json"), ("report", str(evil))):
        one_line_error(sandbox.run(*argv), 1, "evil.json", "session_id")
    assert not (sandbox.root / "outside.json").exists()
    assert not sandbox.sessions.exists() or not list(sandbox.sessions.glob("*.json"))


def test_a_transcript_with_a_bad_id_in_the_sessions_folder_is_skipped_in_listings(sandbox: Sandbox) -> None:
    put(sandbox, transcript_data("../../outside"), f"{OTHER}.json")
    put(sandbox, transcript_data(SID))
    result = sandbox.run("sessions", "--json")
    assert result.code == 0
    assert [s["session_id"] for s in json.loads(result.out)] == [SID]
    assert f"{OTHER}.json" in result.err and "session_id" in result.err


def test_a_store_never_builds_a_path_from_a_bad_id(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for bad in ("../x", "/abs", "a/b", "", ".."):
        with pytest.raises(StoreError, match="not a session id"):
            store.path_for(bad)


# --- transcripts that are not what they claim ------------------------------------------------------------

TRANSCRIPTS: list[object] = [
    pytest.param(b"", "(file)", id="empty-file"),
    pytest.param(b"{", "(file)", id="truncated-open"),
    pytest.param("half", "(file)", id="truncated-half"),
    pytest.param(b"[]", "(file)", id="a-list"),
    pytest.param(b"null", "(file)", id="null"),
    pytest.param(b'"text"', "(file)", id="a-string"),
    pytest.param(b"\xff\xfe\x00garbage", "(file)", id="binary"),
    pytest.param(b"[" * 100_000, "(file)", id="deeply-nested"),
    pytest.param({"records": "x"}, "records", id="records-wrong-type"),
    pytest.param({"plan": []}, "plan", id="plan-wrong-type"),
    pytest.param({"created_at": "yesterday"}, "created_at", id="date-wrong"),
    pytest.param({"schema_version": "one"}, "schema_version", id="version-wrong-type"),
    pytest.param({"schema_version": 99}, "newer than this interviewer", id="version-newer"),
    pytest.param({"session_id": 12345}, "session_id", id="id-a-number"),
]


@pytest.mark.parametrize(("content", "words"), TRANSCRIPTS)
def test_a_broken_transcript_is_one_line(sandbox: Sandbox, content: object, words: str) -> None:
    if content == "half":
        content = _transcript_json().encode()[: len(_transcript_json()) // 2]
    elif isinstance(content, dict):
        content = {**transcript_data(), **content}
    assert isinstance(content, bytes | dict)
    put(sandbox, content)
    for command in SESSION_COMMANDS:
        line = one_line_error(sandbox.run(command[0], SID, *command[1:]), 1, f"{SID}.json")
        assert words in line
    listing = sandbox.run("sessions")
    assert listing.code == 0 and f"{SID}.json" in listing.err


def test_a_transcript_over_the_limit_is_refused_before_it_is_read(sandbox: Sandbox) -> None:
    big = sparse(sandbox.cwd / "huge.json", 200 * MB)
    result, took = timed(sandbox, "replay", str(big))
    one_line_error(result, 2, "huge.json", "200.0 MB", "64.0 MB limit")
    assert took < 2, took  # reading 200 MB of zeroes and parsing them takes far longer
    sparse(sandbox.sessions / f"{OTHER}.json", TRANSCRIPT_LIMIT + 1)
    put(sandbox, transcript_data(SID))
    listing, took = timed(sandbox, "sessions", "--json")
    assert listing.code == 0 and [s["session_id"] for s in json.loads(listing.out)] == [SID]
    assert "limit" in listing.err and took < 2


def test_a_long_answer_is_still_read_whole(sandbox: Sandbox) -> None:
    data = transcript_data()
    records = data["records"]
    assert isinstance(records, list)
    answer = "x" * 10_000_000
    records[0]["turns"] = [
        {"role": "interviewer", "kind": "question", "text": "q", "at": "2026-01-01T00:00:00Z"},
        {"role": "candidate", "kind": "answer", "text": answer, "at": "2026-01-01T00:00:01Z"},
    ]
    put(sandbox, data)
    result = sandbox.run("replay", SID)
    assert result.code == 0 and answer in result.out


# --- paths that are not regular files: refused at once, never waited on ----------------------------------


def _fifo(box: Sandbox, name: str) -> Path:
    path = box.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _dir(box: Sandbox, name: str) -> Path:
    path = box.root / name
    path.mkdir(parents=True)
    return path


def _loop(box: Sandbox, name: str) -> Path:
    path = box.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    other = path.with_name("loop-b.json")
    path.symlink_to(other)
    other.symlink_to(path)
    return path


def _to_device(box: Sandbox, name: str) -> Path:
    path = box.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/zero")
    return path


def _to_fifo(box: Sandbox, name: str) -> Path:
    path = box.root / name
    target = _fifo(box, "fifo-target")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


def _under_a_file(box: Sandbox, name: str) -> Path:
    (box.root / "plain-file").write_text("x")
    return box.root / "plain-file" / name


def _long_name(box: Sandbox, name: str) -> Path:
    return box.root / ("n" * 300 + name)


def _unreadable(box: Sandbox, name: str) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = put(box, _transcript_json(), name)
    path.chmod(0)
    return path


SPECIAL: list[object] = [
    pytest.param(_fifo, 2, "not a regular file (a pipe)", id="fifo"),
    pytest.param(_dir, 2, "not a regular file (a folder)", id="folder"),
    pytest.param(_to_device, 2, "not a regular file (a character device)", id="symlink-to-device"),
    pytest.param(_to_fifo, 2, "not a regular file (a pipe)", id="symlink-to-fifo"),
    pytest.param(_loop, 1, "cannot read", id="symlink-loop"),
    pytest.param(_under_a_file, 1, "cannot read", id="under-a-file"),
    pytest.param(_long_name, 1, "cannot read", id="name-too-long"),
    pytest.param(_unreadable, 1, "cannot read", id="unreadable"),
]


@pytest.mark.parametrize(("make", "code", "words"), SPECIAL)
def test_a_special_transcript_path_is_refused_without_blocking(
    sandbox: Sandbox, make: Callable[[Sandbox, str], Path], code: int, words: str
) -> None:
    path = make(sandbox, "cwd/special.json")
    for argv in (("replay", str(path)), ("report", str(path)), ("resume", str(path), "--plain")):
        result, took = timed(sandbox, *argv)
        one_line_error(result, code, words)
        assert took < 5


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/stdin", "/dev/urandom"])
def test_a_device_named_on_the_command_line_is_refused(sandbox: Sandbox, device: str) -> None:
    if not Path(device).exists() or Path(device).is_file():
        pytest.skip(f"{device} is not a device here")
    one_line_error(timed(sandbox, "replay", device)[0], 2, device, "not a regular file")
    one_line_error(timed(sandbox, "bank", "validate", device)[0], 2, device, "not a regular file")
    one_line_error(timed(sandbox, "bank", "list", "--bank", device)[0], 2, device, "not a regular file")
    one_line_error(timed(sandbox, "eval", "compare", device, device)[0], 2, device, "not a regular file")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda box, p: _fifo(box, p), id="fifo"),
        pytest.param(lambda box, p: _dir(box, p), id="folder"),
        pytest.param(lambda box, p: _to_device(box, p), id="symlink-to-device"),
        pytest.param(lambda box, p: _loop(box, p), id="symlink-loop"),
        pytest.param(lambda box, p: sparse(box.root / p, 200 * MB), id="huge"),
        pytest.param("socket", id="socket"),
    ],
)
def test_the_sessions_folder_skips_what_is_not_a_transcript(
    sandbox: Sandbox, make: object, request: pytest.FixtureRequest
) -> None:
    put(sandbox, transcript_data(SID))
    name = f"data/sessions/{SID[:9]}999999-dead.json"
    with contextlib.ExitStack() as stack:
        if make == "socket":
            stack.enter_context(unix_socket(sandbox.root / name))
        else:
            assert callable(make)
            make(sandbox, name)
        (sandbox.sessions / f"{SID}.lock").write_text("")  # a lock file left by a crash: not a session
        listing, took = timed(sandbox, "sessions", "--json")
        assert listing.code == 0 and took < 5
        assert [s["session_id"] for s in json.loads(listing.out)] == [SID]
        assert all(line.startswith("interviewer: skipped ") for line in listing.error_lines())
        # A literal prefix that matches the special file's name and the session: only a regular file counts.
        report = sandbox.run("report", SID[:9], "--format", "json")
        if "huge" in request.node.name:
            one_line_error(report, 2, "ambiguous")
        else:
            assert report.code == 0, report.err
        resumed, took = timed(sandbox, "resume", "--plain", "--provider", "offline")
        assert resumed.code == 0 and took < 30, resumed.err


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda box, p: _fifo(box, p), id="fifo"),
        pytest.param(lambda box, p: _dir(box, p), id="folder"),
        pytest.param(lambda box, p: _to_device(box, p), id="symlink-to-device"),
    ],
)
def test_an_output_path_that_is_not_a_regular_file_is_never_replaced(
    sandbox: Sandbox, make: Callable[[Sandbox, str], Path]
) -> None:
    put(sandbox, transcript_data(SID))
    target = make(sandbox, "cwd/out.json")
    result, took = timed(sandbox, "regrade", SID, "--provider", "offline", "--out", str(target))
    one_line_error(result, 1, "out.json", "not a regular file")
    assert not target.is_file() and took < 5


# --- bank files ------------------------------------------------------------------------------------------


def _question_yaml(**changes: object) -> str:
    data = question_data("custom/hostile")
    data["category"] = "custom"
    data.update(changes)
    return yaml.safe_dump([data], allow_unicode=True, sort_keys=False)


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)
STRING_BOMB = _question_yaml().replace(
    "How would you make a payment API idempotent?", "&big " + "x" * 2000, 1
) + "\n".join(f"- id: custom/q{i}\n  text: {{ko: *big, en: *big}}" for i in range(300))

BANK_FILES = [
    pytest.param("- &a {id: x}\n- *a\n", "line 1", id="alias-of-a-mapping"),
    pytest.param("- id: &i custom/a\n  category: *i\n", "line 1", id="alias-of-a-string"),
    pytest.param("- &base {difficulty: 3}\n- <<: *base\n  id: custom/b\n", "line 1", id="merge-key"),
    pytest.param("- text: &only {ko: a, en: a}\n", "line 1", id="anchor-without-alias"),
    pytest.param("- id: custom/c\n  tracks: [mlse]\n  text: *nowhere\n", "line 3", id="undefined-alias"),
    pytest.param(BILLION_LAUGHS, "line 1", id="billion-laughs"),
    pytest.param(STRING_BOMB, "line ", id="string-bomb"),
    pytest.param("[" * 5000 + "]" * 5000, "not valid YAML", id="deeply-nested"),
    pytest.param("- !!python/object/apply:os.system [echo]\n", "not valid YAML", id="python-tag"),
    pytest.param("- {id: custom/d\n", "not valid YAML", id="unclosed-flow"),
    pytest.param("\t- id: x\n", "not valid YAML", id="tab-indent"),
]


@pytest.mark.parametrize(("text", "words"), BANK_FILES)
def test_a_hostile_bank_file_is_one_line(sandbox: Sandbox, text: str, words: str) -> None:
    path = put(sandbox, text, "cwd/hostile.yaml")
    before = {p: p.stat().st_size for p in Path(os.environ["XDG_CACHE_HOME"]).rglob("*") if p.is_file()}
    for argv in (("bank", "validate", str(path)), ("bank", "list", "--bank", str(path))):
        line = one_line_error(sandbox.run(*argv), 2, "hostile.yaml")
        assert words in line and len(line) < 300, line
    grown = [
        p
        for p in Path(os.environ["XDG_CACHE_HOME"]).rglob("*")
        if p.is_file() and p.stat().st_size > before.get(p, 0) + 4 * MB
    ]
    assert not grown  # nothing expands into a cache file


def test_the_shipped_files_use_no_anchors() -> None:
    """Refusing anchors costs the shipped bank and the labelled set nothing."""
    for path in [*sorted((ROOT / "question_bank").glob("*.yaml")), ROOT / "evaluation" / "labelled.yaml"]:
        events = yaml.parse(path.read_bytes(), Loader=yaml.CSafeLoader)
        assert not any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) for e in events), path


def test_ampersands_and_asterisks_in_text_are_not_aliases(sandbox: Sandbox) -> None:
    text = _question_yaml().replace(
        "How would you make a payment API idempotent?", "|-\n      *bold* & more\n      x * y &z", 1
    )
    path = put(sandbox, text, "cwd/fine.yaml")
    result = sandbox.run("bank", "validate", str(path))
    assert result.code == 0, result.err


MANY = [
    pytest.param("- 1\n" * 3000, id="three-thousand-items"),
    pytest.param("- {" + ", ".join(f"k{i}: 1" for i in range(3000)) + "}\n", id="three-thousand-fields"),
]


@pytest.mark.parametrize("text", MANY)
def test_many_problems_are_capped(sandbox: Sandbox, text: str) -> None:
    path = put(sandbox, text, "cwd/many.yaml")
    assert path.stat().st_size < 40_000
    result = sandbox.run("bank", "validate", str(path))
    lines = result.error_lines()
    assert result.code == 2 and len(lines) == 51, len(lines)
    assert lines[-1].startswith("interviewer: ... and ") and lines[-1].endswith(" more problems")


def test_a_long_field_name_or_value_stays_a_short_line(sandbox: Sandbox) -> None:
    text = _question_yaml(**{"k" * 100_000: 1, "category": "C" * 100_000})
    result = sandbox.run("bank", "validate", str(put(sandbox, text, "cwd/long.yaml")))
    assert result.code == 2
    assert result.error_lines() and all(len(line) < 400 for line in result.error_lines())


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda box, p: _fifo(box, p), id="fifo"),
        pytest.param(lambda box, p: sparse(box.root / p, BANK_LIMIT + 1), id="huge"),
        pytest.param(lambda box, p: _to_device(box, p), id="symlink-to-device"),
    ],
)
def test_a_special_bank_file_is_refused_without_blocking(
    sandbox: Sandbox, make: Callable[[Sandbox, str], Path]
) -> None:
    path = make(sandbox, "cwd/bank.yaml")
    result, took = timed(sandbox, "bank", "validate", str(path))
    one_line_error(result, 2, "bank.yaml")
    assert took < 5


def test_special_files_in_a_bank_folder_are_skipped(sandbox: Sandbox) -> None:
    folder = sandbox.cwd / "banks"
    folder.mkdir()
    (folder / "good.yaml").write_text(_question_yaml())
    os.mkfifo(folder / "fifo.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    result, took = timed(sandbox, "bank", "validate", str(folder))
    assert result.code == 0 and "1 file(s) checked" in result.out, result.err
    assert took < 5


# --- datasets and run files ------------------------------------------------------------------------------

DATASETS = [
    pytest.param("d.yaml", "- &i {id: a}\n- *i\n", "line 1", id="yaml-alias"),
    pytest.param("d.yaml", BILLION_LAUGHS, "line 1", id="yaml-billion-laughs"),
    pytest.param("d.jsonl", b'{"id": "\xff"}\n', "not UTF-8", id="jsonl-not-utf8"),
    pytest.param("d.jsonl", "[" * 100_000 + "\n", "nested too deeply", id="jsonl-deeply-nested"),
    pytest.param("d.yaml", "[" * 5000, "not valid YAML", id="yaml-deeply-nested"),
    pytest.param("d.yaml", "{a: 1}", "must be a list", id="yaml-not-a-list"),
]


@pytest.mark.parametrize(("name", "content", "words"), DATASETS)
def test_a_hostile_dataset_is_one_line(sandbox: Sandbox, name: str, content: str | bytes, words: str) -> None:
    path = put(sandbox, content, f"cwd/{name}")
    one_line_error(sandbox.run("eval", str(path), "--no-cache"), 2, name, words)


def test_a_dataset_with_thousands_of_bad_lines_is_capped(sandbox: Sandbox) -> None:
    path = put(sandbox, "{\n" * 5000, "cwd/bad.jsonl")
    result = sandbox.run("eval", str(path), "--no-cache")
    assert result.code == 2 and len(result.error_lines()) == 51
    assert result.error_lines()[-1] == "interviewer: ... and 4950 more problems"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda box, p: _fifo(box, p), id="fifo"),
        pytest.param(lambda box, p: sparse(box.root / p, 100 * MB), id="huge"),
        pytest.param(lambda box, p: _dir(box, p), id="folder"),
        pytest.param(lambda box, p: box.root / p, id="missing"),
    ],
)
def test_special_datasets_and_run_files_are_refused_without_blocking(
    sandbox: Sandbox, make: Callable[[Sandbox, str], Path]
) -> None:
    dataset = make(sandbox, "cwd/data.yaml")
    result, took = timed(sandbox, "eval", str(dataset), "--no-cache")
    one_line_error(result, 2, "data.yaml")
    run_file = make(sandbox, "cwd/run.json")
    for argv in (
        ("eval", "compare", str(run_file), str(run_file)),
        (
            "eval",
            str(ROOT / "tests" / "data" / "eval-small.yaml"),
            "--backend",
            "replay",
            "--replay",
            str(run_file),
        ),
    ):
        result, took = timed(sandbox, *argv)
        one_line_error(result, 2, "run.json")
        assert took < 10


# --- one session, two processes --------------------------------------------------------------------------


@contextlib.contextmanager
def first_process(box: Sandbox) -> Iterator[subprocess.Popen[str]]:
    """`interviewer resume SID --plain` in a process of its own, waiting for the answer to the first
    question; its session is locked once its lock file appears."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "interviewer", "resume", SID, "--plain", "--provider", "offline"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),  # the sandbox's: its data dir, config and cache
        cwd=ROOT,
    )
    try:
        lock = box.sessions / f"{SID}.lock"
        deadline = time.monotonic() + 60
        while not lock.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the first process never opened the session"
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_a_second_process_is_refused_and_the_first_loses_nothing(sandbox: Sandbox) -> None:
    put(sandbox, transcript_data(SID))
    with first_process(sandbox) as first:
        for argv in (
            ("resume", SID, "--plain", "--provider", "offline"),
            ("resume", "--plain", "--provider", "offline"),  # the latest unfinished: the same session
            ("resume", str(sandbox.sessions / f"{SID}.json"), "--plain"),
        ):
            one_line_error(
                sandbox.run(*argv, stdin="an answer that must not be taken\n.\n"), 1, SID, "open in"
            )
        listing = sandbox.run(
            "sessions", "--json"
        )  # reading is fine while it is open, and shows no lock file
        assert listing.code == 0 and listing.err == ""
        assert [s["session_id"] for s in json.loads(listing.out)] == [SID]
        _, err = first.communicate("the first process's answer\n.\n", timeout=60)
        assert first.returncode == 0, err
    saved = Store(sandbox.data).load(SID)
    answers = [t.text for r in saved.records for t in r.answers()]
    assert answers == ["the first process's answer"]
    assert not (sandbox.sessions / f"{SID}.lock").exists()  # let go of, and tidied, at the end
    again = sandbox.run("resume", SID, "--plain", "--provider", "offline")
    assert again.code == 0, again.err


def test_the_history_screen_refuses_a_session_open_elsewhere(sandbox: Sandbox) -> None:
    data = transcript_data(SID)
    answer = {"role": "candidate", "kind": "answer", "text": "an answer", "at": "2026-01-01T00:00:00Z"}
    data["records"][0]["turns"].append(answer)  # type: ignore[index]
    put(sandbox, data)  # with an answer: the history lists only sessions that have one
    context = Context(
        settings=Settings(provider="offline"),
        store=Store(sandbox.data),
        backend_factory=lambda settings, session_id: OfflineBackend(),
    )
    app = InterviewerApp(context)
    notices: list[str] = []

    async def go() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await show(pilot, OpenHistory("en"))
            assert app.screen.query_one("#sessions", DataTable).row_count == 1
            app.notify = lambda message, **kw: notices.append(message)  # type: ignore[method-assign]
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, HistoryScreen) and not context.engines

    with first_process(sandbox):
        asyncio.run(go())
    assert len(notices) == 1 and SID in notices[0] and "open in another" in notices[0]
    context.store.close()


def test_a_lock_left_by_a_process_that_died_does_not_stop_a_resume(sandbox: Sandbox) -> None:
    put(sandbox, transcript_data(SID))
    (sandbox.sessions / f"{SID}.lock").write_text("999999")
    result = sandbox.run("resume", SID, "--plain", "--provider", "offline")
    assert result.code == 0, result.err


def test_a_new_session_never_replaces_a_file_and_takes_another_id(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = put(sandbox, transcript_data(SID))
    before = existing.read_bytes()
    ids = iter([SID, OTHER])
    monkeypatch.setattr("interviewer.store.new_session_id", lambda now=None: next(ids))
    argv = (
        "practice",
        "--plain",
        "--provider",
        "offline",
        "--questions",
        "1",
        "--follow-ups",
        "0",
        "--lang",
        "en",
    )
    result = sandbox.run(*argv, stdin="an answer\n.\n")
    assert result.code == 0, result.err
    assert existing.read_bytes() == before
    assert Store(sandbox.data).load(OTHER).records[0].answers()[0].text == "an answer"


def test_exclusive_create_refuses_a_name_that_exists(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    target.write_text("kept")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"new", create=True)
    assert target.read_text() == "kept" and [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_new_ids_carry_32_random_bits() -> None:
    ids = {new_session_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i.split("-")[2]) == 8 for i in ids)
