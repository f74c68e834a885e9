"""Hostile settings: config files, environment variables and flags wrong in every way a user or a stray file
can make them. Each is one `interviewer: error:` line naming the file, variable or flag and the key, with
exit 2; commands that need no model still work when only model settings are wrong."""

# ruff: noqa: F811 - every test takes the imported `sandbox` fixture as its argument

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile import Result, Sandbox, one_line_error, sandbox  # noqa: F401

SECRET = "hunter2-not-for-screens"


# (config.toml text, words the error line must hold besides the file's path)
BAD_FILES = [
    pytest.param("timeout_s = \n", ("not valid toml", "line 1"), id="syntax-missing-value"),
    pytest.param("[max_tokens\nfollow_up = 20\n", ("line 1",), id="syntax-unclosed-table"),
    pytest.param('model = "a"\nmodel = "b"\n', ("line 2",), id="syntax-duplicate-key"),
    pytest.param('model = "unterminated\n', ("line 1",), id="syntax-unterminated-string"),
    pytest.param("prices = [1,\n", ("end of document",), id="syntax-truncated-array"),
    pytest.param('timeout_s = "fast"\n', ("timeout_s", "number"), id="type-timeout-string"),
    pytest.param('stream = "maybe"\n', ("stream", "true or false"), id="type-stream-maybe"),
    pytest.param("stream = 3\n", ("stream", "true or false"), id="type-stream-int"),
    pytest.param("model = 5\n", ("model", "string"), id="type-model-int"),
    pytest.param('model = ["a", "b"]\n', ("model", "string"), id="type-model-array"),
    pytest.param('provider = "bogus"\n', ("provider", "'offline'"), id="value-provider-bogus"),
    pytest.param('output_mode = "xml"\n', ("output_mode", "json_schema"), id="value-output-mode"),
    pytest.param("timeout_s = -1\n", ("timeout_s", "greater than 0"), id="number-timeout-negative"),
    pytest.param("timeout_s = 0\n", ("timeout_s", "greater than 0"), id="number-timeout-zero"),
    pytest.param("timeout_s = nan\n", ("timeout_s", "finite"), id="number-timeout-nan"),
    pytest.param("timeout_s = inf\n", ("timeout_s", "finite"), id="number-timeout-inf"),
    pytest.param("timeout_s = 1e308\n", ("timeout_s", "3600"), id="number-timeout-huge"),
    pytest.param("wait_s = 0\n", ("wait_s", "greater than 0"), id="number-wait-zero"),
    pytest.param("wait_s = 1e9\n", ("wait_s", "600"), id="number-wait-huge"),
    pytest.param("max_retries = -1\n", ("max_retries",), id="number-retries-negative"),
    pytest.param(
        "max_retries = 99999999999999999999999\n", ("max_retries", "10"), id="number-retries-bigint"
    ),
    pytest.param("reasks = 2.5\n", ("reasks", "whole number"), id="number-reasks-fraction"),
    pytest.param("concurrency = 0\n", ("concurrency",), id="number-concurrency-zero"),
    pytest.param("concurrency = 1000\n", ("concurrency", "64"), id="number-concurrency-huge"),
    pytest.param("[max_tokens]\nfollow_up = 0\n", ("max_tokens.follow_up",), id="nested-follow-up-zero"),
    pytest.param("[max_tokens]\ngrade = 1_000_000_000\n", ("max_tokens.grade",), id="nested-grade-huge"),
    pytest.param(
        '[max_tokens]\ngrade = "lots"\n', ("max_tokens.grade", "whole number"), id="nested-grade-text"
    ),
    pytest.param('[prices."m"]\ninput = -1\n', ("prices.m.input",), id="nested-price-negative"),
    pytest.param('[prices."m"]\noutput = nan\n', ("prices.m.output", "finite"), id="nested-price-nan"),
    pytest.param('[prices."m"]\ninput = "cheap"\n', ("prices.m.input", "number"), id="nested-price-text"),
    pytest.param("timout_s = 5\n", ("unknown key timout_s", "did you mean timeout_s"), id="unknown-typo"),
    pytest.param("colour = 1\n", ("unknown key colour",), id="unknown-unrelated"),
    pytest.param("Stream_Mode = true\n", ("unknown key stream_mode",), id="unknown-mixed-case"),
    pytest.param(
        "[max_tokens]\nfolow_up = 100\n",
        ("max_tokens.folow_up", "did you mean follow_up"),
        id="unknown-nested",
    ),
    pytest.param(
        '[prices."m"]\ninptu = 1\n', ("prices.m.inptu", "did you mean input"), id="unknown-price-key"
    ),
    pytest.param("[misc]\nx = 1\n", ("unknown key misc",), id="unknown-table"),
    pytest.param("max_tokens = 5\n", ("max_tokens", "table"), id="shape-max-tokens-scalar"),
    pytest.param('prices = "cheap"\n', ("prices", "table"), id="shape-prices-string"),
    pytest.param("[prices]\nm = 3\n", ("prices.m", "table"), id="shape-price-scalar"),
    pytest.param("[timeout_s]\nvalue = 5\n", ("timeout_s", "number"), id="shape-timeout-table"),
    pytest.param("[[max_tokens]]\ngrade = 100\n", ("max_tokens", "table"), id="shape-array-of-tables"),
    pytest.param('base_url = "garbage"\n', ("base_url", "http://"), id="url-garbage"),
    pytest.param('base_url = "ftp://host/v1"\n', ("base_url", "http://"), id="url-wrong-scheme"),
    pytest.param('base_url = "http://"\n', ("base_url",), id="url-no-host"),
    pytest.param('data_dir = ""\n', ("data_dir", "folder"), id="data-dir-empty"),
    pytest.param("data_dir = 5\n", ("data_dir",), id="data-dir-int"),
    pytest.param('data_dir = "~no-such-user-b/x"\n', ("data_dir", "user"), id="data-dir-unknown-user"),
    pytest.param("api_key = 5\n", ("api_key", "not shown"), id="api-key-int"),
    pytest.param("timout_s = 5\nretries = 1\n", ("timout_s", "retries"), id="unknown-two-keys"),
]


@pytest.mark.parametrize(("text", "words"), BAD_FILES)
def test_a_bad_config_file_is_one_line_naming_the_file_and_key(
    sandbox: Sandbox, text: str, words: tuple[str, ...]
) -> None:
    path = sandbox.config / "config.toml"
    path.write_text(text)
    _file_only(sandbox, text)
    one_line_error(sandbox.run("doctor"), 2, f"config file {path}", *words)


def _file_only(box: Sandbox, text: str) -> None:
    """The sandbox sets the data dir by variable, which outranks the file: cases about the file's own
    `data_dir` go without it."""
    if "data_dir" in text:
        box.monkeypatch.delenv("INTERVIEWER_DATA_DIR")


def test_many_problems_stay_one_line_and_are_counted(sandbox: Sandbox) -> None:
    path = sandbox.config / "config.toml"
    path.write_text("".join(f"unknown_{i} = {i}\n" for i in range(40)))
    line = one_line_error(sandbox.run("doctor"), 2, str(path), "unknown_0", "and 35 more")
    assert "unknown_39" not in line


def test_credentials_in_a_bad_url_are_not_shown(sandbox: Sandbox) -> None:
    (sandbox.config / "config.toml").write_text(f'base_url = "ftp://me:{SECRET}@host/v1?api-key={SECRET}"\n')
    result = sandbox.run("doctor")
    one_line_error(result, 2, "base_url")
    assert SECRET not in result.err + result.out


def _fifo(box: Sandbox) -> Path:
    path = box.config / "fifo.toml"
    os.mkfifo(path)
    return path


def _folder(box: Sandbox) -> Path:
    path = box.config / "folder.toml"
    path.mkdir()
    return path


def _huge(box: Sandbox) -> Path:
    path = box.config / "huge.toml"
    with path.open("wb") as file:
        file.truncate(2 * 1024 * 1024)  # a sparse file: all NUL bytes, never parsed
    return path


def _write(name: str, data: bytes) -> Callable[[Sandbox], Path]:
    def make(box: Sandbox) -> Path:
        path = box.config / name
        path.write_bytes(data)
        return path

    return make


def _dangling(box: Sandbox) -> Path:
    path = box.config / "link.toml"
    path.symlink_to(box.config / "gone.toml")
    return path


# (makes the file INTERVIEWER_CONFIG names, words the error line must hold besides its path)
SPECIAL_FILES = [
    pytest.param(_fifo, ("not a regular file", "pipe"), id="config-fifo"),
    pytest.param(_folder, ("not a regular file", "folder"), id="config-folder"),
    pytest.param(lambda box: Path("/dev/zero"), ("not a regular file", "device"), id="config-dev-zero"),
    pytest.param(_huge, ("limit",), id="config-huge"),
    pytest.param(
        _write("latin1.toml", 'model = "caf\xe9"\n'.encode("latin-1")), ("utf-8",), id="config-latin1"
    ),
    pytest.param(_write("binary.toml", bytes(range(256))), ("utf-8",), id="config-binary"),
    pytest.param(_write("nul.toml", b"model = 'a'\x00\n"), ("not valid toml",), id="config-nul-byte"),
    pytest.param(_dangling, (), id="config-dangling-symlink"),
]


@pytest.mark.parametrize(("make", "words"), SPECIAL_FILES)
def test_a_config_file_that_is_not_a_small_text_file_is_refused_without_reading_it(
    sandbox: Sandbox, make: Callable[[Sandbox], Path], words: tuple[str, ...]
) -> None:
    path = make(sandbox)
    sandbox.env(INTERVIEWER_CONFIG=str(path))
    one_line_error(sandbox.run("doctor"), 2, str(path), *words)


def test_a_missing_named_config_file_is_an_error(sandbox: Sandbox) -> None:
    path = sandbox.root / "nowhere" / "config.toml"
    sandbox.env(INTERVIEWER_CONFIG=str(path))
    one_line_error(sandbox.run("doctor"), 2, "INTERVIEWER_CONFIG", str(path), "does not exist")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"# only a comment\n\n", id="comments-only"),
        pytest.param(b'\xef\xbb\xbfmodel = "m"\n', id="utf8-bom"),
    ],
)
def test_an_empty_or_comment_only_config_file_is_fine(sandbox: Sandbox, data: bytes) -> None:
    (sandbox.config / "config.toml").write_bytes(data)
    result = sandbox.run("doctor")
    assert (result.code, result.err) == (0, ""), result.err


# (environment, words the error line must hold)
BAD_VARIABLES = [
    pytest.param({"INTERVIEWER_PROVIDER": "bogus"}, ("INTERVIEWER_PROVIDER", "'bogus'"), id="env-provider"),
    pytest.param({"INTERVIEWER_PROVIDER": ""}, ("INTERVIEWER_PROVIDER",), id="env-provider-empty"),
    pytest.param({"interviewer_provider": "bogus"}, ("interviewer_provider",), id="env-provider-lowercase"),
    pytest.param({"INTERVIEWER_STREAM": "maybe"}, ("INTERVIEWER_STREAM", "true or false"), id="env-stream"),
    pytest.param(
        {"INTERVIEWER_MEANING": "perhaps"}, ("INTERVIEWER_MEANING", "true or false"), id="env-meaning"
    ),
    pytest.param(
        {"INTERVIEWER_TIMEOUT_S": "-5"}, ("INTERVIEWER_TIMEOUT_S", "greater than 0"), id="env-timeout-neg"
    ),
    pytest.param(
        {"INTERVIEWER_TIMEOUT_S": "soon"}, ("INTERVIEWER_TIMEOUT_S", "number"), id="env-timeout-text"
    ),
    pytest.param({"INTERVIEWER_TIMEOUT_S": "nan"}, ("INTERVIEWER_TIMEOUT_S", "finite"), id="env-timeout-nan"),
    pytest.param({"INTERVIEWER_WAIT_S": "inf"}, ("INTERVIEWER_WAIT_S", "finite"), id="env-wait-inf"),
    pytest.param({"INTERVIEWER_WAIT_S": "0"}, ("INTERVIEWER_WAIT_S",), id="env-wait-zero"),
    pytest.param(
        {"INTERVIEWER_MAX_RETRIES": "many"}, ("INTERVIEWER_MAX_RETRIES", "whole number"), id="env-retries"
    ),
    pytest.param({"INTERVIEWER_REASKS": "-1"}, ("INTERVIEWER_REASKS",), id="env-reasks-negative"),
    pytest.param({"INTERVIEWER_OUTPUT_MODE": "xml"}, ("INTERVIEWER_OUTPUT_MODE",), id="env-output-mode"),
    pytest.param({"INTERVIEWER_CONCURRENCY": "0"}, ("INTERVIEWER_CONCURRENCY",), id="env-concurrency-zero"),
    pytest.param(
        {"INTERVIEWER_MAX_TOKENS": "abc"}, ("INTERVIEWER_MAX_TOKENS", "json"), id="env-max-tokens-not-json"
    ),
    pytest.param(
        {"INTERVIEWER_MAX_TOKENS": '{"follow_up": 1}'},
        ("INTERVIEWER_MAX_TOKENS", "follow_up"),
        id="env-max-tokens-too-small",
    ),
    pytest.param(
        {"INTERVIEWER_MAX_TOKENS": '{"folow_up": 100}'},
        ("max_tokens.folow_up", "follow_up"),
        id="env-max-tokens-unknown-key",
    ),
    pytest.param(
        {"INTERVIEWER_MAX_TOKENS": "[1, 2]"}, ("INTERVIEWER_MAX_TOKENS", "table"), id="env-max-tokens-list"
    ),
    pytest.param({"INTERVIEWER_PRICES": "{"}, ("INTERVIEWER_PRICES", "json"), id="env-prices-not-json"),
    pytest.param(
        {"INTERVIEWER_PRICES": '{"m": {"input": -1}}'},
        ("INTERVIEWER_PRICES", "m.input"),
        id="env-prices-negative",
    ),
    pytest.param({"INTERVIEWER_DATA_DIR": ""}, ("INTERVIEWER_DATA_DIR", "folder"), id="env-data-dir-empty"),
    pytest.param(
        {"INTERVIEWER_DATA_DIR": "~no-such-user-b/x"},
        ("INTERVIEWER_DATA_DIR", "user"),
        id="env-data-dir-user",
    ),
    pytest.param({"OPENAI_BASE_URL": "garbage"}, ("OPENAI_BASE_URL", "http://"), id="env-base-url-garbage"),
    pytest.param({"OPENAI_BASE_URL": "localhost:8080/v1"}, ("OPENAI_BASE_URL",), id="env-base-url-no-scheme"),
    pytest.param(
        {"OPENAI_BASE_URL": "http://host:99999/v1"}, ("OPENAI_BASE_URL",), id="env-base-url-bad-port"
    ),
    pytest.param({"OPENAI_BASE_URL": "http://[::1/v1"}, ("OPENAI_BASE_URL",), id="env-base-url-bad-ipv6"),
    pytest.param(
        {"INTERVIEWER_BASE_URL": "file:///etc/passwd"}, ("INTERVIEWER_BASE_URL",), id="env-base-url-file"
    ),
    pytest.param(
        {"INTERVIEWER_PROVIDER": "bogus", "INTERVIEWER_STREAM": "maybe"},
        ("INTERVIEWER_PROVIDER", "INTERVIEWER_STREAM"),
        id="env-two-problems",
    ),
]


@pytest.mark.parametrize(("env", "words"), BAD_VARIABLES)
def test_a_bad_environment_variable_is_one_line_naming_it(
    sandbox: Sandbox, env: dict[str, str], words: tuple[str, ...]
) -> None:
    sandbox.env(**env)
    one_line_error(sandbox.run("doctor"), 2, *words)


def test_a_bad_variable_is_named_over_the_config_file_it_overrides(sandbox: Sandbox) -> None:
    (sandbox.config / "config.toml").write_text('provider = "offline"\n')
    sandbox.env(INTERVIEWER_PROVIDER="bogus")
    line = one_line_error(sandbox.run("doctor"), 2, "environment variable INTERVIEWER_PROVIDER")
    assert "config file" not in line


def test_credentials_in_a_bad_base_url_variable_are_not_shown(sandbox: Sandbox) -> None:
    sandbox.env(OPENAI_BASE_URL=f"http://me:{SECRET}@host:notaport/v1")
    result = sandbox.run("doctor")
    one_line_error(result, 2, "OPENAI_BASE_URL")
    assert SECRET not in result.err + result.out


def test_a_misspelt_variable_is_a_warning_that_names_the_right_one(sandbox: Sandbox) -> None:
    sandbox.env(INTERVIEWER_TIMOUT_S="5")
    result = sandbox.run("doctor")
    assert result.code == 0
    [line] = result.error_lines()
    assert line.startswith("interviewer: warning: environment variable INTERVIEWER_TIMOUT_S"), line
    assert "INTERVIEWER_TIMEOUT_S" in line


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        pytest.param(("doctor", "--base-url", "garbage"), ("--base-url", "'garbage'"), id="flag-base-url"),
        pytest.param(
            ("doctor", "--base-url", f"ftp://u:{SECRET}@h/v1"),
            ("--base-url",),
            id="flag-base-url-credentials",
        ),
        pytest.param(
            ("sessions", "--data-dir", "~no-such-user-b/x"), ("--data-dir", "user"), id="flag-data-dir"
        ),
        pytest.param(
            ("practice", "--plain", "--base-url", "x"), ("--base-url",), id="flag-practice-base-url"
        ),
    ],
)
def test_a_bad_flag_value_is_one_line_naming_the_flag(
    sandbox: Sandbox, argv: tuple[str, ...], words: tuple[str, ...]
) -> None:
    result = sandbox.run(*argv)
    one_line_error(result, 2, *words)
    assert SECRET not in result.err


# Every command that may use a model stops at broken settings, before doing anything.
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("practice", "--plain", "--provider", "offline"), id="practice"),
        pytest.param(("resume", "--plain", "{session}"), id="resume"),
        pytest.param(("regrade", "no-such-session"), id="regrade"),
        pytest.param(("eval", "no-such-dataset.yaml"), id="eval"),
        pytest.param(("doctor", "--provider", "offline"), id="doctor"),
    ],
)
def test_commands_that_use_a_model_stop_at_a_settings_typo(sandbox: Sandbox, argv: tuple[str, ...]) -> None:
    session = _session(sandbox) if "{session}" in argv else ""
    path = sandbox.config / "config.toml"
    path.write_text("timout_s = 5\n")
    before = sandbox.files()
    result = sandbox.run(*(arg.format(session=session) for arg in argv))
    one_line_error(result, 2, str(path), "timout_s", "timeout_s")
    assert sandbox.files() == before  # nothing started, nothing saved


def _session(box: Sandbox) -> str:
    """One saved session, made the way a user makes one."""
    result = box.run(
        "practice", "--plain", "--provider", "offline", "--questions", "1", stdin="A first answer.\n"
    )
    assert result.code == 0, result.err
    [path] = box.sessions.glob("*.json")
    return path.stem


def _warned(result: Result, *words: str) -> None:
    assert result.code == 0, result.err
    [line] = result.error_lines()
    assert line.startswith("interviewer: warning: "), line
    for word in words:
        assert word in line, (word, line)


# (config.toml text, environment, words the single warning names)
MODEL_ONLY_PROBLEMS = [
    pytest.param("", {"INTERVIEWER_PROVIDER": "bogus"}, ("INTERVIEWER_PROVIDER",), id="provider-bogus"),
    pytest.param("", {"INTERVIEWER_STREAM": "maybe"}, ("INTERVIEWER_STREAM",), id="stream-maybe"),
    pytest.param("", {"OPENAI_BASE_URL": "garbage"}, ("OPENAI_BASE_URL",), id="base-url-garbage"),
    pytest.param("timout_s = 5\n", {}, ("timout_s", "timeout_s"), id="config-typo"),
    pytest.param("prices = 3\n", {}, ("prices",), id="config-prices-shape"),
]


@pytest.mark.parametrize(("text", "env", "words"), MODEL_ONLY_PROBLEMS)
@pytest.mark.parametrize("command", ["sessions", "report", "replay"])
def test_commands_without_a_model_work_when_only_model_settings_are_wrong(
    sandbox: Sandbox, text: str, env: dict[str, str], words: tuple[str, ...], command: str
) -> None:
    session = _session(sandbox) if command.startswith(("report", "replay")) else None
    (sandbox.config / "config.toml").write_text(text)
    sandbox.env(**env)
    name, *flags = command.split()
    result = sandbox.run(name, *([session] if session else []), *flags)
    _warned(result, *words)
    assert result.out.strip()


@pytest.mark.parametrize("flags", [pytest.param(("--json",), id="json"), pytest.param((), id="table")])
def test_machine_readable_output_stays_clean_when_a_setting_is_ignored(
    sandbox: Sandbox, flags: tuple[str, ...]
) -> None:
    sandbox.env(INTERVIEWER_PROVIDER="bogus")
    result = sandbox.run("sessions", *flags)
    _warned(result, "INTERVIEWER_PROVIDER")
    assert "INTERVIEWER_PROVIDER" not in result.out  # the warning goes to stderr, never into the listing


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("bank", "list", "--track", "mlse"), id="bank-list"),
        pytest.param(("bank", "show", "backend/load-balancing"), id="bank-show"),
        pytest.param(("bank", "validate"), id="bank-validate"),
    ],
)
def test_bank_commands_do_not_read_the_settings(sandbox: Sandbox, argv: tuple[str, ...]) -> None:
    (sandbox.config / "config.toml").write_text("this is [not toml\n")
    sandbox.env(INTERVIEWER_PROVIDER="bogus", INTERVIEWER_DATA_DIR="")
    result = sandbox.run(*argv)
    assert (result.code, result.err) == (0, ""), result.err
    assert result.out.strip()


# (config.toml text, environment, words): the data dir itself, or the file as a whole, is broken
DATA_DIR_PROBLEMS = [
    pytest.param("", {"INTERVIEWER_DATA_DIR": ""}, ("INTERVIEWER_DATA_DIR",), id="env-data-dir-empty"),
    pytest.param('data_dir = ""\n', {}, ("data_dir",), id="config-data-dir-empty"),
    pytest.param("data_dir = [1]\n", {}, ("data_dir",), id="config-data-dir-list"),
    pytest.param("data_dir = \n", {}, ("not valid toml",), id="config-syntax"),
]


@pytest.mark.parametrize(("text", "env", "words"), DATA_DIR_PROBLEMS)
@pytest.mark.parametrize("command", ["sessions", "report", "replay"])
def test_commands_without_a_model_stop_when_the_data_dir_setting_is_broken(
    sandbox: Sandbox, text: str, env: dict[str, str], words: tuple[str, ...], command: str
) -> None:
    (sandbox.config / "config.toml").write_text(text)
    _file_only(sandbox, text)
    sandbox.env(**env)
    result = sandbox.run(command, *([] if command == "sessions" else ["some-session"]))
    one_line_error(result, 2, *words)


def test_a_flag_data_dir_outranks_a_broken_data_dir_variable(sandbox: Sandbox) -> None:
    sandbox.env(INTERVIEWER_DATA_DIR="")
    result = sandbox.run("sessions", "--data-dir", str(sandbox.data))
    assert (result.code, result.err) == (0, ""), result.err
