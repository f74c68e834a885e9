"""Labelled datasets: answers with human scores, to measure how well a grader agrees with people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..bank import Bank, describe_errors, name_of
from ..domain import Lang, Question, Score
from ..files import DATASET_LIMIT, FileProblem, load_yaml, read_file, read_text, shown


class DatasetError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overall: Score
    criteria: dict[str, Score] = Field(default_factory=dict)
    missing_key_points: list[str] = Field(default_factory=list)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question_id: str | None = None
    question: Question | None = None
    language: Lang
    answer: str
    label: Label
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_question(self) -> Self:
        if (self.question_id is None) == (self.question is None):
            raise ValueError(
                "question_id: give either question_id (a bank id) or an inline question, not both"
            )
        return self

    def resolve(self, bank: Bank) -> Question:
        if self.question is not None:
            return self.question
        assert self.question_id is not None
        return bank.get(self.question_id)


def load_dataset(path: Path, bank: Bank) -> list[Item]:
    """Read JSONL or YAML; every problem is one line naming the file, the item and the field."""
    raw: list[Any]
    problems: list[str] = []
    try:
        if path.suffix == ".jsonl":
            raw = []
            for n, line in enumerate(read_text(path, DATASET_LIMIT).splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    raw.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    problems.append(f"{shown(path)}: line {n}: not valid JSON: {exc.msg}")
                except RecursionError:
                    problems.append(f"{shown(path)}: line {n}: not valid JSON: nested too deeply")
        else:
            loaded = load_yaml(path, read_file(path, DATASET_LIMIT))
            if not isinstance(loaded, list):
                raise DatasetError([f"{shown(path)}: the dataset must be a list of items"])
            raw = loaded
    except FileProblem as exc:
        raise DatasetError([str(exc)]) from None
    items: list[Item] = []
    seen: set[str] = set()
    for n, data in enumerate(raw, 1):
        name = name_of(data, f"item {n}")
        if not isinstance(data, dict):
            problems.append(f"{path}: {name}: must be a mapping")
            continue
        try:
            item = Item.model_validate(data)
        except ValidationError as exc:
            problems += [f"{path}: {name}: {line}" for line in describe_errors(exc, data)]
            continue
        problems += [f"{path}: {name}: {p}" for p in _check(item, bank)]
        if item.id in seen:
            problems.append(f"{path}: {name}: id: duplicate")
        seen.add(item.id)
        items.append(item)
    if problems:
        raise DatasetError(problems)
    if not items:
        raise DatasetError([f"{path}: the dataset holds no items"])
    return items


def _check(item: Item, bank: Bank) -> list[str]:
    if item.question_id is not None and item.question_id not in bank.questions:
        return [f"question_id: {item.question_id!r} is not in the bank"]
    q = item.resolve(bank)
    problems = []
    rubric = {c.id for c in q.rubric}
    unknown = sorted(set(item.label.criteria) - rubric)
    if unknown:
        problems.append(f"label.criteria: {unknown} are not criteria of {q.id}")
    points = {k.id for k in q.key_points}
    stray = sorted(set(item.label.missing_key_points) - points)
    if stray:
        problems.append(f"label.missing_key_points: {stray} are not key points of {q.id}")
    return problems
