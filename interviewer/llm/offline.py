"""The offline backend: deterministic follow-ups and grading from the bank's key points.

What the answer says is judged by the signals in `grading/` (exact terms, meaning, wrong claims,
concrete evidence); this module turns those judgements into follow-ups, hints and feedback.
"""

from __future__ import annotations

from ..domain import MIN_SCORE, WRONG_CLAIM_CAP, Feedback, FollowUpDecision, KeyPoint, Lang, Question, Turn
from ..grading.assess import assess, versions
from ..grading.combine import Assessment, PointJudgement
from ..grading.encoder import Encoder, shared
from ..matching import Sentence, analyse
from ..phrases import say
from .base import FollowUpRequest, GradeRequest, Outcome, TextSink

CREDIT = {"explained": 1.0, "mentioned": 0.25, "missing": 0.0, "wrong": 0.0}
# A criterion with a wrong claim in it, or a generic answer where specifics were asked for, tops out here.
CAPPED = WRONG_CLAIM_CAP
_QUOTE = 160
_DEFAULT = object()


def _answers(turns: list[Turn]) -> list[Turn]:
    return [t for t in turns if t.role == "candidate" and t.kind == "answer" and t.text]


def answer_sentences(turns: list[Turn]) -> list[Sentence]:
    return [s for t in _answers(turns) for s in analyse(t.text)]


def _encoder(encoder: Encoder | object | None) -> Encoder | None:
    return shared() if encoder is _DEFAULT else encoder  # type: ignore[return-value]


def coverage(
    question: Question, turns: list[Turn], lang: Lang = "en", encoder: Encoder | object | None = _DEFAULT
) -> tuple[Assessment, list[Sentence]]:
    sentences = answer_sentences(turns)
    return assess(question, sentences, lang, _encoder(encoder)), sentences


def decide_follow_up(
    request: FollowUpRequest, encoder: Encoder | object | None = _DEFAULT
) -> FollowUpDecision:
    """Challenge a wrong claim first, then probe the most important missing point, else deepen a covered
    one (also when it was covered in other words), else move on."""
    q, lang = request.question, request.lang
    last = next((t for t in reversed(request.turns) if t.role == "candidate"), None)
    if last is not None and last.no_answer:
        return FollowUpDecision(action="move_on", reason=say("reason_no_answer", lang))
    if request.remaining <= 0:
        return FollowUpDecision(action="move_on", reason=say("reason_done", lang))
    judged, _ = coverage(q, request.turns, lang, encoder)
    asked = {(t.kind, t.target) for t in request.turns if t.role == "interviewer"}
    asked_texts = set(request.asked())

    def fresh(kind: str, kp: KeyPoint, text: str) -> bool:
        return (kind, kp.id) not in asked and text not in asked_texts

    for kp in q.key_points:
        p = judged.points[kp.id]
        if p.status == "wrong":
            text = p.misconception.probe(lang) if p.misconception else kp.follow_up(lang)
            if text not in asked_texts:
                reason = say("reason_wrong", lang, quote=_clip(p.evidence[0]))
                return FollowUpDecision(
                    action="ask", text=text, kind="follow_up", target=kp.id, reason=reason
                )
    for kp in q.key_points:
        text = kp.follow_up(lang)
        if judged.points[kp.id].status in ("missing", "mentioned") and fresh("follow_up", kp, text):
            reason = say("reason_missing", lang, text=kp.text(lang))
            return FollowUpDecision(action="ask", text=text, kind="follow_up", target=kp.id, reason=reason)
    for kp in q.key_points:
        text = kp.deepen(lang)
        if judged.points[kp.id].status == "explained" and fresh("deepen", kp, text):
            reason = say("reason_deepen", lang, text=kp.text(lang))
            return FollowUpDecision(action="ask", text=text, kind="deepen", target=kp.id, reason=reason)
    return FollowUpDecision(action="move_on", reason=say("reason_done", lang))


def next_hint(
    question: Question, turns: list[Turn], lang: Lang, encoder: Encoder | object | None = _DEFAULT
) -> tuple[str, str] | None:
    """(key point id, hint) for the point the candidate is stuck on, without giving the answer away.

    If the current follow-up probes a point, the first hint is that point's angle (its `hint`, which
    never names the point); otherwise, or once that is used, the guiding question of the most important
    point not yet covered or asked.
    """
    judged, _ = coverage(question, turns, lang, encoder)
    hinted = {t.target for t in turns if t.role == "interviewer" and t.kind == "hint"}
    prompt = next((t for t in reversed(turns) if t.role == "interviewer" and t.kind != "hint"), None)
    if prompt is not None and prompt.kind == "follow_up" and prompt.target and prompt.target not in hinted:
        kp = question.key_point(prompt.target)
        if judged.points[kp.id].status != "explained":
            return kp.id, kp.hint(lang) if kp.hint else say("hint_angle", lang)
    asked = {t.target for t in turns if t.role == "interviewer" and t.kind == "follow_up"}
    for kp in question.key_points:
        if judged.points[kp.id].status != "explained" and kp.id not in hinted | asked:
            return kp.id, kp.follow_up(lang)
    return None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE else text[: _QUOTE - 1] + "…"


def _criterion_of(question: Question) -> dict[str, str]:
    """Key point id -> the id of the first criterion scored on it."""
    out: dict[str, str] = {}
    for c in question.rubric:
        for k in c.key_points:
            out.setdefault(k, c.id)
    return out


def _how(p: PointJudgement, lang: Lang) -> str:
    if p.status == "wrong":
        return say("how_wrong", lang, quote=_clip(p.evidence[0]))
    if p.status == "missing":
        return say("how_missing", lang)
    depth = say(f"depth_{p.status}", lang)
    if p.how == "meaning":
        return say("how_meaning", lang, depth=depth, quote=_clip(p.evidence[0]))
    if p.how == "specifics":
        return say("how_specifics", lang, depth=depth, quote=_clip(p.evidence[0]))
    return say("how_term", lang, depth=depth, quote=_clip(p.evidence[0]))


def grade(request: GradeRequest, encoder: Encoder | object | None = _DEFAULT) -> Feedback:
    q, lang, turns = request.question, request.lang, request.turns
    judged, sentences = coverage(q, turns, lang, encoder)
    points = judged.points
    criteria = []
    for c in q.rubric:
        marks = [points[k] for k in c.key_points]
        credit = sum(CREDIT[p.status] for p in marks) / len(marks)
        score = MIN_SCORE if credit == 0 else min(5, 1 + int(4 * credit + 0.5))
        if any(p.status == "wrong" for p in marks) or judged.generic:
            score = min(score, CAPPED)
        score = min(score, judged.ceiling)
        credited = [p for p in marks if p.status in ("explained", "mentioned")]
        evidence = (
            list(dict.fromkeys(e for p in credited for e in p.evidence))[:3] if score > MIN_SCORE else []
        )
        parts = [f"{k}: {_how(points[k], lang)}" for k in c.key_points]
        if judged.generic:
            parts.append(say("how_generic", lang))
        criteria.append(
            {
                "criterion_id": c.id,
                "weight": c.weight,
                "score": score,
                "evidence": evidence,
                "rationale": " ".join(parts),
            }
        )
    owner = _criterion_of(q)
    strengths, gaps, missed = [], [], []
    for kp in q.key_points:
        p = points[kp.id]
        name = q.criterion(owner[kp.id]).name(lang)
        if p.status == "explained":
            strengths.append(say("strength", lang, name=name, quote=_clip(p.evidence[0])))
            continue
        if p.status == "wrong":
            correction = p.misconception.correction(lang) if p.misconception else kp.text(lang)
            gaps.append(say("gap_wrong", lang, quote=_clip(p.evidence[0]), correction=correction))
        elif p.status == "mentioned":
            gaps.append(say("gap_mentioned", lang, name=name, quote=_clip(p.evidence[0])))
        missed.append({"key_point_id": kp.id, "what_strong_answers_say": kp.text(lang)})
    # Points not touched at all are counted per criterion: the bank's wording for them is under what a
    # strong answer covers, never in a sentence about the candidate.
    for c in q.rubric:
        untouched = [k for k in c.key_points if owner[k] == c.id and points[k].status == "missing"]
        if untouched:
            total = sum(1 for k in c.key_points if owner[k] == c.id)
            gaps.append(say("gap_missing", lang, name=c.name(lang), n=len(untouched), total=total))
    notes = _notes(q, turns, sentences, judged, lang, encoder)
    data = {
        "criteria": criteria,
        "strengths": strengths,
        "gaps": list(dict.fromkeys(gaps)),
        "missed": missed,
        "notes": notes,
    }
    # The same semantic checks a model's output must pass; the offline grader is held to them too.
    return Feedback.model_validate(data, context={"question": q, "answer": request.answer_text()})


def code_notes(turns: list[Turn], sentences: list[Sentence], lang: Lang) -> list[str]:
    """Notes any grader gets from code, not from a model: instructions aimed at the grader, hints used."""
    notes = []
    if any(s.directive for s in sentences):
        notes.append(say("note_directive", lang))
    hints = sum(1 for t in turns if t.kind == "hint")
    if hints:
        notes.append(say("note_hints", lang, n=hints))
    return notes


def _notes(
    question: Question,
    turns: list[Turn],
    sentences: list[Sentence],
    judged: Assessment,
    lang: Lang,
    encoder: Encoder | object | None,
) -> list[str]:
    notes = code_notes(turns, sentences, lang)
    if judged.generic and _answers(turns):
        notes.append(say("note_generic", lang))
    if judged.skipped:
        notes.append(say("note_signals_skipped", lang))
    invited = next((i for i, t in enumerate(turns) if t.kind == "reason_aloud"), None)
    if invited is not None and _answers(turns[invited:]):
        after, _ = coverage(question, turns[invited:], lang, encoder)
        reached = any(p.status == "explained" for p in after.points.values())
        notes.append(say("note_reasoned" if reached else "note_reasoned_short", lang))
    if any(t.kind == "skip" for t in turns):
        notes.append(say("note_skipped", lang))
    if not _answers(turns):
        notes.append(say("note_no_answer", lang))
    return notes


class OfflineBackend:
    """Needs no key and no network; the embedded default."""

    provider = "offline"
    model: str | None = None

    def __init__(self, encoder: Encoder | object | None = _DEFAULT) -> None:
        self.encoder = _encoder(encoder)
        self.prompt_hashes = versions(self.encoder)

    def warm_up(self) -> None:
        if self.encoder is not None:
            self.encoder.warm_up()

    async def check(self) -> str | None:
        return None

    async def close(self) -> None:
        if self.encoder is not None:
            self.encoder.save()

    async def follow_up(
        self, request: FollowUpRequest, on_text: TextSink | None = None
    ) -> Outcome[FollowUpDecision]:
        decision = FollowUpDecision.model_validate(
            decide_follow_up(request, self.encoder).model_dump(),
            context={"question": request.question, "asked": request.asked(), "lang": request.lang},
        )
        return Outcome(value=decision)

    async def grade(self, request: GradeRequest) -> Outcome[Feedback]:
        return Outcome(value=grade(request, self.encoder))
