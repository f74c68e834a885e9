"""Prompt templates from prompts/, each identified by a hash of its content."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from string import Template

from .resources import prompts_dir

TEMPLATES = ("interviewer", "follow_up", "grade")


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    def render(self, **values: object) -> str:
        return Template(self.text).substitute({k: str(v) for k, v in values.items()}).strip()


@cache
def load(name: str) -> PromptTemplate:
    return PromptTemplate(name, (prompts_dir() / f"{name}.md").read_text(encoding="utf-8"))


def hashes() -> dict[str, str]:
    """Recorded in every transcript that used a model, so a regrade knows which prompts it saw."""
    return {name: load(name).hash for name in TEMPLATES}
