"""Run the signals over an answer and judge it: the offline grader's entry point."""

from __future__ import annotations

from ..domain import Lang, Question
from ..matching import Sentence
from .combine import Assessment, judge
from .context import AnswerContext
from .encoder import Encoder, EncoderUnavailable
from .findings import Finding
from .signals import Signal
from .signals.lexical import CueSignal
from .signals.meaning import MeaningSignal
from .signals.misconception import WrongClaimSignal
from .signals.specifics import SpecificsSignal, is_concrete


def signals_for(encoder: Encoder | None) -> tuple[Signal, ...]:
    lexical: tuple[Signal, ...] = (CueSignal(), WrongClaimSignal(), SpecificsSignal())
    return lexical if encoder is None else (*lexical, MeaningSignal(encoder))


def versions(encoder: Encoder | None) -> dict[str, str]:
    """Recorded beside the prompt hashes, so a regrade knows which signals produced a grade."""
    out = {f"signal:{s.name}": s.version for s in signals_for(encoder)}
    if encoder is not None:
        out["encoder"] = encoder.version
    return out


def assess(question: Question, sentences: list[Sentence], lang: Lang, encoder: Encoder | None) -> Assessment:
    ctx = AnswerContext.of(question, lang, sentences)
    findings: list[Finding] = []
    skipped: list[str] = []
    for signal in signals_for(encoder):
        try:
            findings += signal.observe(ctx)
        except EncoderUnavailable:
            skipped.append(signal.name)
    asks_specifics = any(kp.specifics for kp in question.key_points)
    return judge(ctx, findings, not asks_specifics or is_concrete(ctx), tuple(skipped))


def wrong_claims(question: Question, sentences: list[Sentence], lang: Lang) -> dict[str, list[str]]:
    """Criterion id -> the answer's sentences that assert a misconception of one of its key points, by
    exact cues (no encoder: a model's grade is checked against these without loading it)."""
    ctx = AnswerContext.of(question, lang, sentences)
    found: dict[str, list[str]] = {}
    for f in WrongClaimSignal().observe(ctx):
        for c in question.rubric:
            if f.key_point in c.key_points:
                found.setdefault(c.id, []).append(ctx.sentences[f.sentence].text)
    return found
