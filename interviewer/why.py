"""Why the interviewer asked the current follow-up: classified and recorded when it is asked, explained on
demand (`/why` in plain mode, a key in the TUI) in the same words in every front end.

The explanation names the point probed by its rubric criterion and says why it was chosen. It never shows
the key point's own text (what a strong answer says) or the model answer: both stay hidden until the
question is graded. For the same reason the backend's free-text reason is recorded but not explained from:
a model may spell the missing point out in it."""

from __future__ import annotations

from .domain import Lang, Question, Transcript, Turn, TurnKind, WhyKind
from .grading.context import AnswerContext
from .grading.signals.misconception import WrongClaimSignal
from .llm.offline import answer_sentences
from .phrases import say
from .untrusted import one_line

WHY_CHARS = 300  # a reason is one short sentence; a model that writes on is cut here
QUOTE_CHARS = 120
# The interviewer's turns the candidate answers after the seed question: the ones `/why` explains.
EXPLAINED: tuple[TurnKind, ...] = ("follow_up", "deepen", "reason_aloud")
_FIXED: dict[str, WhyKind] = {"deepen": "deepen", "reason_aloud": "reason_aloud", "hint": "hint"}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def recorded_reason(reason: str) -> str | None:
    """A backend's reason as the transcript keeps it: one line, capped, every control character escaped
    (a model's reason is untrusted text)."""
    # Cut before splitting: a megabyte of reason costs no more than a sentence.
    text = " ".join(reason[: WHY_CHARS * 2].split())
    return _clip(one_line(text), WHY_CHARS) if text else None


def wrong_claim(question: Question, turns: list[Turn], target: str, lang: Lang) -> str | None:
    """The candidate's first sentence that asserts a misconception of `target`, by the grader's own cues."""
    sentences = answer_sentences(turns)
    if not sentences:
        return None
    ctx = AnswerContext.of(question, lang, sentences)
    found = (f for f in WrongClaimSignal().observe(ctx) if f.key_point == target)
    first = next(found, None)
    return None if first is None else ctx.sentences[first.sentence].text


def _challenges(question: Question, target: str, text: str) -> bool:
    """Whether `text` is one of the bank's questions that challenge a misconception of `target`."""
    kp = next((k for k in question.key_points if k.id == target), None)
    return kp is not None and any(text in (m.probe.ko, m.probe.en) for m in kp.misconceptions)


def classify(
    question: Question, before: list[Turn], kind: TurnKind, target: str | None, text: str, lang: Lang
) -> WhyKind:
    """Why an interviewer turn of `kind` was asked, from the turns before it. A follow-up challenges a wrong
    claim when it asks one of its point's challenge questions, or when the answers assert one of the point's
    misconceptions (a model is told to challenge those first); otherwise it probes a missing point."""
    if kind in _FIXED:
        return _FIXED[kind]
    if target is not None and (
        _challenges(question, target, text) or wrong_claim(question, before, target, lang) is not None
    ):
        return "wrong_claim"
    return "missing"


def kind_of(question: Question, turns: list[Turn], index: int, lang: Lang) -> WhyKind:
    """The recorded kind of reason for `turns[index]`; a transcript written before reasons were recorded
    has it classified now, from the same turns."""
    turn = turns[index]
    return turn.why_kind or classify(question, turns[:index], turn.kind, turn.target, turn.text, lang)


def _point(question: Question, target: str | None, lang: Lang) -> str:
    """The point probed, named by the criterion it is scored under: a name, never the point's content."""
    criterion = next((c for c in question.rubric if target in c.key_points), None)
    return criterion.name(lang) if criterion is not None else say("why_point_unknown", lang)


def explain_turn(question: Question, turns: list[Turn], index: int, lang: Lang) -> str:
    """Why `turns[index]`, a follow-up, a deeper question or an invitation to reason aloud, was asked."""
    turn = turns[index]
    before = turns[:index]
    kind = kind_of(question, turns, index, lang)
    point = _point(question, turn.target, lang)
    if kind == "reason_aloud":
        return say("why_reason_aloud", lang)
    if kind == "deepen":
        return say("why_deepen", lang, point=point)
    if kind == "wrong_claim":
        claim = wrong_claim(question, before, turn.target, lang) if turn.target else None
        text = say("why_wrong", lang, point=point)
        if claim is None:
            return text
        return f"{text} {say('why_claim', lang, quote=_clip(' '.join(claim.split()), QUOTE_CHARS))}"
    return say("why_missing", lang, point=point)


def explain_follow_up(transcript: Transcript) -> str:
    """What the candidate sees on asking why, in the session language: why the follow-up being answered
    now was asked, or one line saying there is nothing to explain (on the seed question, or once the
    question is closed and being graded or the interview is over)."""
    lang = transcript.plan.lang
    rec = transcript.current
    if transcript.finished or rec is None:
        return say("why_none", lang)
    asked = [i for i, t in enumerate(rec.turns) if t.role == "interviewer" and t.kind != "hint"]
    if not asked or rec.turns[asked[-1]].kind not in EXPLAINED:
        return say("why_seed", lang)
    return explain_turn(rec.question, rec.turns, asked[-1], lang)
