"""Run a grader over a labelled dataset: bounded concurrency, a cache per item, metrics and breakdowns."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from ..bank import Bank, fingerprint
from ..domain import Turn, Usage, known_sum
from ..files import CACHE_LIMIT, FileProblem, read_file
from ..llm.base import Backend, FollowUpRequest, GradeRequest
from ..store import write_atomic
from . import metrics as m
from .dataset import Item, Label

DEFAULT_CONCURRENCY = 4


class Predicted(BaseModel):
    overall: float
    criteria: dict[str, int]


class FollowUpResult(BaseModel):
    action: str
    target: str | None = None
    text: str | None = None


class ItemFeedback(BaseModel):
    """What the candidate would read, so a reviewer can judge the feedback and not only the score."""

    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class ItemResult(BaseModel):
    id: str
    question_id: str
    language: str
    tags: list[str] = Field(default_factory=list)
    label: Label
    predicted: Predicted
    follow_up: FollowUpResult
    feedback: ItemFeedback = Field(default_factory=ItemFeedback)
    latency_s: float = 0.0
    invalid: bool = Field(default=False, description="a model reply failed validation at least once")
    fallback: bool = Field(default=False, description="the offline backend stood in for a step")
    grade_fallback: bool = Field(default=False, description="the offline backend graded it: the model failed")
    follow_up_fallback: bool = Field(default=False, description="the offline backend decided its follow-up")
    faults: list[str] = Field(default_factory=list, description="what made a step fall back, by kind")
    prompt_tokens: int | None = Field(default=0, description="null: the server did not report it")
    cached_tokens: int | None = 0
    completion_tokens: int | None = 0


class EvalRun(BaseModel):
    dataset: str
    backend: str
    model: str | None
    prompt_hashes: dict[str, str]
    created_at: datetime
    metrics: dict[str, float | int | None]
    by_tag: dict[str, dict[str, float | int | None]]
    by_language: dict[str, dict[str, float | int | None]]
    warnings: list[str] = Field(
        default_factory=list, description="why these figures may not be the named model's own"
    )
    items: list[ItemResult]


def cache_key(backend: Backend, item: Item, bank: Bank) -> str:
    ident = {
        "provider": backend.provider,
        "model": backend.model,
        "prompts": backend.prompt_hashes,
        "item": item.model_dump(mode="json"),
        # A bank edit (a new misconception, a changed cue) changes the grade as much as a prompt edit.
        "question": fingerprint([item.resolve(bank)]),
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]


async def evaluate(
    items: list[Item],
    bank: Bank,
    backend: Backend,
    concurrency: int = DEFAULT_CONCURRENCY,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ItemResult]:
    """Grade every item and decide its follow-up; cached results are reused, so a re-run resumes."""
    gate = asyncio.Semaphore(max(1, concurrency))
    done = 0

    async def one(item: Item) -> ItemResult:
        nonlocal done
        path = cache_dir / f"{cache_key(backend, item, bank)}.json" if cache_dir else None
        result = _cached(path)
        if result is None:
            async with gate:
                result = await _run(item, bank, backend)
            # A step the offline backend took is a passing fault, not the model's answer: never cached.
            if path is not None and not result.fallback:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    write_atomic(path, result.model_dump_json().encode())
                except OSError:
                    pass  # the cache only saves repeated calls
        done += 1
        if progress:
            progress(done, len(items))
        return result

    return list(await asyncio.gather(*(one(i) for i in items)))


def _cached(path: Path | None) -> ItemResult | None:
    if path is None:
        return None
    try:
        return ItemResult.model_validate_json(read_file(path, CACHE_LIMIT))
    except (FileProblem, ValidationError):
        return None  # not cached yet, or not usable: run the item


async def _run(item: Item, bank: Bank, backend: Backend) -> ItemResult:
    q = item.resolve(bank)
    now = datetime.now(UTC)
    turns = [
        Turn(role="interviewer", kind="question", text=q.text(item.language), at=now),
        Turn(role="candidate", kind="answer", text=item.answer, at=now, no_answer=not item.answer.strip()),
    ]
    started = time.monotonic()
    graded = await backend.grade(GradeRequest(question=q, turns=turns, lang=item.language))
    decided = await backend.follow_up(
        FollowUpRequest(question=q, turns=turns, lang=item.language, remaining=1)
    )
    calls = graded.calls + decided.calls
    usage = Usage.of(calls)
    fb, fu = graded.value, decided.value
    return ItemResult(
        id=item.id,
        question_id=q.id,
        language=item.language,
        tags=item.tags,
        label=item.label,
        predicted=Predicted(overall=fb.overall, criteria={c.criterion_id: c.score for c in fb.criteria}),
        follow_up=FollowUpResult(action=fu.action, target=fu.target, text=fu.text),
        feedback=ItemFeedback(strengths=fb.strengths, gaps=fb.gaps, notes=fb.notes),
        latency_s=round(time.monotonic() - started, 4),
        invalid=any(c.faults for c in calls),
        fallback=any(c.fallback for c in calls),
        grade_fallback=any(c.fallback for c in graded.calls),
        follow_up_fallback=any(c.fallback for c in decided.calls),
        faults=list(dict.fromkeys(c.faults[-1].split(":")[0] for c in calls if c.fallback and c.faults)),
        prompt_tokens=usage.prompt_tokens,
        cached_tokens=usage.cached_tokens,
        completion_tokens=usage.completion_tokens,
    )


def compute(results: list[ItemResult]) -> dict[str, float | int | None]:
    gold = [r.label.overall for r in results]
    pred_f = [r.predicted.overall for r in results]
    pred = [min(5, max(1, int(p + 0.5))) for p in pred_f]
    crit_gold: list[int] = []
    crit_pred: list[int] = []
    for r in results:
        for cid, score in r.label.criteria.items():
            if cid in r.predicted.criteria:
                crit_gold.append(score)
                crit_pred.append(r.predicted.criteria[cid])
    targeted = [r for r in results if r.label.missing_key_points and r.follow_up.action == "ask"]
    hits = sum(1 for r in targeted if r.follow_up.target in r.label.missing_key_points)
    latencies = [r.latency_s for r in results]
    out: dict[str, float | int | None] = {
        "items": len(results),
        "exact": m.exact(pred, gold),
        "within_one": m.within_one(pred, gold),
        "qwk": m.quadratic_kappa(pred, gold),
        "spearman": m.spearman(pred_f, [float(g) for g in gold]),
        "mae": m.mae(pred_f, [float(g) for g in gold]),
        "criteria_exact": m.exact(crit_pred, crit_gold) if crit_gold else None,
        "criteria_within_one": m.within_one(crit_pred, crit_gold) if crit_gold else None,
        "criteria_mae": m.mae([float(p) for p in crit_pred], [float(g) for g in crit_gold])
        if crit_gold
        else None,
        "mean_predicted": sum(pred_f) / len(pred_f) if pred_f else None,
        "mean_label": sum(gold) / len(gold) if gold else None,
        "pairs_ordered": pairs_ordered(results),
        "concrete_minus_generic": concrete_minus_generic(results),
        "follow_up_targeting": hits / len(targeted) if targeted else None,
        "invalid_output_rate": sum(r.invalid for r in results) / len(results) if results else None,
        "fallback_rate": sum(r.fallback for r in results) / len(results) if results else None,
        "latency_p50_s": m.percentile(latencies, 0.5),
        "latency_p95_s": m.percentile(latencies, 0.95),
        "prompt_tokens": known_sum([r.prompt_tokens for r in results]),
        "completion_tokens": known_sum([r.completion_tokens for r in results]),
    }
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in out.items()}  # NaN -> None


def pairs_ordered(results: list[ItemResult]) -> float | None:
    """Of the pairs of answers to one question with different labels, the share the grader puts in the
    same order (a tie is not an order): the figure that matters to someone comparing two attempts."""
    by_question: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        by_question[r.question_id].append(r)
    right = total = 0
    for group in by_question.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.label.overall == b.label.overall:
                    continue
                total += 1
                label_order = a.label.overall > b.label.overall
                right += a.predicted.overall != b.predicted.overall and (
                    (a.predicted.overall > b.predicted.overall) == label_order
                )
    return right / total if total else None


def concrete_minus_generic(results: list[ItemResult]) -> float | None:
    """Mean predicted gap between a concrete and a generic answer to the same question."""
    by_question: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        for tag in ("concrete", "generic"):
            if tag in r.tags:
                by_question[r.question_id][tag].append(r.predicted.overall)
    gaps = [
        sum(g["concrete"]) / len(g["concrete"]) - sum(g["generic"]) / len(g["generic"])
        for g in by_question.values()
        if g["concrete"] and g["generic"]
    ]
    return sum(gaps) / len(gaps) if gaps else None


def breakdown(
    results: list[ItemResult], key: Callable[[ItemResult], list[str]]
) -> dict[str, dict[str, float | int | None]]:
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        for k in key(r):
            groups[k].append(r)
    wanted = ("items", "mean_predicted", "mean_label", "exact", "within_one", "qwk", "mae")
    return {k: {name: compute(v)[name] for name in wanted} for k, v in sorted(groups.items())}


def build_run(dataset: Path, backend: Backend, results: list[ItemResult]) -> EvalRun:
    return assemble(str(dataset), backend.provider, backend.model, backend.prompt_hashes, results)


def assemble(
    dataset: str, backend: str, model: str | None, prompt_hashes: dict[str, str], results: list[ItemResult]
) -> EvalRun:
    return EvalRun(
        dataset=dataset,
        backend=backend,
        model=model,
        prompt_hashes=prompt_hashes,
        created_at=datetime.now(UTC),
        metrics=compute(results),
        warnings=fallback_warnings(model or backend, results),
        by_tag=breakdown(results, lambda r: r.tags or ["untagged"]),
        by_language=breakdown(results, lambda r: [r.language]),
        items=sorted(results, key=lambda r: r.id),
    )


def fallback_warnings(name: str, results: list[ItemResult]) -> list[str]:
    """What the offline backend did in a model's place: its grades must not pass for the model's."""
    total = len(results)
    graded = [r for r in results if r.grade_fallback]
    decided = [r for r in results if r.follow_up_fallback]
    why = Counter(f for r in results if r.fallback for f in r.faults)
    because = f" ({', '.join(k for k, _ in why.most_common(3))})" if why else ""
    out = []
    if graded and len(graded) == total:
        out.append(
            f"every grade fell back to the offline grader{because}: "
            f"these figures are the offline grader's, not {name}'s"
        )
    elif graded and len(graded) * 2 >= total:
        out.append(
            f"{len(graded)} of {total} grades fell back to the offline grader{because}: "
            f"these figures are mostly the offline grader's, not {name}'s"
        )
    elif graded:
        out.append(f"{len(graded)} of {total} grades fell back to the offline grader{because}")
    if decided:
        out.append(f"{len(decided)} of {total} follow-ups were decided by the offline backend{because}")
    return out
