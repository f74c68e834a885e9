"""`doctor`: checks the model endpoint and the output mode it supports."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..wiring import default_lang, settings_from
from . import Parents

if TYPE_CHECKING:
    from . import Subparsers


def register(sub: Subparsers, parents: Parents) -> None:
    doctor = sub.add_parser(
        "doctor", parents=[parents.backend], help="check the model endpoint and the output mode it supports"
    )
    doctor.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ..doctor import diagnose
    from ..grading.encoder import configure
    from ..llm.openai import OpenAIBackend

    def show(line: str) -> None:
        print(line, flush=True)  # each check as it runs, even into a pipe

    # A check that fails is answered by the offline backend, as in an interview, and the answer thrown
    # away: no need to load the sentence encoder for it.
    configure(False)
    settings = settings_from(args)
    report = asyncio.run(diagnose(settings, lambda s: OpenAIBackend(s, "doctor"), show, default_lang()))
    if report.fix:
        print(f"interviewer: error: {report.fix}", file=sys.stderr)
        return 1
    return 0
