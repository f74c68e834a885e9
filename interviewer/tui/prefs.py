"""The setup screen's last choices, remembered in the user config dir."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..domain import Lang, Track
from ..files import SMALL_LIMIT, FileProblem, read_file
from ..settings import Provider
from ..store import write_atomic


class SetupChoices(BaseModel):
    track: Track = "mlse"
    categories: list[str] = Field(default_factory=list)
    questions: int = Field(default=5, ge=1, le=100)
    follow_ups: int = Field(default=2, ge=0, le=10)
    min_difficulty: int = Field(default=1, ge=1, le=5)
    max_difficulty: int = Field(default=5, ge=1, le=5)
    lang: Lang = "ko"
    provider: Provider = "auto"
    model: str = ""
    banks: str = ""
    profile: str = Field(default="", description="a résumé file: a project round about it comes first")

    @field_validator("max_difficulty")
    @classmethod
    def _ordered(cls, value: int, info: ValidationInfo) -> int:
        # A type of its own, so the setup screen can say it in the user's language (choice_errors.py).
        if value < info.data.get("min_difficulty", 1):
            raise PydanticCustomError("range_order", "the highest is below the lowest")
        return value


def load_choices(path: Path | None, default_lang: Lang) -> SetupChoices:
    if path is not None:
        try:
            return SetupChoices.model_validate_json(read_file(path, SMALL_LIMIT))
        except (FileProblem, ValidationError):
            pass  # missing or unreadable preferences fall back to the defaults
    return SetupChoices(lang=default_lang)


def save_choices(path: Path | None, choices: SetupChoices) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, choices.model_dump_json(indent=1).encode())
    except OSError:
        pass  # remembering choices is a convenience, never a reason to fail
