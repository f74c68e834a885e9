"""`review` (a drill over the due cards, or `--rebuild`) and `progress`: the learning loop's commands."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..bank import load_bank
from ..config_errors import settings_without_model
from ..domain import MAX_QUESTIONS, Lang
from ..learning.cards import CardStore, LearningError
from ..learning.drill import DEFAULT_LIMIT, question_of
from ..learning.sync import SyncResult, catch_up, rebuild
from ..phrases import Phrases, pick
from ..store import Store, write_atomic
from ..untrusted import for_terminal, json_for_terminal, one_line
from ..wiring import bank_cache, default_lang, make_backend, settings_from, store_for, warn
from . import CliError, Parents, count

if TYPE_CHECKING:
    from ..learning.progress import Progress
    from . import Subparsers


def register(sub: Subparsers, parents: Parents) -> None:
    review = sub.add_parser(
        "review",
        parents=[parents.data, parents.banks, parents.lang, parents.backend],
        help="drill the key points you missed, as they come due",
    )
    review.add_argument("--plain", action="store_true", help="plain text on stdin/stdout (works with pipes)")
    review.add_argument(
        "--limit",
        type=count(1, MAX_QUESTIONS),
        default=DEFAULT_LIMIT,
        metavar="N",
        help="at most N cards (default: 10)",
    )
    review.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild the review cards from the saved transcripts, then stop",
    )
    review.add_argument(
        "--export",
        type=Path,
        metavar="FILE",
        help="write every review card to FILE for Anki (File > Import: tab-separated text with Anki's "
        "headers; importing again updates the cards), then stop",
    )
    review.set_defaults(run=run_review)

    progress = sub.add_parser(
        "progress", parents=[parents.data, parents.lang], help="mastery per category and key point over time"
    )
    progress.add_argument("--json", action="store_true", help="machine-readable output")
    progress.set_defaults(run=run_progress)


def now() -> datetime:
    return datetime.now(UTC)


def cards_for(store: Store) -> CardStore:
    return CardStore(store.data_dir)


def caught_up(store: Store) -> CardStore:
    """The review database with every saved transcript folded in; unreadable transcripts are named."""
    cards = cards_for(store)
    _report_skipped(catch_up(cards, store))
    return cards


def _report_skipped(result: SyncResult) -> None:
    for line in result.problems:
        print(f"interviewer: skipped {one_line(line)}", file=sys.stderr)


def run_review(args: argparse.Namespace) -> int:
    if args.rebuild:
        return _rebuild(args)
    if args.export is not None:
        return _export(args)
    settings = settings_from(args)
    bank = load_bank(args.bank, cache_dir=bank_cache())
    lang: Lang = args.lang or default_lang()
    store = store_for(settings)
    try:
        store.check_writable()
        cards = caught_up(store)
        from .. import session
        from .practice import interactive, run_plain, run_tui

        if not args.plain and interactive():
            if not cards.due_count(_tomorrow()):
                print(_nothing_due(cards, lang))
                return 0
            store.close()
            return run_tui(args, settings, bank, review_limit=args.limit)

        opened = session.start_review(store, cards, bank, settings, make_backend, lang, now(), args.limit)
        if opened is None:
            print(_nothing_due(cards, lang))
            return 0
        engine, made = opened
        if made.skipped:
            print(pick(_TEXT, "gone", lang, n=made.skipped), file=sys.stderr)
        code = run_plain(engine, args.data_dir, settings)
        if engine.transcript.finished:
            caught_up(store)
            print(_nothing_due(cards, lang, after=True))
        return code
    finally:
        store.close()


def _rebuild(args: argparse.Namespace) -> int:
    store = store_for(settings_without_model(warn, args.data_dir))
    cards = cards_for(store)
    try:
        result = rebuild(cards, store)  # in one transaction: a failure keeps the state there was
    except LearningError:
        # Unreadable (damaged, or from a newer version): the usual reason to rebuild. Start it afresh.
        if cards.path.is_symlink():
            raise
        try:
            for path in (cards.path, *(cards.path.with_name(cards.path.name + x) for x in ("-wal", "-shm"))):
                path.unlink(missing_ok=True)
        except OSError as exc:
            raise CliError(f"cannot replace {cards.path}: {exc.strerror or exc}", code=1) from None
        result = rebuild(cards, store)
    _report_skipped(result)
    total, due = cards.summary()[0], cards.due_count(_tomorrow())
    print(
        f"rebuilt {cards.path} from {result.folded} transcript(s): {result.outcomes} key point outcome(s), "
        f"{total} card(s), {due} due today"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..learning.export import anki_text

    if args.export.suffix.lower() in (".apkg", ".colpkg"):
        raise CliError(
            f"--export {args.export}: the file is tab-separated text for Anki's File > Import; "
            "name it .txt or .tsv"
        )
    store = store_for(settings_without_model(warn, args.data_dir))
    lang: Lang = args.lang or default_lang()
    bank = load_bank(args.bank, cache_dir=bank_cache())
    cards = caught_up(store)
    text, written = anki_text(cards.cards(), lambda card: question_of(cards, bank, card), lang)
    try:
        write_atomic(args.export, text.encode("utf-8"))
    except OSError as exc:
        raise CliError(f"cannot write {args.export}: {exc.strerror or exc}", code=1) from None
    print(f"{written} card(s) written to {args.export} for Anki (File > Import)")
    return 0


def _tomorrow() -> datetime:
    from ..learning.drill import end_of_day

    return end_of_day(now())


def _nothing_due(cards: CardStore, lang: Lang, after: bool = False) -> str:
    due = cards.due_count(_tomorrow())
    if due:
        return pick(_TEXT, "still_due", lang, n=due)
    total, nxt = cards.summary()
    if nxt is None:
        return pick(_TEXT, "no_cards", lang)
    return pick(_TEXT, "done" if after else "none_due", lang, n=total, date=f"{nxt.astimezone():%Y-%m-%d}")


_TEXT: Phrases = {
    "no_cards": (
        "복습할 카드가 아직 없습니다. 면접 연습에서 놓친 핵심 포인트가 카드가 됩니다: interviewer practice",
        "No review cards yet. Key points you miss in a practice interview become cards: interviewer practice",
    ),
    "none_due": (
        "오늘 복습할 카드가 없습니다. 카드 {n}개, 다음 복습일: {date}",
        "Nothing is due today. {n} card(s); the next is due on {date}.",
    ),
    "done": (
        "오늘 복습을 마쳤습니다. 카드 {n}개, 다음 복습일: {date}",
        "Today's review is done. {n} card(s); the next is due on {date}.",
    ),
    "still_due": (
        "오늘 복습할 카드가 {n}개 남았습니다: interviewer review",
        "{n} card(s) still due today: interviewer review",
    ),
    "gone": (
        "interviewer: 질문이나 핵심 포인트가 더 이상 없는 카드 {n}개는 건너뜁니다",
        "interviewer: {n} due card(s) skipped: their question or key point is no longer known",
    ),
    "head": ("카테고리|점수 추이|최근|변화|숙련도|약점", "category|scores|latest|change|mastery|weak"),
    "weakest": ("가장 약한 핵심 포인트", "Weakest key points"),
    "due_today": (" · 오늘 복습", " · due today"),
    "totals": ("카드 {n}개, 오늘 복습 {due}개", "{n} card(s), {due} due today"),
    "status_explained": ("설명", "explained"),
    "status_mentioned": ("언급", "mentioned"),
    "status_missing": ("누락", "missing"),
    "status_wrong": ("오류", "wrong"),
}


def run_progress(args: argparse.Namespace) -> int:
    from ..learning.progress import progress

    store = store_for(settings_without_model(warn, args.data_dir))
    lang: Lang = args.lang or default_lang()
    report = progress(caught_up(store), lang, now())
    if args.json:
        print(json_for_terminal(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)))
        return 0
    print(for_terminal(render_progress(report, lang)))
    return 0


def render_progress(report: Progress, lang: Lang) -> str:
    """The plain view: a sparkline of session scores per category, then the weakest key points."""
    from ..learning.progress import sparkline
    from ..textfmt import clip, table

    if not report.points and not report.categories:
        return pick(_TEXT, "no_cards", lang)
    rows = []
    for c in report.categories:
        scores = [s.score for s in c.sessions]
        rows.append(
            [
                c.category,
                sparkline(scores) or "–",
                f"{scores[-1]:.2f}" if scores else "–",
                f"{c.change:+.2f}" if c.change is not None else "–",
                f"{c.mastery:.0%}" if c.mastery is not None else "–",
                str(c.weak_points),
            ]
        )
    lines = [table([pick(_TEXT, "head", lang).split("|"), *rows])]
    weakest = [p for p in report.points if p.mastery < 1.0][:15]
    if weakest:
        lines += ["", pick(_TEXT, "weakest", lang)]
        for p in weakest:
            trail = " → ".join(_status(a.status, lang) for a in p.attempts[-4:])
            due = pick(_TEXT, "due_today", lang) if p.due_today else ""
            if p.due is not None and not p.due_today:
                due = f" · {p.due.astimezone():%m-%d}"
            lines.append(
                f"  {p.question_id} · {clip(one_line(p.text or p.key_point_id), 48)}  [{trail}]{due}"
            )
    lines += ["", pick(_TEXT, "totals", lang, n=report.cards, due=report.due_today)]
    return "\n".join(lines)


def _status(status: str, lang: Lang) -> str:
    """A status the database holds in the user's words; one this version does not know, as it is."""
    key = f"status_{status}"
    return pick(_TEXT, key, lang) if key in _TEXT else status
