"""Where the shipped question bank and prompt templates live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries the folders inside the package; a source checkout keeps them at the top level.
    packaged = _PACKAGE / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def builtin_bank_dir() -> Path:
    return _data_dir("question_bank")


def prompts_dir() -> Path:
    return _data_dir("prompts")


def cache_dir() -> Path:
    """The per-user cache: the parsed bank and the bank's sentence vectors, rebuilt when missing."""
    from platformdirs import user_cache_path

    return user_cache_path("interviewer")
