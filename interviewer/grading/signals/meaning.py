"""Meaning: an answer sentence close to a key point's text (in either language) supports that point.

Similarity hears paraphrases but not truth: "arrays are not contiguous" is as close to the key point as
the true claim. So a sentence whose polarity differs from the key point's text earns nothing here unless
one of its clauses affirms the point on its own; it is not called wrong either, since a correct sentence
often denies something else on the way ("we cannot rely on batch statistics, so ..."). Wrong claims are
the misconception signal's job.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ...matching import names_a_list, normalize
from ..context import AnswerContext
from ..encoder import Encoder, similarity
from ..findings import Depth, Finding
from ..polarity import contrastive, negated
from ..reference import reference_points

# Calibrated on the labelled set and the bank's model answers (see README, "How grading works").
CLOSE = 0.5
NEAR_BEST = 0.05
MIN_TOKENS = 4
_HANGUL = re.compile("[\uac00-\ud7a3]")


class MeaningSignal:
    name = "meaning"
    version = f"2:{CLOSE}/{NEAR_BEST}"  # recorded in transcripts and eval caches

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder

    def observe(self, ctx: AnswerContext) -> list[Finding]:
        q = ctx.question
        # Only connected prose can state a point: a list of terms is judged by the cues alone.
        picked = [
            i
            for i in ctx.counting()
            if ctx.sentences[i].explanatory and len(ctx.sentences[i].tokens) >= MIN_TOKENS
        ]
        if not picked:
            return []
        targets = tuple(t for kp in q.key_points for t in (kp.text.ko, kp.text.en))
        elsewhere = _elsewhere(q.id, self.encoder.cache_dir, targets)
        own = (*targets, q.text.ko, q.text.en)
        if from_profile(q.id):
            # Written from a candidate's profile: encoded for this grade only, never kept in the disk cache.
            import numpy as np

            found = [self.encoder.encode(own), *([self.encoder.matrix(elsewhere)] if elsewhere else [])]
            anchors = np.concatenate(found)
        else:
            anchors = self.encoder.matrix((*own, *elsewhere))
        n_own = len(targets) + 2
        texts = [ctx.sentences[i].text for i in picked]
        # A sentence that denies something may still assert the point in another clause: "we cannot rely on
        # batch statistics, so it uses running averages". Its clauses are scored too.
        clauses = {row: _affirmed_clauses(text) for row, text in enumerate(texts) if negated(normalize(text))}
        extra = [c for row in sorted(clauses) for c in clauses[row]]
        sims = similarity(self.encoder.encode([*texts, *extra]), anchors)
        clause_rows: dict[int, list[int]] = {}
        next_row = len(texts)
        for row in sorted(clauses):
            clause_rows[row] = list(range(next_row, next_row + len(clauses[row])))
            next_row += len(clauses[row])
        out = []
        for row, si in enumerate(picked):
            norm = normalize(texts[row])
            to_question = float(sims[row, n_own - 2 : n_own].max())
            to_elsewhere = float(sims[row, n_own:].max()) if elsewhere else -1.0
            scores = [float(sims[row, 2 * k : 2 * k + 2].max()) for k in range(len(q.key_points))]
            best = max(scores)
            for k, kp in enumerate(q.key_points):
                score = scores[k]
                # A restatement of the question is closer to it than to any point: it explains nothing.
                # Points of one question are related; a sentence states the one it is closest to.
                if score < CLOSE or score <= to_question or score < best - NEAR_BEST:
                    continue
                # Another question's point fits the sentence better: it is an answer to that question.
                if score < to_elsewhere - NEAR_BEST:
                    continue
                same_language = kp.text.ko if _HANGUL.search(norm) else kp.text.en
                if negated(norm) != negated(normalize(same_language)) and not contrastive(norm):
                    affirmed = max(
                        (float(sims[r, 2 * k : 2 * k + 2].max()) for r in clause_rows.get(row, [])), default=0
                    )
                    if affirmed < CLOSE or affirmed <= to_question:
                        continue
                    score = affirmed
                # A sentence that names several things in a row is about all of them and explains none.
                depth: Depth = "mentioned" if names_a_list(norm) else "explained"
                out.append(Finding(kp.id, "supports", si, self.name, depth, strength=score))
        return out


@lru_cache(maxsize=256)
def _elsewhere(question_id: str, cache_dir: Path | None, own: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The bank's other points; a question made from a profile shares its template's points, which are its
    own, not elsewhere."""
    texts, owners = reference_points(cache_dir)
    mine = set(own)
    return tuple(t for t, owner in zip(texts, owners, strict=True) if owner != question_id and t not in mine)


_CLAUSE = re.compile(
    r"(?<=[,;:])\s+|\s+(?:so|because|since|therefore|and\s+so|which\s+is\s+why)\s+|(?<=서)\s+|(?<=니까)\s+|(?<=므로)\s+"
)


def _affirmed_clauses(text: str) -> list[str]:
    parts = [p for p in _CLAUSE.split(text) if p and p.strip()]
    return [p for p in parts if len(parts) > 1 and len(p.split()) >= 3 and not negated(normalize(p))]


def from_profile(question_id: str) -> bool:
    """A question made from a candidate's profile (`project/profile-1`, `behavioral/profile-story`): its
    words quote the profile."""
    return question_id.partition("/")[2].startswith("profile-")
