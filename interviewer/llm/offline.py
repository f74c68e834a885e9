"""The offline backend: deterministic follow-ups and grading from the bank's key points and cues."""

from __future__ import annotations

from ..domain import MIN_SCORE, Feedback, FollowUpDecision, Lang, Question, Turn
from ..matching import Index, PointCoverage, Sentence, analyse, cover
from ..phrases import say
from .base import FollowUpRequest, GradeRequest, Outcome, TextSink

CREDIT = {"explained": 1.0, "mentioned": 0.25, "missing": 0.0}


def _answers(turns: list[Turn]) -> list[Turn]:
    return [t for t in turns if t.role == "candidate" and t.kind == "answer" and t.text]


def answer_sentences(turns: list[Turn]) -> list[Sentence]:
    return [s for t in _answers(turns) for s in analyse(t.text)]


def coverage(question: Question, turns: list[Turn]) -> tuple[dict[str, PointCoverage], list[Sentence]]:
    sentences = answer_sentences(turns)
    index = Index(sentences)
    return {kp.id: cover(kp, index) for kp in question.key_points}, sentences


def decide_follow_up(request: FollowUpRequest) -> FollowUpDecision:
    """Probe the most important missing point, else deepen a covered one, else move on."""
    q, lang = request.question, request.lang
    last = next((t for t in reversed(request.turns) if t.role == "candidate"), None)
    if last is not None and last.no_answer:
        return FollowUpDecision(action="move_on", reason=say("reason_no_answer", lang))
    if request.remaining <= 0:
        return FollowUpDecision(action="move_on", reason=say("reason_done", lang))
    covered, _ = coverage(q, request.turns)
    asked = {(t.kind, t.target) for t in request.turns if t.role == "interviewer"}
    asked_texts = set(request.asked())
    for kp in q.key_points:
        text = kp.follow_up(lang)
        if (
            covered[kp.id].status != "explained"
            and ("follow_up", kp.id) not in asked
            and text not in asked_texts
        ):
            reason = say("reason_missing", lang, text=kp.text(lang))
            return FollowUpDecision(action="ask", text=text, kind="follow_up", target=kp.id, reason=reason)
    for kp in q.key_points:
        text = kp.deepen(lang)
        if (
            covered[kp.id].status == "explained"
            and ("deepen", kp.id) not in asked
            and text not in asked_texts
        ):
            reason = say("reason_deepen", lang, text=kp.text(lang))
            return FollowUpDecision(action="ask", text=text, kind="deepen", target=kp.id, reason=reason)
    return FollowUpDecision(action="move_on", reason=say("reason_done", lang))


def next_hint(question: Question, turns: list[Turn], lang: Lang) -> tuple[str, str] | None:
    """(key point id, hint) for the point the candidate is stuck on, without giving the answer away.

    If the current follow-up probes a point, the first hint names one of its cues; otherwise, or once
    that is used, the hint is the guiding question of the most important point not yet covered or asked.
    """
    covered, _ = coverage(question, turns)
    hinted = {t.target for t in turns if t.role == "interviewer" and t.kind == "hint"}
    prompt = next((t for t in reversed(turns) if t.role == "interviewer" and t.kind != "hint"), None)
    if prompt is not None and prompt.kind == "follow_up" and prompt.target and prompt.target not in hinted:
        kp = question.key_point(prompt.target)
        if covered[kp.id].status != "explained":
            return kp.id, say("hint_keyword", lang, cue=kp.cues(lang)[0].replace(" & ", ", "))
    asked = {t.target for t in turns if t.role == "interviewer" and t.kind == "follow_up"}
    for kp in question.key_points:
        if covered[kp.id].status != "explained" and kp.id not in hinted | asked:
            return kp.id, kp.follow_up(lang)
    return None


def grade(request: GradeRequest) -> Feedback:
    q, lang, turns = request.question, request.lang, request.turns
    covered, sentences = coverage(q, turns)
    criteria = []
    for c in q.rubric:
        points = [covered[k] for k in c.key_points]
        credit = sum(CREDIT[p.status] for p in points) / len(points)
        score = MIN_SCORE if credit == 0 else min(5, 1 + int(4 * credit + 0.5))
        evidence = list(dict.fromkeys(e for p in points for e in p.evidence))[:3] if score > MIN_SCORE else []
        counts = {s: sum(1 for p in points if p.status == s) for s in CREDIT}
        rationale = say(
            "rationale",
            lang,
            total=len(points),
            explained=counts["explained"],
            mentioned=counts["mentioned"],
            missing=counts["missing"],
        )
        criteria.append(
            {
                "criterion_id": c.id,
                "weight": c.weight,
                "score": score,
                "evidence": evidence,
                "rationale": rationale,
            }
        )
    strengths, gaps, missed = [], [], []
    for kp in q.key_points:
        status = covered[kp.id].status
        if status == "explained":
            strengths.append(kp.text(lang))
        else:
            gaps.append(
                say("gap_mentioned" if status == "mentioned" else "gap_missing", lang, text=kp.text(lang))
            )
            missed.append({"key_point_id": kp.id, "what_strong_answers_say": kp.text(lang)})
    notes = _notes(q, turns, sentences, lang)
    data = {"criteria": criteria, "strengths": strengths, "gaps": gaps, "missed": missed, "notes": notes}
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


def _notes(question: Question, turns: list[Turn], sentences: list[Sentence], lang: Lang) -> list[str]:
    notes = code_notes(turns, sentences, lang)
    invited = next((i for i, t in enumerate(turns) if t.kind == "reason_aloud"), None)
    if invited is not None and _answers(turns[invited:]):
        after, _ = coverage(question, turns[invited:])
        reached = any(c.status == "explained" for c in after.values())
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
    prompt_hashes: dict[str, str] = {}  # noqa: RUF012 - read-only, shared on purpose

    async def check(self) -> str | None:
        return None

    async def close(self) -> None:
        return None

    async def follow_up(
        self, request: FollowUpRequest, on_text: TextSink | None = None
    ) -> Outcome[FollowUpDecision]:
        decision = FollowUpDecision.model_validate(
            decide_follow_up(request).model_dump(),
            context={"question": request.question, "asked": request.asked(), "lang": request.lang},
        )
        return Outcome(value=decision)

    async def grade(self, request: GradeRequest) -> Outcome[Feedback]:
        return Outcome(value=grade(request))
