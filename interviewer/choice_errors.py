"""A rejected choice said in the user's language: the field by its on-screen label and what it accepts.

Pydantic's own messages ("Input should be greater than or equal to 1") are English and name the field by
its attribute; a setup form shows this one line instead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError

from .domain import Lang
from .phrases import Phrases, pick
from .untrusted import one_line

_TEXT: Phrases = {
    "between": (
        "{label}: {lo}부터 {hi}까지의 수를 입력하세요.",
        "{label}: enter a number from {lo} to {hi}.",
    ),
    "at_least": ("{label}: {lo} 이상의 수를 입력하세요.", "{label}: enter a number of at least {lo}."),
    "at_most": ("{label}: {hi} 이하의 수를 입력하세요.", "{label}: enter a number of at most {hi}."),
    "number": ("{label}: 정수를 입력하세요.", "{label}: enter a whole number."),
    "one_of": ("{label}: 다음 중 하나를 고르세요: {expected}", "{label}: choose one of {expected}"),
    "too_long": ("{label}: {n}자 이하로 입력하세요.", "{label}: at most {n} characters."),
    "too_many": ("{label}: {n}개 이하로 고르세요.", "{label}: choose at most {n}."),
    "invalid": ("{label}: 올바른 값이 아닙니다.", "{label}: not a valid value."),
    "order": ("{label}: 최고가 최저보다 낮습니다.", "{label}: the highest is below the lowest."),
}

# Pydantic's error types that are about a number: the allowed range says what to type instead.
_NUMERIC = {"greater_than_equal", "greater_than", "less_than_equal", "less_than", "int_parsing", "int_type"}


def describe(exc: ValidationError, model: type[BaseModel], lang: Lang, labels: Mapping[str, str]) -> str:
    """One line for the first problem in `exc` (raised validating `model`), naming the field by
    `labels[field]` (its attribute name when it has no label) and saying what the field accepts."""
    error = exc.errors(include_url=False)[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    label = one_line(labels.get(field, field))
    kind = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind in _NUMERIC:
        lo, hi = _bounds(model, field)
        if lo is not None and hi is not None:
            return pick(_TEXT, "between", lang, label=label, lo=lo, hi=hi)
        if lo is not None:
            return pick(_TEXT, "at_least", lang, label=label, lo=lo)
        if hi is not None:
            return pick(_TEXT, "at_most", lang, label=label, hi=hi)
        return pick(_TEXT, "number", lang, label=label)
    if kind in ("literal_error", "enum"):
        return pick(_TEXT, "one_of", lang, label=label, expected=_choices(model, field, ctx))
    if kind == "string_too_long":
        return pick(_TEXT, "too_long", lang, label=label, n=ctx.get("max_length"))
    if kind == "too_long":
        return pick(_TEXT, "too_many", lang, label=label, n=ctx.get("max_length"))
    if kind == "range_order":
        return pick(_TEXT, "order", lang, label=label)
    return pick(_TEXT, "invalid", lang, label=label)


def _choices(model: type[BaseModel], field: str, ctx: dict[str, Any]) -> str:
    """The values a Literal field takes, listed without pydantic's English "or"."""
    info = model.model_fields.get(field)
    if info is not None and get_origin(info.annotation) is Literal:
        return ", ".join(str(v) for v in get_args(info.annotation))
    return one_line(str(ctx.get("expected", "")))


def _bounds(model: type[BaseModel], field: str) -> tuple[int | None, int | None]:
    """The smallest and largest whole number `model.field` accepts, from its Field(ge=..., le=...)."""
    info = model.model_fields.get(field)
    lo: int | None = None
    hi: int | None = None
    for rule in info.metadata if info is not None else []:
        if isinstance(rule, annotated_types.Ge):
            lo = int(rule.ge)  # type: ignore[call-overload]
        elif isinstance(rule, annotated_types.Gt):
            lo = int(rule.gt) + 1  # type: ignore[call-overload]
        elif isinstance(rule, annotated_types.Le):
            hi = int(rule.le)  # type: ignore[call-overload]
        elif isinstance(rule, annotated_types.Lt):
            hi = int(rule.lt) - 1  # type: ignore[call-overload]
    return lo, hi
