"""Keep every test, and every subprocess it starts, away from the user's own dirs and settings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="interviewer-tests-"))
for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
    os.environ[var] = str(_HOME / sub)
for var in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "INTERVIEWER_PROVIDER",
    "INTERVIEWER_MODEL",
    "INTERVIEWER_CONFIG",
    "INTERVIEWER_STREAM",
):
    os.environ.pop(var, None)
