"""Wrong claims: a sentence that asserts one of a key point's misconceptions, found by the claim's cues.

Only cues decide: a sentence encoder scores "precision is the share of flagged cases that are fraud"
and the same sentence with precision and recall swapped as near-identical, and telling a candidate they
said something wrong when they did not is the worst mistake feedback can make.
"""

from __future__ import annotations

from ..context import AnswerContext
from ..findings import Finding


class WrongClaimSignal:
    name = "wrong-claim"
    version = "1"  # bump with any rule change: recorded in transcripts and eval caches

    def observe(self, ctx: AnswerContext) -> list[Finding]:
        out: list[Finding] = []
        counting = set(ctx.counting())
        for kp in ctx.question.key_points:
            for m in kp.misconceptions:
                for si in sorted(ctx.index.hits(*m.cues.ko, *m.cues.en)):
                    if si in counting:
                        out.append(Finding(kp.id, "contradicts", si, self.name, detail=m.id))
        return out
