"""Concrete evidence in project and behavioral answers, whatever the stack: numbers with units, a
before and after, a comparison against a baseline, the candidate's own role, a trade-off weighed.

These do not depend on one example story, so a concrete answer about search ranking is judged like one
about model serving, and "we used the latest models and improved performance a lot" shows none of them.
"""

from __future__ import annotations

import re

from ...domain import SpecificKind
from ...matching import normalize
from ..context import AnswerContext
from ..findings import Finding

_UNIT = (
    r"%|%p|percent|per\s*cent|pp\b|percentage\s+points?|ms\b|milliseconds?|seconds?|secs?\b|s\b|minutes?|mins?\b"
    r"|hours?|hrs?\b|h\b|days?|weeks?|months?|years?|x\b|times\b|fold\b|qps|rps|tps|gb|mb|tb|kb|k\b|m\b"
    r"|users?|customers?|requests?|tickets?|people|engineers|servers?|nodes?|gpus?|instances?|dollars?|usd"
    r"|won\b|points?|bps|rows|records|builds?|deploys?|incidents?"
    r"|퍼센트|프로|포인트|밀리초|초|분|시간|일|주|개월|달|년|배|건|명|원|만\s*원|대|개|회|번|달러|ms|qps"
)
_NUMBER = re.compile(rf"(?:[$₩]\s?\d|\d[\d,.]*\s*(?:{_UNIT})|\bp(?:50|90|95|99)\b)")
_BEFORE_AFTER = re.compile(
    r"\bfrom\s+(?:about\s+|around\s+|roughly\s+)?[$₩]?\d(?:[^.;]|\.(?=\d)){0,40}?\bto\s+(?:about\s+|around\s+|roughly\s+)?[$₩]?\d"
    r"|\d[\d,.]*\s*\S{0,6}\s*(?:→|->|=>)\s*[$₩]?\d"
    r"|\d[\d,.]*\s*\S{0,8}(?:에서|이던|였던|이었던|던)\s*[^.]{0,20}?\d[\d,.]*\s*\S{0,8}(?:로|으로|까지)"
    r"|\b(?:halved|doubled|tripled)\b|절반으로|반으로\s*줄|두\s*배|세\s*배"
)
_COMPARISON = re.compile(
    r"\bbaseline|\ba\s*/\s*b\b|\bab\s+test|\bcontrol\s+group|\bholdout|\bhold-out|\bbenchmark|\bload\s+test"
    r"|\bcompared\s+(?:it\s+|them\s+)?(?:against|with|to)\b|\bside\s+by\s+side|\bshadow|\bcanary"
    r"|\bprofil(?:e|ed|ing|er)\b|\bmeasured\b|\boffline\s+eval"
    r"|대조군|베이스라인|기준선|비교(?:했|해\s*보|하니|해서|한\s*결과)|a/b\s*테스트|벤치마크|부하\s*테스트|측정|프로파일|카나리|섀도"
)
_OWN_ROLE = re.compile(
    # "I/we" and a verb in the past tense: what the candidate did, not how things work in general.
    r"\b(?:i|we)\s+(?:\w+\s+)?(?:\w+ed|built|wrote|ran|took|found|led|drove|chose|made|cut|set\s+up|spent"
    r"|shipped|told|saw|got|did|began|kept|put|brought|thought|sent|went|gave|sat|stood|won|lost|split|rewrote"
    r"|was\s+responsible|was\s+in\s+charge)\b"
    r"|\bmy\s+(?:role|part|job|responsibility|decision|proposal|mistake|team)\b"
    # Korean: a first-person subject and a past-tense ending in the same sentence.
    r"|(?:제가|내가|저는|저희가|저희는|저희\s*팀|우리\s*팀|제\s*역할)[^.?!]{0,80}?(?:했|었|았|였|웠|렸|켰|봤|냈|췄|뒀|줬|썼|만든|맡)"
)
_TRADE_OFF = re.compile(
    r"\btrade-?offs?\b|\bdownside|\bat\s+the\s+cost\s+of|\bthe\s+cost\s+was|\bgave\s+up\b|\binstead\s+of\b"
    r"|\brather\s+than\b|\bprice\s+(?:we|i)\s+paid|\bwe\s+accepted|\bthe\s+catch\b|\bin\s+exchange"
    r"|트레이드\s*오프|트레이드오프|단점|대신|포기|희생|감수|비용이\s*(?:들|늘|커)"
)
PATTERNS: dict[SpecificKind, re.Pattern[str]] = {
    "number": _NUMBER,
    "before-after": _BEFORE_AFTER,
    "comparison": _COMPARISON,
    "own-role": _OWN_ROLE,
    "trade-off": _TRADE_OFF,
}
# Without any of these an answer is generic, however confident: roles and trade-offs can be claimed in
# words alone, numbers and comparisons cannot.
CONCRETE: tuple[SpecificKind, ...] = ("number", "before-after", "comparison")


def kinds_in(text: str) -> set[SpecificKind]:
    norm = normalize(text)
    return {kind for kind, pattern in PATTERNS.items() if pattern.search(norm)}


class SpecificsSignal:
    name = "specifics"
    version = "1"  # bump with any rule change: recorded in transcripts and eval caches

    def observe(self, ctx: AnswerContext) -> list[Finding]:
        wanted = [kp for kp in ctx.question.key_points if kp.specifics]
        # Numbers and trade-offs are everywhere in technical prose; they show a point of a project or
        # behavioral question only inside the candidate's own story, told as what they did.
        if not wanted or not _tells_own_story(ctx):
            return []
        out = []
        for si in ctx.counting():
            s = ctx.sentences[si]
            if not s.explanatory:
                continue
            found = kinds_in(s.text)
            for kp in wanted:
                for kind in sorted(found & set(kp.specifics)):
                    out.append(Finding(kp.id, "specific", si, self.name, detail=kind))
        return out


def _tells_own_story(ctx: AnswerContext) -> bool:
    return any(_OWN_ROLE.search(normalize(ctx.sentences[si].text)) for si in ctx.counting())


def is_concrete(ctx: AnswerContext) -> bool:
    """Any number, before/after or comparison anywhere in what counts."""
    return any(kinds_in(ctx.sentences[si].text) & set(CONCRETE) for si in ctx.counting())
