"""The command-line interface: bank inspection, session listing, reports and argument errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from interviewer.cli import build_parser, main
from interviewer.wiring import settings_from


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_bank_list_filters_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bank", "list", "--json", "--track", "backend", "--lang", "en")
    assert code == 0
    items = json.loads(out)
    assert items and all("backend" in i["tracks"] for i in items)
    assert {"id", "category", "difficulty", "tracks", "text"} <= set(items[0])

    code, out, _ = run(capsys, "bank", "list", "--category", "cs", "--lang", "ko")
    assert code == 0
    assert "cs/tcp-vs-udp" in out and "ml-theory/" not in out
    assert "TCP" in out and out.rstrip().endswith("개")  # "질문 15개": the count, in the listing's language


def test_bank_show_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bank", "show", "ml-theory/cross-entropy", "--lang", "en")
    assert code == 0
    for heading in ("Rubric", "Key points", "follow-up:", "deepen:", "Model answer"):
        assert heading in out
    code, out, _ = run(capsys, "bank", "show", "ml-theory/cross-entropy", "--lang", "ko")
    assert code == 0 and "채점 기준" in out and "모범 답안" in out


def test_bank_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "bank", "show", "cs/nope")
    assert code == 2 and err == "interviewer: error: no question with id 'cs/nope' in the bank\n"


def test_sessions_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "sessions", "--data-dir", str(tmp_path))
    assert code == 0 and out.startswith("No sessions yet")

    monkeypatch.setattr("sys.stdin", io.StringIO("/end\n"))
    args = [
        "practice",
        "--plain",
        "--data-dir",
        str(tmp_path),
        "--lang",
        "en",
        "--questions",
        "2",
        "--seed",
        "1",
    ]
    code, out, _ = run(capsys, *args)
    assert code == 0

    code, out, _ = run(capsys, "sessions", "--data-dir", str(tmp_path))
    assert code == 0 and out.startswith("No sessions yet")  # ended before any answer: hidden
    code, out, _ = run(capsys, "sessions", "--all", "--data-dir", str(tmp_path))
    lines = out.splitlines()
    assert lines[0].split() == ["session", "date", "track", "questions", "overall", "status"]
    assert lines[1].split()[-1] == "finished" and "0/2" in lines[1]
    sid = lines[1].split()[0]

    code, out, _ = run(capsys, "report", sid[:12], "--data-dir", str(tmp_path), "--format", "json")
    assert code == 0 and json.loads(out)["session_id"] == sid

    code, _, err = run(capsys, "report", "nope", "--data-dir", str(tmp_path))
    assert code == 1 and err.startswith("interviewer: error: no session 'nope'")

    code, _, err = run(capsys, "resume", "--data-dir", str(tmp_path))
    assert code == 1 and "no unfinished session" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["practice", "--questions", "0"], "must be between 1 and 100"),
        (["practice", "--difficulty", "4-2"], "1 <= MIN <= MAX <= 5"),
        (["practice", "--track", "frontend"], "invalid choice: 'frontend'"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_unknown_category(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "practice", "--plain", "--category", "cooking", "--data-dir", str(tmp_path))
    assert code == 2 and err.startswith("interviewer: error: unknown category cooking (known: ")


@pytest.mark.parametrize(
    ("args", "env", "config", "stream"),
    [
        ([], {}, "", None),
        (["--no-stream"], {}, "", False),
        (["--stream"], {"INTERVIEWER_STREAM": "false"}, "", True),
        ([], {"INTERVIEWER_STREAM": "false"}, "", False),
        ([], {}, "stream = false\n", False),
        (["--no-stream"], {"INTERVIEWER_STREAM": "true"}, "stream = true\n", False),
        ([], {"INTERVIEWER_STREAM": "true"}, "stream = false\n", True),
    ],
)
def test_the_stream_setting_from_flag_env_and_config(
    args: list[str],
    env: dict[str, str],
    config: str,
    stream: bool | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "config.toml").write_text(config)
    monkeypatch.setenv("INTERVIEWER_CONFIG", str(tmp_path / "config.toml"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert settings_from(build_parser().parse_args(["practice", *args])).stream is stream
    # Every command that takes model settings takes the flag.
    for command in (["resume"], ["doctor"], ["regrade", "SESSION"], ["eval", "DATASET"]):
        assert settings_from(build_parser().parse_args([*command, *args])).stream is stream
