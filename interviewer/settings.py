"""User settings: command-line flags over environment variables over the config file.

Environment: INTERVIEWER_<KEY> for every key below (INTERVIEWER_PROVIDER, INTERVIEWER_MODEL,
INTERVIEWER_DATA_DIR, INTERVIEWER_STREAM, INTERVIEWER_MEANING, ...; tables as JSON), OPENAI_API_KEY,
OPENAI_BASE_URL. Config file: config.toml in the user config dir (or INTERVIEWER_CONFIG). A problem in any
of them is a `ConfigError`; `config_errors` says where it came from.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_config_path, user_data_path
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from .files import SMALL_LIMIT, FileProblem, read_text, shown

APP_NAME = "interviewer"
# Where the OpenAI client sends requests when no base URL is configured.
OPENAI_ENDPOINT = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
Provider = Literal["auto", "offline", "openai"]
OutputMode = Literal["auto", "json_schema", "json_object", "prompt"]


CONFIG_VARIABLE = "INTERVIEWER_CONFIG"
CONFIG_LIMIT = SMALL_LIMIT  # a config file is a few lines; anything near this is not one


class ConfigError(Exception):
    """A settings problem, as one line that names where it is (file, variable or flag) and the key."""


class EnvValueError(ValueError):
    """An environment variable for a table (`INTERVIEWER_PRICES`, ...) that is not JSON."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(field)
        self.field = field
        self.value = value


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_VARIABLE) or user_config_path(APP_NAME) / "config.toml")


def read_config() -> dict[str, Any]:
    """The config file's keys; none when there is no file at the default place. A FIFO, a device or a huge
    file there is refused before a byte is read (it would hang or exhaust memory)."""
    path = config_path()
    if not os.path.lexists(path):
        if os.environ.get(CONFIG_VARIABLE):
            raise ConfigError(f"{CONFIG_VARIABLE} names {shown(path)}, which does not exist")
        return {}
    try:
        text = read_text(path, CONFIG_LIMIT)
    except FileProblem as exc:
        raise ConfigError(f"config file {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends with "(at line L, column C)"
        raise ConfigError(f"config file {shown(path)}: not valid TOML: {exc}") from None


class _ConfigFileSource(InitSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls, read_config())


class _EnvSource(EnvSettingsSource):
    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError:
            raise EnvValueError(field_name, str(value)) from None


class Price(BaseModel):
    """US dollars per million tokens, for the cost estimate."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    cached_input: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    output: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class MaxTokens(BaseModel):
    """The most a model may write for each step: a model that does not stop would otherwise run to the end
    of its context and keep a single-slot server busy after the client gave up."""

    model_config = ConfigDict(extra="forbid")

    follow_up: int = Field(default=400, ge=16, le=32_000)
    grade: int = Field(default=1500, ge=64, le=32_000)


class DataSettings(BaseSettings):
    """The one setting that commands without a model (`sessions`, `report`, `replay`) need."""

    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", extra="ignore", populate_by_name=True)

    data_dir: Path | None = None

    @field_validator("data_dir", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        # An empty value would otherwise be the working directory: sessions written wherever one stands.
        if isinstance(value, str) and not value.strip():
            raise ValueError("should be a folder path")
        return value

    @field_validator("data_dir")
    @classmethod
    def _expanded(cls, value: Path | None) -> Path | None:
        try:
            return None if value is None else value.expanduser()
        except RuntimeError:  # `~name` of a user this machine does not know
            raise ValueError("names a user this machine does not know") from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _EnvSource(settings_cls), _ConfigFileSource(settings_cls)

    def resolved_data_dir(self) -> Path:
        return self.data_dir or user_data_path(APP_NAME)


class Settings(DataSettings):
    # Unknown keys are refused: a misspelt `timout_s` would otherwise silently keep the default.
    model_config = SettingsConfigDict(extra="forbid")

    provider: Provider = "auto"
    model: str | None = None
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "INTERVIEWER_BASE_URL")
    )
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "INTERVIEWER_API_KEY")
    )
    output_mode: OutputMode = "auto"
    timeout_s: float = Field(default=60.0, gt=0, le=3600, allow_inf_nan=False)
    max_retries: int = Field(default=2, ge=0, le=10)
    reasks: int = Field(default=2, ge=0, le=5)
    stream: bool | None = Field(
        default=None,
        description="unset: interviews stream, eval and regrade do not; false for servers without SSE",
    )
    meaning: bool = Field(
        default=True,
        description="the offline grader also judges by meaning (a sentence encoder, about 2 s to load once "
        "per run, in the background); false: exact terms and authored wrong claims only",
    )
    wait_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        allow_inf_nan=False,
        description="the longest one turn waits for the model (all tries together) before the offline "
        "interviewer answers it; the report waits at most this long per question",
    )
    max_tokens: MaxTokens = Field(default_factory=MaxTokens, description="output bound per step")
    concurrency: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="requests at once to one endpoint; unset: 1 for a server on this machine or the local "
        "network (many serve one request at a time), 4 otherwise",
    )
    prices: dict[str, Price] = Field(default_factory=dict, description="model name -> price per 1M tokens")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:  # empty, as `OPENAI_BASE_URL=` leaves it: not set
            return None
        try:
            parts = urlsplit(value)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a port that is not a number in range
            valid = False
        if not valid:
            raise ValueError("should be an http:// or https:// URL such as http://localhost:8080/v1")
        return value

    def resolved_provider(self) -> Literal["offline", "openai"]:
        """`auto` means openai when a key or a base URL is configured, else offline."""
        if self.provider != "auto":
            return self.provider
        return "openai" if self.api_key or self.base_url else "offline"

    def streams(self) -> bool:
        """Unset means on: follow-ups appear as they are written. `for_bulk` turns it off."""
        return self.stream is not False

    def for_bulk(self) -> Settings:
        """Settings for eval and regrade: unless told otherwise they do not stream, since nobody watches
        and parsing every chunk costs CPU that many calls at once add up."""
        return self if self.stream is not None else self.model_copy(update={"stream": False})

    def resolved_model(self) -> str:
        return self.model or DEFAULT_MODEL
