"""What the commands share to turn their arguments into settings, a store and a backend; tests use it too."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_cache_path

from .config_errors import load_settings, unknown_variables
from .domain import Lang
from .resources import cache_dir
from .settings import APP_NAME, DataSettings, Settings
from .store import Store
from .untrusted import one_line

if TYPE_CHECKING:  # a backend is made when a command runs: the model client loads only then
    from .llm.base import Backend


def default_lang() -> Lang:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def bank_cache() -> Path:
    return cache_dir()


def store_for(settings: DataSettings) -> Store:
    return Store(settings.resolved_data_dir())


def warn(message: str) -> None:
    print(f"interviewer: warning: {one_line(message)}", file=sys.stderr)


def resume_command(session_id: str, data_dir: Path | None) -> str:
    parts = ["interviewer", "resume", session_id]
    if data_dir is not None:
        parts += ["--data-dir", str(data_dir)]
    return shlex.join(parts)


def settings_from(args: argparse.Namespace, recorded: Mapping[str, str] | None = None) -> Settings:
    """The settings of a command that may use a model: any problem in them stops it (exit 2)."""
    for line in unknown_variables():
        warn(line)
    return _settings(args, recorded or {})


def resumed_settings(args: argparse.Namespace, recorded: Mapping[str, str]) -> Settings:
    """The settings a resumed session goes on with: the backend it `recorded`, unless the command line named
    another. Checked like the command's own (ConfigError naming the session when the record is bad)."""
    return _settings(args, {k: v for k, v in recorded.items() if not getattr(args, k, None)})


def _settings(args: argparse.Namespace, recorded: Mapping[str, str]) -> Settings:
    given = {
        "provider": args.provider,
        "model": args.model,
        "base_url": args.base_url,
        "stream": args.stream,
        "data_dir": getattr(args, "data_dir", None),
    }
    return load_settings({k: v for k, v in given.items() if v not in (None, "")}, recorded)


def make_backend(settings: Settings, session_id: str) -> Backend:
    from .grading.encoder import configure

    # The offline grader serves every backend (as the stand-in when a model fails), so it is set up first.
    configure(settings.meaning, bank_cache())
    if settings.resolved_provider() == "offline":
        from .llm.offline import OfflineBackend

        return OfflineBackend()
    from .llm.openai import OpenAIBackend
    from .llm.structured import ModeMemory

    memory = ModeMemory(user_cache_path(APP_NAME) / "output-modes.json")
    return OpenAIBackend(settings, session_id, memory)
