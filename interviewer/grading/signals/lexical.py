"""Exact terms: the bank's cues, found sentence by sentence (rules in question_bank/README.md)."""

from __future__ import annotations

from ...matching import WORDS_BEYOND_CUE
from ..context import AnswerContext
from ..findings import Depth, Finding


class CueSignal:
    name = "term"
    version = "1"  # bump with any rule change: recorded in transcripts and eval caches

    def observe(self, ctx: AnswerContext) -> list[Finding]:
        out = []
        for kp in ctx.question.key_points:
            matched = ctx.index.hits(*kp.cues.ko, *kp.cues.en)
            for si in sorted(matched):
                s = ctx.sentences[si]
                if not s.counts:
                    continue
                explained = s.explanatory and len(s.tokens) - matched[si] >= WORDS_BEYOND_CUE
                depth: Depth = "explained" if explained else "mentioned"
                out.append(Finding(kp.id, "supports", si, self.name, depth))
        return out
