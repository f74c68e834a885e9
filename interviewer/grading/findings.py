"""The one shape every signal reports in; signals never score, combine.py alone does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# supports: the sentence states the key point; contradicts: it asserts a wrong claim about it;
# specific: it gives concrete evidence (a number, a before/after, ...) the key point asks for.
FindingKind = Literal["supports", "contradicts", "specific"]
Depth = Literal["explained", "mentioned"]


@dataclass(frozen=True)
class Finding:
    key_point: str
    kind: FindingKind
    sentence: int  # index into AnswerContext.sentences
    signal: str  # which signal found it: "term", "meaning", "wrong-claim", "specifics"
    depth: Depth = "explained"
    strength: float = 1.0  # rounded similarity for meaning signals; 1 for exact matches
    detail: str = ""  # the misconception id, or the kind of specific evidence
