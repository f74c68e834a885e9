"""The replay, regrade and eval commands: argument handling and output around the evaluation core."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from platformdirs import user_cache_path

from ..bank import load_bank
from ..commands import Parents, count
from ..config_errors import settings_without_model
from ..domain import Usage, known_sum
from ..files import CACHE_LIMIT, FileProblem, capped, read_file
from ..llm.base import Backend
from ..settings import APP_NAME, Settings
from ..store import Store, write_atomic
from ..untrusted import for_terminal, one_line
from ..wiring import make_backend, settings_from, store_for, warn
from .dataset import DatasetError, load_dataset
from .runner import DEFAULT_CONCURRENCY, EvalRun, assemble, build_run, evaluate
from .tables import compare_runs, markdown_report, terminal_table

if TYPE_CHECKING:
    from ..commands import Subparsers

# The engine (through `.replay`) and the grader (through `..report`) are imported where a command uses
# them: registering these parsers for `interviewer --help` loads neither.

T = TypeVar("T")


class CommandError(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def register(sub: Subparsers, parents: Parents) -> None:
    data, backend = parents.data, parents.backend
    replay = sub.add_parser("replay", parents=[data], help="print a recorded interview turn by turn")
    replay.add_argument("session", metavar="SESSION_ID|FILE")
    replay.add_argument("--plain", action="store_true", help="accepted for symmetry; replay always prints")
    replay.set_defaults(run=run)

    regrade = sub.add_parser(
        "regrade", parents=[data, backend], help="grade recorded answers again, and compare"
    )
    regrade.add_argument("session", metavar="SESSION_ID|FILE")
    regrade.add_argument("--follow-ups", action="store_true", help="also re-decide the follow-up questions")
    regrade.add_argument(
        "--fallbacks-only", action="store_true", help="only questions whose grading fell back"
    )
    regrade.add_argument("--out", type=Path, help="write the re-graded transcript to this file")
    regrade.set_defaults(run=run)

    evaluate = sub.add_parser("eval", parents=[backend], help="score a labelled dataset; `eval compare A B`")
    evaluate.add_argument("target", nargs="+", metavar="DATASET | compare A.json B.json")
    evaluate.add_argument("--backend", choices=["offline", "openai", "replay"], default="offline")
    evaluate.add_argument(
        "--replay", type=Path, metavar="RUN.json", help="with --backend replay: a --out file"
    )
    evaluate.add_argument(
        "--concurrency",
        type=count(1, 64),
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
    evaluate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # `replay` only reads a transcript: a model setting it cannot use is a warning, not an error.
    replaying = args.command == "replay"
    settings = settings_without_model(warn, args.data_dir) if replaying else settings_from(args)
    store = store_for(settings) if args.command != "eval" else None
    return run_evaluation_command(args, store, settings, make_backend)


def run_evaluation_command(
    args: argparse.Namespace,
    store: Store | None,
    settings: Settings,
    backend_factory: Callable[[Settings, str], Backend],
) -> int:
    settings = settings.for_bulk()
    try:
        if args.command == "replay":
            from .replay import replay_text

            assert store is not None
            print(replay_text(store.load(args.session)))
            return 0
        if args.command == "regrade":
            assert store is not None
            return _regrade(args, store, settings, backend_factory)
        return _eval(args, settings, backend_factory)
    except DatasetError as exc:
        for line in capped(exc.problems):
            print(f"interviewer: {one_line(line)}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"interviewer: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.code


def _regrade(
    args: argparse.Namespace,
    store: Store,
    settings: Settings,
    backend_factory: Callable[[Settings, str], Backend],
) -> int:
    from .replay import regrade

    original = store.load(args.session)
    backend = backend_factory(settings, f"regrade-{original.session_id}")
    new, rows = asyncio.run(
        _closing(backend, regrade(original, backend, args.follow_ups, args.fallbacks_only))
    )
    name = backend.model or backend.provider
    label = f"{backend.provider}{f' ({backend.model})' if backend.model else ''}"
    print(one_line(f"{original.session_id}: {original.provider} → {label}"))
    if not rows:
        print("nothing to re-grade")
    width = max((len(r.what) for r in rows), default=8)
    for row in rows:
        # `!`: the offline backend answered in the model's place, so an unchanged score is no agreement.
        mark = "!" if row.stood_in else " " if row.before == row.after else "*"
        why = f"  (offline: {name} failed: {row.stood_in})" if row.stood_in else ""
        question = one_line(row.question)
        if row.what.startswith("follow-up"):
            print(f"{mark} {question}  {row.what}{why}")
            print(f"    was: {for_terminal(row.before)}\n    now: {for_terminal(row.after)}")
        else:
            print(f"{mark} {question}  {one_line(row.what):<{width}}  {row.before:>5} → {row.after}{why}")
    if args.out:
        try:
            write_atomic(args.out, new.model_dump_json(indent=1).encode())
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}", code=1) from None
        print(f"re-graded transcript written to {args.out}")
    overall = [r for r in rows if r.what == "overall"]
    failed = [r for r in overall if r.stood_in]
    if not failed:
        return 0
    why = ", ".join(dict.fromkeys(r.stood_in or "" for r in failed))
    every = len(failed) == len(overall)
    said = f"{'every re-grade' if every else f'{len(failed)} of {len(overall)} re-grades'} fell back to "
    said += f"the offline grader ({why}): {'these' if every else 'their'} scores are not {name}'s"
    # Nothing was graded by the model that was asked for: the run did not do its job.
    print(f"interviewer: {'error' if every else 'warning'}: {one_line(said)}", file=sys.stderr)
    return 1 if every else 0


def _eval(
    args: argparse.Namespace, settings: Settings, backend_factory: Callable[[Settings, str], Backend]
) -> int:
    if args.target[0] == "compare":
        if len(args.target) != 3:
            raise CommandError("usage: interviewer eval compare A.json B.json")
        print(compare_runs(_load_run(Path(args.target[1])), _load_run(Path(args.target[2]))))
        return 0
    if len(args.target) != 1:
        raise CommandError("give one dataset file")
    bounds = _bounds(args.fail_under)
    dataset = Path(args.target[0])
    bank = load_bank(cache_dir=user_cache_path(APP_NAME))
    items = load_dataset(dataset, bank)
    if args.backend == "replay":
        if args.replay is None:
            raise CommandError("--backend replay needs --replay RUN.json (a file written by --out)")
        previous = _load_run(args.replay)
        by_id = {r.id: r for r in previous.items}
        missing = [i.id for i in items if i.id not in by_id]
        if missing:
            raise CommandError(f"{args.replay}: no recorded result for items {missing[:5]}")
        # Re-score recorded predictions against the dataset's current labels: no backend, no network.
        results = [by_id[i.id].model_copy(update={"label": i.label, "tags": i.tags}) for i in items]
        run = assemble(
            str(dataset), f"replay of {previous.backend}", previous.model, previous.prompt_hashes, results
        )
    else:
        update: dict[str, object] = {"provider": args.backend}
        if args.concurrency is not None and settings.concurrency is None:
            # Asking for N items at once says the endpoint can serve N: the per-server gate must not
            # quietly hold a local vLLM to one request at a time.
            update["concurrency"] = args.concurrency
        chosen = settings.model_copy(update=update)
        backend = backend_factory(chosen, "eval")
        cache = None if args.no_cache else user_cache_path(APP_NAME) / "eval"
        concurrency = args.concurrency or DEFAULT_CONCURRENCY
        results = asyncio.run(
            _closing(backend, evaluate(items, bank, backend, concurrency, cache, _progress))
        )
        if sys.stderr.isatty():  # ends the bar's line
            print(file=sys.stderr)
        run = build_run(dataset, backend, results)
        usage = Usage(
            calls=len(results),
            prompt_tokens=known_sum([r.prompt_tokens for r in results]),
            cached_tokens=known_sum([r.cached_tokens for r in results]),
            completion_tokens=known_sum([r.completion_tokens for r in results]),
        )
        from ..report import estimate_cost

        run.metrics["cost_usd"] = estimate_cost(usage, chosen.prices.get(backend.model or ""))
    print(terminal_table(run))
    every = bool(run.items) and all(r.grade_fallback for r in run.items)
    for i, warning in enumerate(run.warnings):
        level = "error" if every and i == 0 else "warning"  # the grades' warning comes first
        print(f"interviewer: {level}: {one_line(warning)}", file=sys.stderr)
    for path, data in (
        (args.out, run.model_dump_json(indent=1)),
        (args.report, markdown_report(run) if args.report else ""),
    ):
        if path is not None:
            try:
                write_atomic(path, data.encode())
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror or exc}", code=1) from None
    failed = [
        f"{name} = {run.metrics.get(name)} is below {bound}"
        for name, bound in bounds.items()
        if run.metrics.get(name) is None or run.metrics[name] < bound  # type: ignore[operator]
    ]
    for line in failed:
        print(f"interviewer: fail-under: {line}", file=sys.stderr)
    # Every grade by the offline grader: the model that was asked for graded nothing.
    return 1 if failed or every else 0


async def _closing(backend: Backend, work: Coroutine[object, object, T]) -> T:
    try:
        return await work
    finally:
        await backend.close()


def _bounds(specs: list[str]) -> dict[str, float]:
    bounds: dict[str, float] = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            bounds[name.strip()] = float(value)
        except ValueError:
            raise CommandError(f"--fail-under {spec!r}: expected METRIC=NUMBER, e.g. qwk=0.6") from None
    return bounds


def _load_run(path: Path) -> EvalRun:
    try:
        return EvalRun.model_validate_json(read_file(path, CACHE_LIMIT))
    except FileProblem as exc:
        raise CommandError(str(exc)) from None
    except ValueError:
        raise CommandError(f"{path}: not an evaluation result written by `interviewer eval --out`") from None


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        filled = int(30 * done / total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
    else:
        # A log or a pipe gets whole lines, one each time another tenth of the items is done.
        tenths = 10 * done // total
        if tenths == 10 * (done - 1) // total:
            return
        sys.stderr.write(f"eval: {10 * tenths}% ({done} of {total} items)\n")
    sys.stderr.flush()
