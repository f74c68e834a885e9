"""The command families, one module each: `register(sub, parents)` adds a family's subcommands and sets
`run`, which `cli.main` calls. What they share lives here: the parent parsers for the common flags, the
number types and the error a command stops with. Every module keeps its module level to argparse and the
light core: the engine, the screens and the model client load inside `run`, so `--help` stays quick."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..domain import LANGS

if TYPE_CHECKING:
    # What `add_subparsers` returns: each family's `register` adds its commands to it.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_BAD_INPUT = 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


class Parents(NamedTuple):
    """Parent parsers, one per group of flags that several commands take."""

    data: argparse.ArgumentParser
    banks: argparse.ArgumentParser
    lang: argparse.ArgumentParser
    backend: argparse.ArgumentParser


def parents() -> Parents:
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data-dir", type=Path, help="where transcripts are kept (env INTERVIEWER_DATA_DIR)")
    banks = argparse.ArgumentParser(add_help=False)
    banks.add_argument(
        "--bank", type=Path, action="append", default=[], metavar="PATH", help="extra bank file or folder"
    )
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LANGS, help="ko or en (default: from your locale)")
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument(
        "--provider", choices=["auto", "offline", "openai"], help="default: auto (env INTERVIEWER_PROVIDER)"
    )
    backend.add_argument("--model", help="model name (env INTERVIEWER_MODEL)")
    backend.add_argument("--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL)")
    backend.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        help="default: interviews stream, eval and regrade do not; --no-stream for servers without "
        "streaming (env INTERVIEWER_STREAM)",
    )
    return Parents(data, banks, lang, backend)


def count(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from `low` to `high`."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {n}")
        return n

    return parse
