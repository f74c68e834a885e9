"""Command-line entry point: argument parsing and dispatch for every mode."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_cache_path, user_config_path

from . import __version__
from .bank import Bank, BankError, load_bank
from .config_errors import load_data_settings, load_settings, settings_without_model, unknown_variables
from .domain import LANGS, TRACKS, Lang, Plan, Question, Transcript
from .files import capped
from .resources import cache_dir
from .settings import APP_NAME, ConfigError, DataSettings, Settings
from .store import SUFFIX, SessionSummary, Store, StoreError, answered, valid_id
from .untrusted import for_terminal, json_for_terminal, one_line

if TYPE_CHECKING:  # the engine is imported when an interview starts, so the screen opens sooner
    from .engine import Engine
    from .llm.base import Backend

EXIT_BAD_INPUT = 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def default_lang() -> Lang:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def _difficulty(value: str) -> tuple[int, int]:
    try:
        lo, _, hi = value.partition("-")
        low, high = int(lo), int(hi or lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or MIN-MAX with numbers 1-5, got {value!r}") from None
    if not 1 <= low <= high <= 5:
        raise argparse.ArgumentTypeError(f"difficulty must satisfy 1 <= MIN <= MAX <= 5, got {value!r}")
    return low, high


def _count(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {n}")
        return n

    return parse


def build_parser() -> argparse.ArgumentParser:
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

    parser = argparse.ArgumentParser(
        prog="interviewer",
        description="Mock technical interviews with follow-up questions and rubric feedback.",
    )
    parser.add_argument("--version", action="version", version=f"interviewer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    practice = sub.add_parser("practice", parents=[data, banks, lang, backend], help="start a mock interview")
    practice.add_argument(
        "--plain", action="store_true", help="plain text on stdin/stdout (works with pipes)"
    )
    practice.add_argument("--track", choices=TRACKS, default="mlse", help="default: mlse")
    practice.add_argument(
        "--category", action="append", default=[], metavar="C", help="only these categories (repeatable)"
    )
    practice.add_argument("--questions", type=_count(1, 100), default=5, metavar="N", help="default: 5")
    practice.add_argument(
        "--follow-ups", type=_count(0, 10), default=2, metavar="N", help="per question; default: 2"
    )
    practice.add_argument(
        "--difficulty", type=_difficulty, default=(1, 5), metavar="MIN-MAX", help="e.g. 2-4"
    )
    practice.add_argument("--seed", type=int, help="question selection seed (default: random, recorded)")

    resume = sub.add_parser("resume", parents=[data, backend], help="continue an unfinished session")
    resume.add_argument("session", nargs="?", metavar="SESSION_ID", help="default: the latest unfinished one")
    resume.add_argument("--plain", action="store_true", help="plain text on stdin/stdout")

    sessions = sub.add_parser(
        "sessions", parents=[data], help="list saved sessions, newest first; `sessions delete ID`"
    )
    sessions.add_argument("--json", action="store_true", help="machine-readable output")
    sessions.add_argument(
        "--all",
        action="store_true",
        help="also the sessions without an answer (hidden by default; --json lists every session)",
    )
    sessions_sub = sessions.add_subparsers(dest="sessions_command", metavar="ACTION")
    delete = sessions_sub.add_parser("delete", help="delete a session's transcript")
    delete.add_argument("session", metavar="SESSION_ID", help="a session id or a unique prefix of one")
    delete.add_argument("--yes", action="store_true", help="do not ask (needed when stdin is not a terminal)")
    # SUPPRESS: an unset default here would overwrite a --data-dir given before `delete`.
    delete.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    report = sub.add_parser("report", parents=[data], help="print a session's report")
    report.add_argument("session", metavar="SESSION_ID")
    report.add_argument("--format", choices=["md", "json"], default="md")

    sub.add_parser(
        "doctor", parents=[backend], help="check the model endpoint and the output mode it supports"
    )

    replay = sub.add_parser("replay", parents=[data], help="print a recorded interview turn by turn")
    replay.add_argument("session", metavar="SESSION_ID|FILE")
    replay.add_argument("--plain", action="store_true", help="accepted for symmetry; replay always prints")

    regrade = sub.add_parser(
        "regrade", parents=[data, backend], help="grade recorded answers again, and compare"
    )
    regrade.add_argument("session", metavar="SESSION_ID|FILE")
    regrade.add_argument("--follow-ups", action="store_true", help="also re-decide the follow-up questions")
    regrade.add_argument(
        "--fallbacks-only", action="store_true", help="only questions whose grading fell back"
    )
    regrade.add_argument("--out", type=Path, help="write the re-graded transcript to this file")

    evaluate = sub.add_parser("eval", parents=[backend], help="score a labelled dataset; `eval compare A B`")
    evaluate.add_argument("target", nargs="+", metavar="DATASET | compare A.json B.json")
    evaluate.add_argument("--backend", choices=["offline", "openai", "replay"], default="offline")
    evaluate.add_argument(
        "--replay", type=Path, metavar="RUN.json", help="with --backend replay: a --out file"
    )
    evaluate.add_argument(
        "--concurrency",
        type=_count(1, 64),
        metavar="N",
        help="items at once (default 4); given, it is also the requests at once to the endpoint, unless "
        "the concurrency setting says otherwise (unset, a local server gets one at a time)",
    )
    evaluate.add_argument("--out", type=Path, metavar="FILE.json")
    evaluate.add_argument("--report", type=Path, metavar="FILE.md")
    evaluate.add_argument("--no-cache", action="store_true", help="ignore cached results")
    evaluate.add_argument(
        "--fail-under", action="append", default=[], metavar="METRIC=VALUE", help="exit 1 below this bound"
    )

    bank = sub.add_parser("bank", help="inspect and validate question banks")
    bank_sub = bank.add_subparsers(dest="bank_command", metavar="ACTION", required=True)
    validate = bank_sub.add_parser(
        "validate", parents=[banks], help="check bank files (with the shipped bank)"
    )
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    listing = bank_sub.add_parser("list", parents=[banks, lang], help="list questions")
    listing.add_argument("--track", choices=TRACKS)
    listing.add_argument("--category", action="append", default=[], metavar="C")
    listing.add_argument("--json", action="store_true")
    show = bank_sub.add_parser("show", parents=[banks, lang], help="show one question in full")
    show.add_argument("question_id", metavar="ID")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
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


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "practice"
    if command == "practice":
        if args.command is None:  # bare `interviewer`: fill in the practice defaults
            args = build_parser().parse_args(["practice"])
        return _practice(args)
    if command == "resume":
        return _resume(args)
    if command == "sessions":
        return _sessions(args)
    if command == "report":
        return _report(args)
    if command == "doctor":
        return _doctor(args)
    if command in ("replay", "regrade", "eval"):
        from .evaluation.commands import run_evaluation_command

        settings = settings_without_model(_warn, args.data_dir) if command == "replay" else _settings(args)
        store = _store(settings) if command != "eval" else None
        return run_evaluation_command(args, store, settings, _backend)
    return _bank(args)


def bank_cache() -> Path:
    return cache_dir()


def _store(settings: DataSettings) -> Store:
    return Store(settings.resolved_data_dir())


def _warn(message: str) -> None:
    print(f"interviewer: warning: {one_line(message)}", file=sys.stderr)


def _resume_command(session_id: str, data_dir: Path | None) -> str:
    parts = ["interviewer", "resume", session_id]
    if data_dir is not None:
        parts += ["--data-dir", str(data_dir)]
    return shlex.join(parts)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _practice(args: argparse.Namespace) -> int:
    settings = _settings(args)
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
    from .engine import Engine, EngineError, new_transcript

    store = _store(settings)
    store.check_writable()
    session_id = store.open_new()
    try:
        backend = _backend(settings, session_id)
        try:
            transcript = new_transcript(plan, bank, backend, session_id=session_id)
        except EngineError as exc:
            raise CliError(str(exc)) from None
        engine = Engine(transcript, backend, store, wait_s=settings.wait_s)
        return _run_plain(engine, args.data_dir, settings)
    finally:
        store.close()


def _resume(args: argparse.Namespace) -> int:
    store = _store(load_data_settings(args.data_dir))
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
        # Continue with the backend the session started with, unless told otherwise.
        recorded = {"provider": transcript.provider, "model": transcript.model}
        settings = _settings(args, {k: v for k, v in recorded.items() if v and not getattr(args, k)})
        if not args.plain and _interactive():
            return _run_tui(args, settings, resume=transcript, store=store)
        from .engine import Engine

        engine = Engine(transcript, _backend(settings, transcript.session_id), store, wait_s=settings.wait_s)
        return _run_plain(engine, args.data_dir, settings)
    finally:
        store.close()


def _settings(args: argparse.Namespace, recorded: dict[str, str] | None = None) -> Settings:
    """The settings of a command that may use a model: any problem in them stops it (exit 2)."""
    for line in unknown_variables():
        _warn(line)
    given = {
        "provider": args.provider,
        "model": args.model,
        "base_url": args.base_url,
        "stream": args.stream,
        "data_dir": getattr(args, "data_dir", None),
    }
    return load_settings({k: v for k, v in given.items() if v not in (None, "")}, recorded)


def _backend(settings: Settings, session_id: str) -> Backend:
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


def _run_tui(
    args: argparse.Namespace,
    settings: Settings,
    bank: Bank | None = None,
    resume: Transcript | None = None,
    store: Store | None = None,
) -> int:
    from .tui.app import Context, InterviewerApp

    context = Context(
        settings=settings,
        store=store or _store(settings),
        backend_factory=_backend,
        default_lang=default_lang(),
        prefs_path=user_config_path(APP_NAME) / "last-setup.json",
        bank_cache=bank_cache(),
        extra_banks=list(getattr(args, "bank", [])),
        bank=bank,
        pinned={k: v for k in ("provider", "model") if (v := getattr(args, k, None))},
    )
    context.store.check_writable()
    try:
        code = InterviewerApp(context, resume=resume).run() or 0
        from .plain import keep_all_unsaved  # after the screen is closed: what could not be saved shows here

        return keep_all_unsaved(context.engines, sys.stdout) or code
    finally:
        context.store.close()  # the sessions opened on the screens stay locked until here


def _run_plain(engine: Engine, data_dir: Path | None, settings: Settings) -> int:
    from .plain import PlainFrontEnd

    command = _resume_command(engine.transcript.session_id, data_dir)
    return PlainFrontEnd(engine, resume_command=command, out=sys.stdout, prices=settings.prices).run()


def _doctor(args: argparse.Namespace) -> int:
    import asyncio

    from .doctor import diagnose
    from .grading.encoder import configure
    from .llm.openai import OpenAIBackend

    def show(line: str) -> None:
        print(line, flush=True)  # each check as it runs, even into a pipe

    # A check that fails is answered by the offline backend, as in an interview, and the answer thrown
    # away: no need to load the sentence encoder for it.
    configure(False)
    settings = _settings(args)
    report = asyncio.run(diagnose(settings, lambda s: OpenAIBackend(s, "doctor"), show, default_lang()))
    if report.fix:
        print(f"interviewer: error: {report.fix}", file=sys.stderr)
        return 1
    return 0


def _sessions(args: argparse.Namespace) -> int:
    store = _store(settings_without_model(_warn, args.data_dir))
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
    print(_table(rows))
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
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import build_report, to_markdown

    settings = settings_without_model(_warn, args.data_dir)
    report = build_report(_store(settings).load(args.session), settings.prices)
    if args.format == "json":
        print(json_for_terminal(report.model_dump_json(indent=2)))
    else:
        print(to_markdown(report), end="")
    return 0


def _bank(args: argparse.Namespace) -> int:
    if args.bank_command == "validate":
        bank = load_bank([*args.paths, *args.bank], cache_dir=bank_cache())
        extra = [
            p for p in bank.sources.values() if any(_under(p, root) for root in [*args.paths, *args.bank])
        ]
        checked = f"{len(set(extra))} file(s) checked, " if args.paths or args.bank else ""
        print(f"OK: {checked}{len(bank)} questions in the bank ({_track_counts(bank)})")
        return 0
    bank = load_bank(args.bank, cache_dir=bank_cache())
    lang: Lang = args.lang or default_lang()
    if args.bank_command == "list":
        return _bank_list(bank, args, lang)
    try:
        question = bank.get(args.question_id)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    print(_show(question, lang))
    return 0


def _under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _track_counts(bank: Bank) -> str:
    return ", ".join(f"{t} {len(bank.filter(track=t))}" for t in TRACKS)


def _bank_list(bank: Bank, args: argparse.Namespace, lang: Lang) -> int:
    questions = bank.filter(track=args.track, categories=args.category)
    questions.sort(key=lambda q: (q.category, q.difficulty, q.id))
    if args.json:
        items = [
            {
                "id": q.id,
                "category": q.category,
                "difficulty": q.difficulty,
                "tracks": q.tracks,
                "text": q.text(lang),
            }
            for q in questions
        ]
        print(json_for_terminal(json.dumps(items, ensure_ascii=False, indent=2)))
        return 0
    rows = [["id", "diff", "tracks", "question"]]
    rows += [[q.id, str(q.difficulty), ",".join(q.tracks), " ".join(q.text(lang).split())] for q in questions]
    print(_table(rows, last_max=60))
    print(f"\n{len(questions)} question(s)")
    return 0


def _show(q: Question, lang: Lang) -> str:
    """Every part of a question as its bank file has it; a user's bank file may hold any character."""
    lines = [
        f"{q.id}  ·  {q.category}  ·  difficulty {q.difficulty}  ·  tracks {', '.join(q.tracks)}",
        "",
        for_terminal(q.text(lang)),
        "",
        "Rubric" if lang == "en" else "채점 기준",
    ]
    for c in q.rubric:
        name = one_line(c.name(lang))
        lines.append(f"  {c.id} ({c.weight}%) — {name}   [key points: {', '.join(c.key_points)}]")
        for score in (1, 3, 5):
            lines.append(f"    {score}: {one_line(c.anchors[score](lang))}")
    lines += ["", "Key points" if lang == "en" else "핵심 포인트"]
    for k in q.key_points:
        lines += [
            f"  {k.id}: {one_line(k.text(lang))}",
            f"    cues: {one_line(', '.join(k.cues(lang)))}",
            f"    follow-up: {one_line(k.follow_up(lang))}",
            f"    deepen: {one_line(k.deepen(lang))}",
        ]
    answer = for_terminal(q.model_answer(lang).rstrip())
    lines += ["", "Model answer" if lang == "en" else "모범 답안", answer]
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if _width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def _table(rows: list[list[str]], last_max: int | None = None) -> str:
    rows = [[one_line(cell) for cell in r] for r in rows]  # cells hold ids and text read from files
    if last_max is not None:
        rows = [[*r[:-1], _clip(r[-1], last_max)] for r in rows]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(r)).rstrip() for r in rows
    )
