"""Command-line entry point: the parser, each command's `run`, and how its errors end the process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .bank import BankError
from .commands import EXIT_BAD_INPUT, CliError, bank, doctor, learning, parents, practice, sessions
from .evaluation import commands as evaluation
from .files import capped
from .settings import ConfigError
from .store import StoreError
from .untrusted import one_line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interviewer",
        description="Mock technical interviews with follow-up questions and rubric feedback.",
    )
    parser.add_argument("--version", action="version", version=f"interviewer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    shared = parents()
    # In the order `--help` lists them.
    for family in (practice, learning, sessions, doctor, evaluation, bank):
        family.register(sub, shared)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `interviewer`: a practice interview with its defaults
        args = parser.parse_args(["practice"])
    try:
        code: int = args.run(args)
        return code
    except BankError as exc:
        for line in capped(exc.problems):
            print(f"interviewer: {one_line(line)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CliError as exc:
        print(f"interviewer: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(f"interviewer: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.code
    except ConfigError as exc:
        print(f"interviewer: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 1
