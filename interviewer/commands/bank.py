"""`bank validate`, `bank list` and `bank show`: the question banks, read without starting an interview."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..bank import Bank, load_bank
from ..domain import TRACKS, Lang, Question
from ..phrases import Phrases, pick
from ..textfmt import table
from ..untrusted import for_terminal, json_for_terminal, one_line
from ..wiring import bank_cache, default_lang
from . import CliError, Parents

if TYPE_CHECKING:
    from . import Subparsers


# `bank list` and `bank show` in the language asked for (--lang): the same labels a session of it shows.
_TEXT: Phrases = {
    "header": ("아이디 난이도 트랙 질문", "id diff tracks question"),
    "count": ("질문 {n}개", "{n} question(s)"),
    "summary": (
        "{id}  ·  {category}  ·  난이도 {difficulty}  ·  트랙 {tracks}",
        "{id}  ·  {category}  ·  difficulty {difficulty}  ·  tracks {tracks}",
    ),
    "rubric": ("채점 기준", "Rubric"),
    "criterion": (
        "  {id} ({weight}%) — {name}   [핵심 포인트: {points}]",
        "  {id} ({weight}%) — {name}   [key points: {points}]",
    ),
    "key_points": ("핵심 포인트", "Key points"),
    "cues": ("    단서: {text}", "    cues: {text}"),
    "follow_up": ("    꼬리질문: {text}", "    follow-up: {text}"),
    "deepen": ("    심화 질문: {text}", "    deepen: {text}"),
    "model_answer": ("모범 답안", "Model answer"),
}


def register(sub: Subparsers, parents: Parents) -> None:
    bank = sub.add_parser("bank", help="inspect and validate question banks")
    bank.set_defaults(run=run)
    bank_sub = bank.add_subparsers(dest="bank_command", metavar="ACTION", required=True)
    validate = bank_sub.add_parser(
        "validate", parents=[parents.banks], help="check bank files (with the shipped bank)"
    )
    validate.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    listing = bank_sub.add_parser("list", parents=[parents.banks, parents.lang], help="list questions")
    listing.add_argument("--track", choices=TRACKS)
    listing.add_argument("--category", action="append", default=[], metavar="C")
    listing.add_argument("--json", action="store_true")
    show = bank_sub.add_parser(
        "show", parents=[parents.banks, parents.lang], help="show one question in full"
    )
    show.add_argument("question_id", metavar="ID")


def run(args: argparse.Namespace) -> int:
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
    rows = [pick(_TEXT, "header", lang).split()]
    rows += [[q.id, str(q.difficulty), ",".join(q.tracks), " ".join(q.text(lang).split())] for q in questions]
    print(table(rows, last_max=60))
    print("\n" + pick(_TEXT, "count", lang, n=len(questions)))
    return 0


def _show(q: Question, lang: Lang) -> str:
    """Every part of a question as its bank file has it; a user's bank file may hold any character."""

    def t(key: str, **values: object) -> str:
        return pick(_TEXT, key, lang, **values)

    summary = t("summary", id=q.id, category=q.category, difficulty=q.difficulty, tracks=", ".join(q.tracks))
    lines = [summary, "", for_terminal(q.text(lang)), "", t("rubric")]
    for c in q.rubric:
        name = one_line(c.name(lang))
        lines.append(t("criterion", id=c.id, weight=c.weight, name=name, points=", ".join(c.key_points)))
        for score in (1, 3, 5):
            lines.append(f"    {score}: {one_line(c.anchors[score](lang))}")
    lines += ["", t("key_points")]
    for k in q.key_points:
        lines += [
            f"  {k.id}: {one_line(k.text(lang))}",
            t("cues", text=one_line(", ".join(k.cues(lang)))),
            t("follow_up", text=one_line(k.follow_up(lang))),
            t("deepen", text=one_line(k.deepen(lang))),
        ]
    answer = for_terminal(q.model_answer(lang).rstrip())
    lines += ["", t("model_answer"), answer]
    return "\n".join(lines)
