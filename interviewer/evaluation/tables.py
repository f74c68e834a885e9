"""Evaluation results as a terminal table and as a Markdown report."""

from __future__ import annotations

from ..untrusted import markdown_line, one_line
from .runner import EvalRun

METRICS = (
    ("items", "items"),
    ("exact", "exact agreement"),
    ("within_one", "within one"),
    ("qwk", "quadratic weighted kappa"),
    ("spearman", "Spearman"),
    ("mae", "mean absolute error"),
    ("mean_predicted", "mean predicted overall"),
    ("mean_label", "mean label"),
    ("pairs_ordered", "same-question pairs ordered"),
    ("concrete_minus_generic", "concrete minus generic"),
    ("criteria_exact", "criteria: exact"),
    ("criteria_within_one", "criteria: within one"),
    ("criteria_mae", "criteria: MAE"),
    ("follow_up_targeting", "follow-ups probing a missing point"),
    ("invalid_output_rate", "invalid output rate"),
    ("fallback_rate", "fallback rate"),
    ("latency_p50_s", "latency p50 (s)"),
    ("latency_p95_s", "latency p95 (s)"),
    ("prompt_tokens", "prompt tokens"),
    ("completion_tokens", "completion tokens"),
    ("cost_usd", "cost estimate (USD)"),
)


_TOKENS = ("prompt_tokens", "completion_tokens")


def _metric(run: EvalRun, key: str) -> str:
    value = run.metrics.get(key)
    # A token count the server never reported is unknown, not zero and not missing.
    return "unknown" if value is None and key in _TOKENS and run.items else fmt(value)


def _name(run: EvalRun) -> str:
    return f"{run.backend}{f' ({run.model})' if run.model else ''}"


def fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3f}"


def terminal_table(run: EvalRun) -> str:
    width = max(len(label) for _, label in METRICS)
    lines = [one_line(f"{_name(run)} on {run.dataset}")]
    lines += [f"  warning: {one_line(w)}" for w in run.warnings]
    lines += [f"  {label:<{width}}  {_metric(run, key)}" for key, label in METRICS]
    for title, groups in (("by language", run.by_language), ("by tag", run.by_tag)):
        lines.append(f"\n{title}:")
        for name, values in groups.items():
            lines.append(
                f"  {name:<20} n={values['items']:<4} mean {fmt(values.get('mean_predicted'))} "
                f"(label {fmt(values.get('mean_label'))})  exact {fmt(values['exact'])}  "
                f"within-one {fmt(values['within_one'])}  kappa {fmt(values.get('qwk'))}  "
                f"MAE {fmt(values['mae'])}"
            )
    return "\n".join(lines)


def markdown_report(run: EvalRun) -> str:
    lines = [
        f"# Evaluation: {markdown_line(_name(run))}",
        "",
        f"Dataset `{run.dataset}`, {run.metrics['items']} items, {run.created_at:%Y-%m-%d %H:%M} UTC.",
        "",
        *(f"> **Warning:** {markdown_line(w)}\n" for w in run.warnings),
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {label} | {_metric(run, key)} |" for key, label in METRICS]
    for title, groups in (("By language", run.by_language), ("By tag", run.by_tag)):
        lines += [
            "",
            f"## {title}",
            "",
            "| group | items | mean predicted | mean label | exact | within one | kappa | MAE |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {name} | {v['items']} | {fmt(v.get('mean_predicted'))} | {fmt(v.get('mean_label'))} | "
            f"{fmt(v['exact'])} | {fmt(v['within_one'])} | {fmt(v.get('qwk'))} | {fmt(v['mae'])} |"
            for name, v in groups.items()
        ]
    worst = sorted(run.items, key=lambda r: -abs(r.predicted.overall - r.label.overall))[:10]
    lines += [
        "",
        "## Largest disagreements",
        "",
        "| item | question | label | predicted |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.id} | {r.question_id} | {r.label.overall} | {r.predicted.overall:.2f} |" for r in worst]
    return "\n".join(lines) + "\n"


def compare_runs(a: EvalRun, b: EvalRun) -> str:
    lines = [one_line(f"A: {a.backend} ({a.model or '-'}) · B: {b.backend} ({b.model or '-'})")]
    lines += [
        f"  warning for {name}: {one_line(w)}" for name, run in (("A", a), ("B", b)) for w in run.warnings
    ]
    lines += ["", "metric deltas (B - A):"]
    for key, label in METRICS:
        va, vb = a.metrics.get(key), b.metrics.get(key)
        delta = (
            "–"
            if va is None or vb is None
            else f"{vb - va:+.3f}"
            if isinstance(vb, float)
            else f"{vb - va:+,}"
        )
        lines.append(f"  {label:<36} {fmt(va):>10} {fmt(vb):>10}  {delta}")
    before = {r.id: r for r in a.items}
    changed = []
    for r in b.items:
        old = before.get(r.id)
        if old is None:
            continue
        if round(old.predicted.overall, 2) != round(r.predicted.overall, 2) or old.follow_up != r.follow_up:
            changed.append(
                f"  {r.id:<12} label {r.label.overall}  "
                f"A {old.predicted.overall:.2f} → B {r.predicted.overall:.2f}"
                + ("  (follow-up changed)" if old.follow_up != r.follow_up else "")
            )
    lines += ["", f"items that changed: {len(changed)}", *changed]
    return "\n".join(lines)
