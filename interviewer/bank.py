"""Load and validate question-bank files; select questions for an interview plan."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from . import __version__
from .domain import Plan, Question
from .files import BANK_LIMIT, CACHE_LIMIT, FileProblem, load_yaml, read_file
from .resources import builtin_bank_dir
from .store import write_atomic

BANK_SUFFIXES = (".yaml", ".yml")
_NAMED_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]-]*): (.+)$")


class BankError(Exception):
    """One or more problems in bank files; each line names the file, the question id and the field."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Bank:
    questions: dict[str, Question]
    sources: dict[str, Path] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise KeyError(f"no question with id {question_id!r} in the bank") from None

    def filter(
        self,
        track: str | None = None,
        categories: Iterable[str] = (),
        min_difficulty: int = 1,
        max_difficulty: int = 5,
    ) -> list[Question]:
        cats = set(categories)
        return [
            q
            for q in self.questions.values()
            if (track is None or track in q.tracks)
            and (not cats or q.category in cats)
            and min_difficulty <= q.difficulty <= max_difficulty
        ]

    def categories(self) -> list[str]:
        return sorted({q.category for q in self.questions.values()})

    def select(self, plan: Plan) -> list[Question]:
        """The plan's questions: the ones it names, or a pick by seeded shuffle, interleaving categories so
        topics vary. KeyError for a named question the bank does not have."""
        if plan.question_ids:
            return [self.get(question_id) for question_id in plan.question_ids]
        pool = self.filter(plan.track, plan.categories, plan.min_difficulty, plan.max_difficulty)
        rng = random.Random(plan.seed)
        pool.sort(key=lambda q: q.id)
        rng.shuffle(pool)
        by_cat: dict[str, list[Question]] = {}
        for q in pool:
            by_cat.setdefault(q.category, []).append(q)
        order = list(by_cat)
        picked: list[Question] = []
        while len(picked) < plan.questions and any(by_cat.values()):
            for cat in order:
                if by_cat[cat] and len(picked) < plan.questions:
                    picked.append(by_cat[cat].pop(0))
        return picked


def fingerprint(questions: Iterable[Question]) -> str:
    """A short content hash, recorded in transcripts so a regrade knows which bank it saw."""
    digest = hashlib.sha256()
    for q in sorted(questions, key=lambda q: q.id):
        digest.update(json.dumps(q.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def bank_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in BANK_SUFFIXES and p.is_file())
    return [path]


def load_bank(
    extra: Sequence[Path] = (), include_builtin: bool = True, cache_dir: Path | None = None
) -> Bank:
    """Load the shipped bank plus any extra files or folders; raise BankError listing every problem.

    Valid files are also kept as JSON in `cache_dir`, keyed by the files' paths, sizes and times: parsing
    that is several times faster than parsing YAML, so later starts are quick. The shipped files and the
    user's are kept apart, so editing one's own bank file parses only that file again.
    """
    roots = ([builtin_bank_dir()] if include_builtin else []) + [Path(p) for p in extra]
    problems: list[str] = []
    files: list[Path] = []
    for root in roots:
        if not root.exists():
            problems.append(f"{root}: no such file or folder")
            continue
        found = bank_files(root)
        if root.is_dir() and not found:
            problems.append(f"{root}: no .yaml files in this folder")
        files += found
    if problems:
        raise BankError(problems)
    # A file named twice (a shipped bank file passed to `bank validate`, a folder and a file in it) is one
    # file: read it once rather than report every question in it as a duplicate of itself.
    files = list({f.resolve(): f for f in files}.values())
    shipped = {f.resolve() for f in bank_files(builtin_bank_dir())} if include_builtin else set()
    questions: dict[str, Question] = {}
    sources: dict[str, Path] = {}
    for group in _GROUPS:
        part = _load_group(
            group, [f for f in files if (f.resolve() in shipped) == (group == "shipped")], cache_dir, problems
        )
        for qid, q in part.questions.items():
            where = part.sources[qid]
            if qid in questions:
                problems.append(f"{where}: {qid}: id: duplicate; already defined in {sources[qid]}")
                continue
            questions[qid] = q
            sources[qid] = where
    if problems:
        raise BankError(problems)
    return Bank(questions, sources)


_GROUPS = ("shipped", "own")


def _load_group(group: str, files: list[Path], cache_dir: Path | None, problems: list[str]) -> Bank:
    """The questions of some files: from the cache while the files are unchanged, else parsed (and
    cached if they hold no problem)."""
    if not files:
        return Bank({})
    digest = _cache_key(files)
    key = f"{group}-{digest}" if digest else None
    cached = _read_cache(cache_dir, key)
    if cached is not None:
        return cached
    found = len(problems)
    questions: dict[str, Question] = {}
    sources: dict[str, Path] = {}
    for path in files:
        for q in _load_file(path, problems):
            if q.id in questions:
                problems.append(f"{path}: {q.id}: id: duplicate; already defined in {sources[q.id]}")
                continue
            questions[q.id] = q
            sources[q.id] = path
    bank = Bank(questions, sources)
    if len(problems) == found:
        _write_cache(cache_dir, group, key, bank)
    return bank


class _Cached(BaseModel):
    source: Path
    question: Question


_CACHE = TypeAdapter(list[_Cached])


def _cache_key(files: list[Path]) -> str | None:
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            return None  # unreadable: parse normally and report it
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _read_cache(cache_dir: Path | None, key: str | None) -> Bank | None:
    if cache_dir is None or key is None:
        return None
    try:
        entries = _CACHE.validate_json(read_file(cache_dir / f"bank-{key}.json", CACHE_LIMIT))
    except (FileProblem, ValidationError):
        return None
    return Bank({e.question.id: e.question for e in entries}, {e.question.id: e.source for e in entries})


def _write_cache(cache_dir: Path | None, group: str, key: str | None, bank: Bank) -> None:
    if cache_dir is None or key is None:
        return
    entries = [_Cached(source=bank.sources[qid], question=q) for qid, q in bank.questions.items()]
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        others = tuple(f"bank-{g}-" for g in _GROUPS if g != group)
        for old in cache_dir.glob("bank-*.json"):  # this group's older entries, and any from older versions
            if not old.name.startswith(others):
                old.unlink(missing_ok=True)
        write_atomic(cache_dir / f"bank-{key}.json", _CACHE.dump_json(entries))
    except OSError:
        pass  # a cache that cannot be written only costs speed


def _load_file(path: Path, problems: list[str]) -> list[Question]:
    try:
        data = load_yaml(path, read_file(path, BANK_LIMIT))
    except FileProblem as exc:
        problems.append(str(exc))
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(f"{path}: the file must be a list of questions, found a {type(data).__name__}")
        return []
    out: list[Question] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(f"{path}: item {index + 1}: must be a mapping of question fields")
            continue
        qid = name_of(item, f"item {index + 1}")
        try:
            out.append(Question.model_validate(item))
        except ValidationError as exc:
            problems.extend(f"{path}: {qid}: {line}" for line in describe_errors(exc, item))
    return out


def describe_errors(exc: ValidationError, data: Any) -> list[str]:
    """One line per error: a readable field path (list items named by their id) and the reason."""
    lines = []
    for err in exc.errors(include_url=False):
        path = _field_path(err["loc"], data)
        reason = _reason(err)
        named = _NAMED_FIELD.match(reason)
        if named:  # a cross-field check that names its own field, relative to where it ran
            field, reason = named.groups()
            path = f"{path}{'' if field.startswith('[') or not path else '.'}{field}"
        lines.append(f"{path or '(question)'}: {reason}")
    return lines


def _field_path(loc: tuple[int | str, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for part in loc:
        if part == "[key]":
            parts.append("(key)")
            continue
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            label = name_of(item, str(part))
            if parts:
                parts[-1] += f"[{label}]"
            else:
                parts.append(f"[{label}]")
            node = item
            continue
        key = str(part)
        parts.append(key if len(key) <= 60 and key.isprintable() else _clip(key))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def _reason(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing required field"
    if kind == "string_pattern_mismatch":
        given = _clip(err["input"])
        if "/" in str(err.get("ctx", {}).get("pattern", "")):
            return f"{given} must look like <category>/<slug>, in lower-case letters, digits and '-'"
        return f"{given} must be lower-case letters, digits and '-'"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def name_of(item: object, fallback: str) -> str:
    """An item's id as problem lines name it, or `fallback` when the id is missing, long or unprintable."""
    given = item.get("id") if isinstance(item, dict) else None
    return given if isinstance(given, str) and 0 < len(given) <= 80 and given.isprintable() else fallback


def _clip(value: object, limit: int = 60) -> str:
    """A value as quoted in a problem line: one line, however long or odd the input was."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
