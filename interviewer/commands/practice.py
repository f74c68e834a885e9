"""`practice` and `resume`: an interview on the full screen, or in plain text when asked or piped."""

from __future__ import annotations

import argparse
import difflib
import secrets
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from platformdirs import user_config_path

from ..bank import Bank, load_bank
from ..config_errors import load_data_settings
from ..domain import MAX_QUESTIONS, TRACKS, EarlierAttempt, Plan, Transcript
from ..redact import redact_url
from ..settings import APP_NAME, OPENAI_ENDPOINT, Settings
from ..store import Store
from ..wiring import (
    bank_cache,
    default_lang,
    make_backend,
    resume_command,
    resumed_settings,
    settings_from,
    store_for,
    warn,
)
from . import CliError, Parents, count

if TYPE_CHECKING:  # the engine is imported when an interview starts, so the screen opens sooner
    from ..engine import Engine
    from ..profile.model import Profile
    from ..profile.questions import Mix
    from . import Subparsers


def register(sub: Subparsers, parents: Parents) -> None:
    backend, data = parents.backend, parents.data
    practice = sub.add_parser(
        "practice", parents=[data, parents.banks, parents.lang, backend], help="start a mock interview"
    )
    practice.add_argument(
        "--plain", action="store_true", help="plain text on stdin/stdout (works with pipes)"
    )
    # No defaults here: a flag given fills the setup screen, and only a given one should win over the
    # choices remembered there. The defaults are Plan's.
    practice.add_argument("--track", choices=TRACKS, help="default: mlse")
    practice.add_argument(
        "--category", action="append", default=[], metavar="C", help="only these categories (repeatable)"
    )
    practice.add_argument("--questions", type=count(1, MAX_QUESTIONS), metavar="N", help="default: 5")
    practice.add_argument("--follow-ups", type=count(0, 10), metavar="N", help="per question; default: 2")
    practice.add_argument("--difficulty", type=_difficulty, metavar="MIN-MAX", help="e.g. 2-4")
    practice.add_argument("--seed", type=int, help="question selection seed (default: random, recorded)")
    practice.add_argument(
        "--question",
        action="append",
        default=[],
        metavar="ID",
        help="exactly these questions, in this order (repeatable, or comma-separated; ids from "
        "`interviewer bank list`); --category, --questions, --difficulty and --seed then do not apply",
    )
    practice.add_argument(
        "--retry",
        metavar="SESSION_ID[:QUESTION_ID]",
        help="a new session answering again the questions graded in that session (or only the one named), "
        "in its language, track and follow-up count; the report compares the attempts. Not with "
        "--question or --category; --lang, --track and --follow-ups do not apply",
    )
    practice.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="a résumé or project notes (Markdown, text or PDF, Korean or English): a project round about "
        "your own projects, stack and career moves comes first. Offline it never leaves this machine; "
        "with a model it goes only to the configured endpoint",
    )
    practice.add_argument(
        "--mix",
        metavar="P,S",
        help="with --profile: P project questions (the career-move one counts as one) and S stack "
        "questions before the bank's; default: 2,1",
    )
    practice.add_argument(
        "--focus",
        choices=["weak"],
        help="weak: the questions whose key points you missed most (most review cards due first); "
        "--track, --category and --difficulty narrow them when given; the usual pick fills the rest",
    )
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


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_practice(args: argparse.Namespace) -> int:
    if args.mix is not None and args.profile is None:
        raise CliError("--mix needs --profile: it shapes the round the profile adds")
    settings = settings_from(args)
    bank = load_bank(args.bank, cache_dir=bank_cache())  # bank errors print here, not on a screen
    if not args.plain and interactive():
        return run_tui(args, settings, bank)
    from .. import session
    from ..engine import EngineError

    store = store_for(settings)
    try:
        sources: dict[str, str] = {}
        if args.profile is not None:
            request, bank, sources = _profile_session(args, bank, settings)
        else:
            # A bad id or session reference is reported as such, before the data dir is checked.
            request = requested_plan(args, bank, store) or Requested(_filtered_plan(args, bank), {})
        store.check_writable()
        try:
            engine = session.start(
                store, request.plan, bank, settings, make_backend, earlier=request.earlier, sources=sources
            )
        except EngineError as exc:
            raise CliError(str(exc)) from None
        return run_plain(engine, args.data_dir, settings)
    finally:
        store.close()


MAX_MIX = 10  # per kind: a round longer than that is no longer a round before the bank's questions


def parse_mix(value: str | None) -> Mix:
    """`--mix P,S`: CliError unless two whole numbers from 0 to 10, not both 0."""
    from ..profile.questions import Mix

    if value is None:
        return Mix()
    parts = value.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise CliError(f"--mix: expected P,S (project and stack questions, e.g. 3,2), got {value!r}")
    mix = Mix(int(parts[0]), int(parts[1]))
    if max(mix) > MAX_MIX or sum(mix) == 0:
        raise CliError(f"--mix: each number must be 0-{MAX_MIX} and not both 0, got {value!r}")
    return mix


def _profile_session(
    args: argparse.Namespace, bank: Bank, settings: Settings
) -> tuple[Requested, Bank, dict[str, str]]:
    """The plan of a session that starts with a round from `--profile` (shown first, and at a terminal
    chosen from), the bank holding its questions, and by question id the profile excerpt each came from."""
    from ..plain import preview_profile
    from ..profile.plan import with_round

    if args.question or args.retry is not None:
        raise CliError("--profile cannot be combined with --question or --retry")
    mix = parse_mix(args.mix)
    base = _filtered_plan(args, bank)
    profile = _read_profile(args.profile, bank)
    endpoint = (
        None
        if settings.resolved_provider() == "offline"
        else redact_url(settings.base_url or OPENAI_ENDPOINT)
    )
    try:
        profile = preview_profile(profile, base.lang, sys.stdout, interactive(), endpoint)
    except KeyboardInterrupt:
        raise CliError("stopped before the interview began; nothing was saved", code=130) from None
    made = with_round(profile, bank, base, mix, settings)
    if made is None:
        raise CliError(
            f"{args.profile}: nothing in it to ask about (no project, listed technology or career move)"
        )
    return Requested(made.plan, {}), made.bank, made.sources


def _read_profile(path: Path, bank: Bank) -> Profile:
    from ..profile.extract import extract
    from ..profile.read import ProfileError, read_profile

    try:
        return extract(read_profile(path), bank)
    except ProfileError as exc:
        raise CliError(str(exc), exc.code) from None


def _categories(args: argparse.Namespace, bank: Bank) -> list[str]:
    categories = [c for value in args.category for c in value.split(",") if c]
    unknown = sorted(set(categories) - set(bank.categories()))
    if unknown:
        raise CliError(f"unknown category {', '.join(unknown)} (known: {', '.join(bank.categories())})")
    return categories


def given_choices(args: argparse.Namespace, bank: Bank) -> dict[str, object]:
    """The interview's shape as the command line gave it, by Plan field: only what was given."""
    given: dict[str, object] = {
        "track": args.track,
        "questions": args.questions,
        "follow_ups": args.follow_ups,
        "lang": args.lang,
        "categories": _categories(args, bank) or None,
    }
    if args.difficulty is not None:
        given["min_difficulty"], given["max_difficulty"] = args.difficulty
    return {k: v for k, v in given.items() if v is not None}


def _filtered_plan(args: argparse.Namespace, bank: Bank) -> Plan:
    return Plan.model_validate(
        {
            **given_choices(args, bank),
            "lang": args.lang or default_lang(),
            "seed": args.seed if args.seed is not None else secrets.randbelow(1_000_000),
        }
    )


class Requested(NamedTuple):
    """A session the command line asked for by name: the plan, and per question id the earlier attempts
    a retry carries (empty for --question)."""

    plan: Plan
    earlier: dict[str, list[EarlierAttempt]]


def requested_plan(args: argparse.Namespace, bank: Bank, store: Store) -> Requested | None:
    """The session `--question` or `--retry` names, to start without choosing on a setup screen; None when
    neither is given. CliError (or StoreError for the session reference) when it cannot be started."""
    ids = [q for value in args.question for q in value.split(",") if q]
    if getattr(args, "focus", None) == "weak":
        if ids or args.retry is not None:
            raise CliError("--focus weak cannot be combined with --question or --retry")
        return _focus_weak(args, bank, store)
    if args.retry is not None:
        if ids or args.category:
            raise CliError("--retry cannot be combined with --question or --category")
        return _retry(args.retry, bank, store)
    if not ids:
        return None
    _check_ids(ids, bank)
    shape = {k: v for k, v in given_choices(args, bank).items() if k in ("track", "follow_ups")}
    plan = Plan.model_validate(
        {**shape, "questions": len(ids), "lang": args.lang or default_lang(), "question_ids": ids}
    )
    return Requested(plan, {})


def _focus_weak(args: argparse.Namespace, bank: Bank, store: Store) -> Requested | None:
    """The weakest questions first, then the usual pick; None (and a line saying so) when no key point
    has a review card yet."""
    from ..learning.focus import weak_questions
    from .learning import caught_up, now

    low, high = args.difficulty or (1, 5)
    pool = bank.filter(args.track, _categories(args, bank), low, high)
    allowed = {q.id for q in pool}
    base = _filtered_plan(args, bank)
    weak = [q for q in weak_questions(caught_up(store), now()) if q in allowed][: base.questions]
    if not weak:
        warn("no weak key points recorded yet; the usual pick follows")
        return None
    ids = list(weak)
    if len(ids) < base.questions:
        rest = Bank({k: v for k, v in bank.questions.items() if k not in set(ids)})
        ids += [q.id for q in rest.select(base.model_copy(update={"questions": base.questions - len(ids)}))]
    return Requested(base.model_copy(update={"questions": len(ids), "question_ids": ids}), {})


def _check_ids(ids: list[str], bank: Bank) -> None:
    known = list(bank.questions)
    unknown = [q for q in dict.fromkeys(ids) if q not in bank.questions]
    if unknown:
        named = []
        for q in unknown:
            close = difflib.get_close_matches(q, known, n=1)
            named.append(f"{q!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        plural = "s" if len(unknown) > 1 else ""
        raise CliError(f"unknown question id{plural} {', '.join(named)}; `interviewer bank list` lists them")
    twice = [q for q, n in Counter(ids).items() if n > 1]
    if twice:
        raise CliError(f"question {twice[0]!r} is given more than once: a session asks each question once")
    if len(ids) > MAX_QUESTIONS:
        raise CliError(f"at most {MAX_QUESTIONS} questions per session, got {len(ids)}")


def _retry(value: str, bank: Bank, store: Store) -> Requested:
    from ..retry import RetryError, retry_plan, split_ref

    try:
        ref, question_id = split_ref(value)
        plan, earlier = retry_plan(store.load(ref), question_id)
    except RetryError as exc:
        raise CliError(str(exc)) from None
    gone = [q for q in plan.question_ids if q not in bank.questions]
    if gone:  # the session was answered with a bank file this command was not given
        raise CliError(
            f"question {gone[0]!r} is not in the bank; if it came from a bank file, add --bank PATH"
        )
    return Requested(plan, earlier)


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
        if not args.plain and interactive():
            return run_tui(args, settings, resume=transcript, store=store)
        engine = session.resume(store, transcript, settings, make_backend)
        return run_plain(engine, args.data_dir, settings)
    finally:
        store.close()


def run_tui(
    args: argparse.Namespace,
    settings: Settings,
    bank: Bank | None = None,
    resume: Transcript | None = None,
    store: Store | None = None,
    review_limit: int | None = None,
) -> int:
    """The full screen. A session named on the command line (resumed, `--question`, `--retry`, a review
    drill of at most `review_limit` cards) is opened before it shows, so what is wrong with it is one line
    here; otherwise the setup screen opens, filled with the flags given."""
    from ..tui.app import Context, InterviewerApp

    store = store or store_for(settings)
    given: dict[str, object] = {}
    request = None
    if bank is not None and review_limit is None:
        request = requested_plan(args, bank, store)
        given = given_choices(args, bank)
        given.update({k: v for k in ("provider", "model") if (v := getattr(args, k, None))})
        if getattr(args, "profile", None) is not None:
            given["profile"] = str(args.profile)
    context = Context(
        settings=settings,
        store=store,
        backend_factory=make_backend,
        default_lang=default_lang(),
        prefs_path=user_config_path(APP_NAME) / "last-setup.json",
        bank_cache=bank_cache(),
        extra_banks=list(getattr(args, "bank", [])),
        bank=bank,
        given=given,
        resumed_settings=lambda recorded: resumed_settings(args, recorded),
    )
    if getattr(args, "seed", None) is not None:
        context.seeds = lambda: int(args.seed)
    if getattr(args, "mix", None) is not None:
        context.mix = parse_mix(args.mix)
    context.store.check_writable()
    try:
        from ..engine import EngineError

        opened: Engine | None = None
        if review_limit is not None:  # `interviewer review`, which has checked that a card is due
            opened = context.start_review(args.lang or default_lang(), review_limit)
        elif resume is not None:
            opened = context.resume(resume)
        elif request is not None:
            try:
                opened = context.start_plan(request.plan, request.earlier)
            except EngineError as exc:
                raise CliError(str(exc)) from None
        code = InterviewerApp(context, opened=opened).run() or 0
        from ..plain import keep_all_unsaved  # after the screen is closed: what could not be saved shows here

        def command(session_id: str) -> str:
            return resume_command(session_id, args.data_dir)

        return keep_all_unsaved(context.engines, sys.stdout, command) or code
    finally:
        context.store.close()  # the sessions opened on the screens stay locked until here


def run_plain(engine: Engine, data_dir: Path | None, settings: Settings) -> int:
    from ..plain import PlainFrontEnd

    command = resume_command(engine.transcript.session_id, data_dir)
    return PlainFrontEnd(engine, resume_command=command, out=sys.stdout, prices=settings.prices).run()
