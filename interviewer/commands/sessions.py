"""`sessions` (the list, and `sessions delete`) and `report`: reading the saved transcripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..config_errors import settings_without_model
from ..store import SUFFIX, SessionSummary, Store, StoreError, answered, valid_id
from ..textfmt import table
from ..untrusted import json_for_terminal, one_line
from ..wiring import store_for, warn
from . import CliError, Parents

if TYPE_CHECKING:
    from . import Subparsers


def register(sub: Subparsers, parents: Parents) -> None:
    sessions = sub.add_parser(
        "sessions", parents=[parents.data], help="list saved sessions, newest first; `sessions delete ID`"
    )
    sessions.add_argument("--json", action="store_true", help="machine-readable output")
    sessions.add_argument(
        "--all",
        action="store_true",
        help="also the sessions without an answer (hidden by default; --json lists every session)",
    )
    sessions.set_defaults(run=run_sessions)
    sessions_sub = sessions.add_subparsers(dest="sessions_command", metavar="ACTION")
    delete = sessions_sub.add_parser("delete", help="delete a session's transcript")
    delete.add_argument("session", metavar="SESSION_ID", help="a session id or a unique prefix of one")
    delete.add_argument("--yes", action="store_true", help="do not ask (needed when stdin is not a terminal)")
    # SUPPRESS: an unset default here would overwrite a --data-dir given before `delete`.
    delete.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    report = sub.add_parser("report", parents=[parents.data], help="print a session's report")
    report.add_argument("session", metavar="SESSION_ID")
    report.add_argument("--format", choices=["md", "json"], default="md")
    report.set_defaults(run=run_report)


def run_sessions(args: argparse.Namespace) -> int:
    store = store_for(settings_without_model(warn, args.data_dir))
    if args.sessions_command == "delete":
        return _delete_session(store, args.session, args.yes)
    every, problems = store.summaries()
    for line in problems:
        print(f"interviewer: skipped {one_line(line)}", file=sys.stderr)
    if args.json:  # every session, for scripts to filter on `answers`: none drops out of a listing unseen
        listing = json.dumps([s.model_dump(mode="json") for s in every], ensure_ascii=False, indent=2)
        print(json_for_terminal(listing))
        return 0
    summaries = every if args.all else [s for s in every if s.answers]
    hidden = len(every) - len(summaries)
    note = f"{hidden} session(s) without an answer not shown; `interviewer sessions --all` lists them."
    if not summaries:
        where = one_line(str(store.sessions_dir))
        print(f"No sessions yet in {where}. Start one with `interviewer practice`.")
        if hidden:
            print(note)
        return 0
    rows = [list(SessionSummary.COLUMNS), *(s.cells() for s in summaries)]
    print(table(rows))
    if hidden:
        print(note)
    return 0


def _delete_session(store: Store, ref: str, yes: bool) -> int:
    if not valid_id(ref):  # a file path would reach beyond the data dir
        raise CliError(f"not a session id or prefix: {one_line(ref)!r} (see `interviewer sessions --all`)")
    session_id = store.resolve(ref).name.removesuffix(SUFFIX)
    if not yes and not sys.stdin.isatty():
        raise CliError(f"stdin is not a terminal to confirm on: add --yes to delete session {session_id}")
    store.lock(session_id)  # held while asking: no interviewer can open it in the meantime
    try:
        if not yes:
            try:
                count = answered(store.load(session_id))
                what = f"{count} answer{'' if count == 1 else 's'}"
            except StoreError:
                what = "not readable"
            try:
                reply = input(f"Delete session {session_id} ({what})? [y/N] ")
            except EOFError:  # Ctrl-D: no answer is a no
                reply = ""
                print()
            except KeyboardInterrupt:
                print()
                return 130
            if reply.strip().lower() not in ("y", "yes"):
                print("Nothing deleted.")
                return 0
        store.delete(session_id)
    finally:
        store.close()
    print(f"Deleted session {session_id}.")
    _forget(store, session_id)
    return 0


def _forget(store: Store, session_id: str) -> None:
    """Its key point outcomes leave the review cards too; the transcripts are what the cards are made of."""
    from ..learning.cards import CardStore, LearningError

    cards = CardStore(store.data_dir)
    if not cards.path.exists():
        return
    try:
        cards.forget(session_id)
    except LearningError as exc:
        warn(f"{exc}; its review cards stay until `interviewer review --rebuild`")


def run_report(args: argparse.Namespace) -> int:
    from ..report import build_report, to_markdown

    settings = settings_without_model(warn, args.data_dir)
    report = build_report(store_for(settings).load(args.session), settings.prices)
    if args.format == "json":
        print(json_for_terminal(report.model_dump_json(indent=2)))
    else:
        print(to_markdown(report), end="")
    return 0
