"""User settings: command-line flags over environment variables over the config file.

Environment: INTERVIEWER_PROVIDER, INTERVIEWER_MODEL, INTERVIEWER_DATA_DIR, INTERVIEWER_STREAM,
INTERVIEWER_MEANING, OPENAI_API_KEY, OPENAI_BASE_URL. Config file: config.toml in the user config dir
(or INTERVIEWER_CONFIG).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from platformdirs import user_config_path, user_data_path
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "interviewer"
DEFAULT_MODEL = "gpt-4o-mini"
Provider = Literal["auto", "offline", "openai"]
OutputMode = Literal["auto", "json_schema", "json_object", "prompt"]


def config_path() -> Path:
    return Path(os.environ.get("INTERVIEWER_CONFIG") or user_config_path(APP_NAME) / "config.toml")


class Price(BaseModel):
    """US dollars per million tokens, for the cost estimate."""

    input: float = 0.0
    cached_input: float | None = None
    output: float = 0.0


class MaxTokens(BaseModel):
    """The most a model may write for each step: a model that does not stop would otherwise run to the end
    of its context and keep a single-slot server busy after the client gave up."""

    model_config = ConfigDict(extra="forbid")

    follow_up: int = Field(default=400, ge=16, le=32_000)
    grade: int = Field(default=1500, ge=64, le=32_000)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", extra="ignore", populate_by_name=True)

    data_dir: Path | None = None
    provider: Provider = "auto"
    model: str | None = None
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "INTERVIEWER_BASE_URL")
    )
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "INTERVIEWER_API_KEY")
    )
    output_mode: OutputMode = "auto"
    timeout_s: float = Field(default=60.0, gt=0)
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_path())

    def resolved_data_dir(self, override: Path | None = None) -> Path:
        return (override or self.data_dir or user_data_path(APP_NAME)).expanduser()

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
