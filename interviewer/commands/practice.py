"""`practice` and `resume`: an interview on the full screen, or in plain text when asked or piped."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_config_path

from ..bank import Bank, load_bank
from ..config_errors import load_data_settings
from ..domain import TRACKS, Plan, Transcript
from ..settings import APP_NAME, Settings
from ..store import Store
from ..wiring import (
    bank_cache,
    default_lang,
    make_backend,
    resume_command,
    resumed_settings,
    settings_from,
    store_for,
)
from . import CliError, Parents, count

if TYPE_CHECKING:  # the engine is imported when an interview starts, so the screen opens sooner
    from ..engine import Engine
    from . import Subparsers


def register(sub: Subparsers, parents: Parents) -> None:
    backend, data = parents.backend, parents.data
    practice = sub.add_parser(
        "practice", parents=[data, parents.banks, parents.lang, backend], help="start a mock interview"
    )
    practice.add_argument(
        "--plain", action="store_true", help="plain text on stdin/stdout (works with pipes)"
    )
    practice.add_argument("--track", choices=TRACKS, default="mlse", help="default: mlse")
    practice.add_argument(
        "--category", action="append", default=[], metavar="C", help="only these categories (repeatable)"
    )
    practice.add_argument("--questions", type=count(1, 100), default=5, metavar="N", help="default: 5")
    practice.add_argument(
        "--follow-ups", type=count(0, 10), default=2, metavar="N", help="per question; default: 2"
    )
    practice.add_argument(
        "--difficulty", type=_difficulty, default=(1, 5), metavar="MIN-MAX", help="e.g. 2-4"
    )
    practice.add_argument("--seed", type=int, help="question selection seed (default: random, recorded)")
    practice.set_defaults(run=run_practice)

    resume = sub.add_parser("resume", parents=[data, backend], help="continue an unfinished session")
    resume.add_argument("session", nargs="?", metavar="SESSION_ID", help="default: the latest unfinished one")
    resume.add_argument("--plain", action="store_true", help="plain text on stdin/stdout")
    resume.set_defaults(run=run_resume)


def _difficulty(value: str) -> tuple[int, int]:
    try:
        lo, _, hi = value.partition("-")
        low, high = int(lo), int(hi or lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or MIN-MAX with numbers 1-5, got {value!r}") from None
    if not 1 <= low <= high <= 5:
        raise argparse.ArgumentTypeError(f"difficulty must satisfy 1 <= MIN <= MAX <= 5, got {value!r}")
    return low, high


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_practice(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not args.plain and _interactive():
        bank = load_bank(args.bank, cache_dir=bank_cache())  # bank errors print here, not on the screen
        return _run_tui(args, settings, bank)
    bank = load_bank(args.bank, cache_dir=bank_cache())
    categories = [c for value in args.category for c in value.split(",") if c]
    unknown = sorted(set(categories) - set(bank.categories()))
    if unknown:
        raise CliError(f"unknown category {', '.join(unknown)} (known: {', '.join(bank.categories())})")
    plan = Plan(
        track=args.track,
        categories=categories,
        questions=args.questions,
        follow_ups=args.follow_ups,
        min_difficulty=args.difficulty[0],
        max_difficulty=args.difficulty[1],
        lang=args.lang or default_lang(),
        seed=args.seed if args.seed is not None else secrets.randbelow(1_000_000),
    )
    from .. import session
    from ..engine import EngineError

    store = store_for(settings)
    store.check_writable()
    try:
        try:
            engine = session.start(store, plan, bank, settings, make_backend)
        except EngineError as exc:
            raise CliError(str(exc)) from None
        return _run_plain(engine, args.data_dir, settings)
    finally:
        store.close()


def run_resume(args: argparse.Namespace) -> int:
    store = store_for(load_data_settings(args.data_dir))
    if args.session is not None:  # given, even empty: checked like any other
        ref = args.session
    else:
        found = store.latest_unfinished()
        if found is None:
            raise CliError(f"no unfinished session in {store.sessions_dir}", code=1)
        ref = found.session_id
    store.resolve(ref)  # an unknown session is reported as such, before the data dir is checked
    store.check_writable()
    transcript = store.open(ref)  # locked until the interview closes: a second process is refused
    try:
        if transcript.finished:
            sid = transcript.session_id
            raise CliError(f"session {sid} is finished; see `interviewer report {sid}`", code=1)
        from .. import session

        settings = resumed_settings(args, session.recorded_backend(transcript))
        if not args.plain and _interactive():
            return _run_tui(args, settings, resume=transcript, store=store)
        engine = session.resume(store, transcript, settings, make_backend)
        return _run_plain(engine, args.data_dir, settings)
    finally:
        store.close()


def _run_tui(
    args: argparse.Namespace,
    settings: Settings,
    bank: Bank | None = None,
    resume: Transcript | None = None,
    store: Store | None = None,
) -> int:
    from ..tui.app import Context, InterviewerApp

    context = Context(
        settings=settings,
        store=store or store_for(settings),
        backend_factory=make_backend,
        default_lang=default_lang(),
        prefs_path=user_config_path(APP_NAME) / "last-setup.json",
        bank_cache=bank_cache(),
        extra_banks=list(getattr(args, "bank", [])),
        bank=bank,
        resumed_settings=lambda recorded: resumed_settings(args, recorded),
    )
    context.store.check_writable()
    try:
        code = InterviewerApp(context, resume=resume).run() or 0
        from ..plain import keep_all_unsaved  # after the screen is closed: what could not be saved shows here

        return keep_all_unsaved(context.engines, sys.stdout) or code
    finally:
        context.store.close()  # the sessions opened on the screens stay locked until here


def _run_plain(engine: Engine, data_dir: Path | None, settings: Settings) -> int:
    from ..plain import PlainFrontEnd

    command = resume_command(engine.transcript.session_id, data_dir)
    return PlainFrontEnd(engine, resume_command=command, out=sys.stdout, prices=settings.prices).run()
