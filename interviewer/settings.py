"""User settings from the environment (INTERVIEWER_*); command-line flags override them."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "interviewer"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", extra="ignore")

    data_dir: Path | None = None

    def resolved_data_dir(self, override: Path | None = None) -> Path:
        return (override or self.data_dir or user_data_path(APP_NAME)).expanduser()
