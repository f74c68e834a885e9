"""Loading settings, with every problem as one line that names where the bad value came from (a flag, an
environment variable or the config file), the key, and what it should be."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

from pydantic import AliasChoices, BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError

from .files import shown
from .redact import redact_url
from .settings import CONFIG_VARIABLE, ConfigError, DataSettings, EnvValueError, Settings, config_path

ENV_PREFIX = "INTERVIEWER_"
SHOWN = 5  # problems named in the one line; the rest are counted
VALUE_WIDTH = 60

S = TypeVar("S", bound=DataSettings)

_PHRASES = {
    "bool_parsing": "should be true or false",
    "bool_type": "should be true or false",
    "int_parsing": "should be a whole number",
    "int_type": "should be a whole number",
    "int_from_float": "should be a whole number",
    "float_parsing": "should be a number",
    "float_type": "should be a number",
    "finite_number": "should be a finite number",
    "string_type": "should be a string",
    "path_type": "should be a folder path",
    "dict_type": "should be a table",
    "model_type": "should be a table",
    "model_attributes_type": "should be a table",
}


def load_settings(
    flags: Mapping[str, Any] | None = None, recorded: Mapping[str, Any] | None = None
) -> Settings:
    """Every setting. `flags` are the command line's (field name -> value), `recorded` what a resumed
    session recorded; both outrank the environment and the file."""
    return _load(Settings, flags or {}, recorded or {})


def load_data_settings(data_dir: Path | None = None) -> DataSettings:
    """Only the data dir (`data_dir` is `--data-dir`): a problem anywhere else in the settings is not
    looked at."""
    return _load(DataSettings, _given(data_dir), {})


def settings_without_model(warn: Callable[[str], None], data_dir: Path | None = None) -> Settings:
    """Settings for commands that read transcripts and need no model (`sessions`, `report`, `replay`):
    a problem with a model setting is a warning, a problem with the data dir or the file as a whole is
    still an error."""
    try:
        return load_settings(_given(data_dir))
    except ConfigError as exc:
        data = load_data_settings(data_dir)
        warn(f"{exc} (ignored: this command does not use it)")
        return Settings.model_construct(data_dir=data.data_dir)


def _given(data_dir: Path | None) -> dict[str, Any]:
    return {} if data_dir is None else {"data_dir": data_dir}


def unknown_variables() -> list[str]:
    """`INTERVIEWER_*` variables that name no setting. Warnings, not errors: the environment is shared with
    every other program, and the prefix is not ours alone."""
    known = [CONFIG_VARIABLE, *(name for field in Settings.model_fields for name in _env_names(field))]
    settings = [name.removeprefix(ENV_PREFIX) for name in known if name.startswith(ENV_PREFIX)]
    lines = []
    for name in sorted(os.environ):
        if name.upper().startswith(ENV_PREFIX) and name.upper() not in known:
            key = name.upper().removeprefix(ENV_PREFIX)
            close = difflib.get_close_matches(key, settings, n=1, cutoff=0.75)
            hint = f" (did you mean {ENV_PREFIX}{close[0]}?)" if close else ""
            lines.append(f"environment variable {name} is not a setting{hint}")
    return lines


def _load(cls: type[S], flags: Mapping[str, Any], recorded: Mapping[str, Any]) -> S:
    try:
        return cls(**{**recorded, **flags})
    except ValidationError as exc:
        problems = [_describe(error, flags, recorded) for error in exc.errors()]
    except SettingsError as exc:
        cause = exc.__cause__
        if not isinstance(cause, EnvValueError):
            raise
        where = f"environment variable {_env_variable(cause.field)}"
        problems = [(where, f"should be a JSON object, got {_shown(cause.field, cause.value)}")]
    raise ConfigError(_one_line(problems))


def _one_line(problems: list[tuple[str, str]]) -> str:
    """`where: what` for each problem, those of one place together, the first few only."""
    unique = list(dict.fromkeys(problems))
    places: dict[str, list[str]] = {}
    for where, what in unique[:SHOWN]:
        places.setdefault(where, []).append(what)
    line = "; ".join(f"{where}: {'; '.join(whats)}" for where, whats in places.items())
    return line + (f"; and {len(unique) - SHOWN} more" if len(unique) > SHOWN else "")


def _describe(error: ErrorDetails, flags: Mapping[str, Any], recorded: Mapping[str, Any]) -> tuple[str, str]:
    """Where the bad value came from (flags outrank the session, the environment, then the file), and what
    is wrong with which key."""
    loc = (_field(error["loc"][0]), *(str(part) for part in error["loc"][1:]))
    key = ".".join(loc)
    field = loc[0]
    file = f"config file {shown(config_path())}"
    if error["type"] == "extra_forbidden":  # only the file can hold keys the settings do not know
        return file, f"unknown key {key}{_suggestion(loc[-1], _known_keys(loc[:-1]))}"
    what = f"{_phrase(error)}, got {_shown(field, error['input'])}"
    if field in flags:
        return f"--{field.replace('_', '-')}", what
    if field in recorded:
        return "the resumed session", f"recorded {key} {what}"
    variable = _env_variable(field)
    if variable is not None:
        inner = ".".join(loc[1:])
        return f"environment variable {variable}", f"{inner} {what}" if inner else what
    return file, f"{key} {what}"


def _phrase(error: ErrorDetails) -> str:
    if error["type"] in _PHRASES:
        return _PHRASES[error["type"]]
    message = error["msg"].removeprefix("Value error, ")
    if message.startswith("Input should be "):
        return "should be " + message.removeprefix("Input should be ")
    return message[:1].lower() + message[1:]


def _shown(field: str, value: object) -> str:
    """The bad value, for the message: keys never, endpoint credentials hidden, escapes made visible."""
    if field == "api_key":
        return "a value that is not shown"
    if isinstance(value, Path):
        value = str(value)
    if field == "base_url" and isinstance(value, str):
        value = redact_url(value)
    text = repr(value)  # repr spells out control characters: nothing in a value can drive the terminal
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _field(name: object) -> str:
    """The field a location starts with: values given under an alias (`OPENAI_BASE_URL`) are named so."""
    for field in Settings.model_fields:
        if field == name or str(name).lower() in {n.lower() for n in _env_names(field)}:
            return field
    return str(name)


def _env_names(field: str) -> list[str]:
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return [f"{ENV_PREFIX}{field.upper()}"]


def _env_variable(field: str) -> str | None:
    """The variable that set `field`, spelt as it is set (names are matched regardless of case)."""
    if field not in Settings.model_fields:
        return None
    present = {name.lower(): name for name in os.environ}
    return next((present[n.lower()] for n in _env_names(field) if n.lower() in present), None)


def _known_keys(parents: tuple[str, ...]) -> list[str]:
    """The keys a table at `parents` may hold; [] when its keys are free (model names under `prices`)."""
    kind: Any = Settings
    for part in parents:
        if isinstance(kind, type) and issubclass(kind, BaseModel) and part in kind.model_fields:
            kind = kind.model_fields[part].annotation
        elif get_origin(kind) is dict:
            kind = get_args(kind)[1]
        else:
            return []
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _suggestion(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
