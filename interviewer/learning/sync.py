"""From transcripts to the review database: the ones not read yet, or all of them.

Each graded answer's key point outcomes were recorded in its transcript when it was graded. Transcripts
written before that have none: their outcomes are judged again here by the same judge.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..domain import Lang, PointOutcome, QuestionRecord, Transcript
from ..grading.encoder import Encoder, shared
from ..store import Store, StoreError, load_transcript
from .cards import CardStore, PointEvent, ScoreEvent
from .outcomes import judge_points

Judge = Callable[[QuestionRecord, Lang], list[PointOutcome]]


def default_judge(encoder: Encoder | None = None) -> Judge:
    def judge(record: QuestionRecord, lang: Lang) -> list[PointOutcome]:
        return judge_points(record, lang, encoder if encoder is not None else shared())

    return judge


def events_of(
    transcript: Transcript, judge: Judge | None = None
) -> tuple[list[PointEvent], list[ScoreEvent]]:
    lang = transcript.plan.lang
    review = transcript.plan.review
    points: list[PointEvent] = []
    scores: list[ScoreEvent] = []
    for index, rec in enumerate(transcript.records):
        if rec.feedback is None or not rec.turns:
            continue
        at = rec.turns[-1].at
        outcomes = rec.points or (judge(rec, lang) if judge is not None else [])
        if not outcomes:
            continue
        question = rec.question
        if review and rec.review_of is not None:
            # A drill's question is a cut-down copy named after the card; its outcomes belong to the
            # bank question's key point.
            question = question.model_copy(update={"id": rec.review_of})
        known = question.key_point_ids
        points += [
            PointEvent(transcript.session_id, index, question, lang, at, o, review)
            for o in outcomes
            if o.key_point_id in known
        ]
        if not review:
            scores.append(
                ScoreEvent(
                    transcript.session_id, index, question.id, question.category, at, rec.feedback.overall
                )
            )
    return points, scores


@dataclass
class SyncResult:
    folded: int = 0  # transcripts read
    outcomes: int = 0  # key point outcomes in them
    problems: list[str] = field(default_factory=list)  # one line per transcript that could not be read

    def read(self, path: Path) -> Transcript | None:
        try:
            return load_transcript(path)
        except StoreError as exc:
            self.problems.append(str(exc))
            return None


def catch_up(cards: CardStore, store: Store, judge: Judge | None = None) -> SyncResult:
    """Fold in every transcript that changed since it was last read (a session that just ended, one in
    another process, or one killed mid-way). Unchanged files are skipped by their size and time alone."""
    seen = cards.folded_stamps()
    judge = judge or default_judge()
    result = SyncResult()
    for path in _transcripts(store):
        stamp = _stamp(path)
        if not stamp or seen.get(path.stem) == stamp:
            continue
        transcript = result.read(path)
        if transcript is not None:
            points, scores = events_of(transcript, judge)
            result.outcomes += cards.fold(transcript.session_id, stamp, points, scores)
            result.folded += 1
    return result


def rebuild(cards: CardStore, store: Store, judge: Judge | None = None) -> SyncResult:
    """Forget the database's state and fold every transcript in again, one at a time (a card is replayed
    from its outcomes in time order, so the order they are read in does not matter)."""
    judge = judge or default_judge()
    result = SyncResult()

    def folds() -> Iterator[tuple[str, str, list[PointEvent], list[ScoreEvent]]]:
        for path in _transcripts(store):
            stamp = _stamp(path)
            transcript = result.read(path)
            if transcript is not None:
                result.folded += 1
                yield (transcript.session_id, stamp, *events_of(transcript, judge))

    result.outcomes = cards.replace_all(folds())
    return result


def _transcripts(store: Store) -> list[Path]:
    return [store.path_for(i) for i in store.session_ids()]


def _stamp(path: Path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"
