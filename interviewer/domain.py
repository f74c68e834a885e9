"""Domain models: questions and rubrics, follow-up decisions, feedback, turns and transcripts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")
Track = Literal["mlse", "mle", "backend"]
TRACKS: tuple[Track, ...] = ("mlse", "mle", "backend")

SCHEMA_VERSION = 1
MIN_SCORE, MAX_SCORE = 1, 5
MAX_QUESTIONS = 100  # per session
REVIEW_TRACK = "review"  # how a review drill is named where a session's track is shown
WRONG_CLAIM_CAP = 2  # a criterion whose answer asserts a misconception scores at most this
SOURCE_LIMIT = 300  # characters of a profile a transcript keeps per question

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Score = Annotated[int, Field(ge=MIN_SCORE, le=MAX_SCORE)]

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"[^\W_]")


class Strict(BaseModel):
    """Base for bank models: unknown fields are errors, so typos in YAML never pass silently.

    Cross-field checks raise "FIELD: reason" so the loader can point at the field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(Strict):
    ko: Text
    en: Text

    def __call__(self, lang: Lang) -> str:
        return self.ko if lang == "ko" else self.en


class BilingualList(Strict):
    ko: list[Text] = Field(min_length=1)
    en: list[Text] = Field(min_length=1)

    def __call__(self, lang: Lang) -> list[str]:
        return self.ko if lang == "ko" else self.en


class Criterion(Strict):
    id: Slug
    name: Bilingual
    weight: int = Field(ge=1, le=100)
    anchors: dict[int, Bilingual] = Field(description="what an answer scoring 1, 3 and 5 contains")
    key_points: list[Slug] = Field(
        min_length=1, description="ids of the key points this criterion is scored on"
    )

    @model_validator(mode="after")
    def _all_anchors(self) -> Self:
        if set(self.anchors) != {1, 3, 5}:
            raise ValueError(f"anchors: must be given for exactly 1, 3 and 5, got {sorted(self.anchors)}")
        return self


def _check_cues(field: str, cues: BilingualList) -> None:
    for lang in LANGS:
        for cue in cues(lang):
            if any(not _WORD.search(part) for part in cue.split("&")):
                raise ValueError(
                    f"{field}.{lang}: {cue!r} has a part with no letters or digits, which never matches"
                )


class Misconception(Strict):
    """A wrong belief interviewers hear about a key point, and how to challenge it."""

    id: Slug
    claim: Bilingual = Field(description="the wrong claim, as a candidate would state it")
    cues: BilingualList = Field(description="phrases that show a sentence asserts the claim")
    correction: Bilingual = Field(description="what is true instead, shown after 'in fact'")
    probe: Bilingual = Field(description="the follow-up that challenges the claim")

    @model_validator(mode="after")
    def _cues_have_words(self) -> Self:
        _check_cues("cues", self.cues)
        return self


# Kinds of concrete evidence a project or behavioral answer can give; see grading/signals/specifics.py.
SpecificKind = Literal["number", "before-after", "comparison", "own-role", "trade-off"]
SPECIFIC_KINDS: tuple[SpecificKind, ...] = ("number", "before-after", "comparison", "own-role", "trade-off")


class KeyPoint(Strict):
    """Something a strong answer covers; listed most important first."""

    id: Slug
    text: Bilingual
    cues: BilingualList
    follow_up: Bilingual = Field(description="asked when the point is missing")
    deepen: Bilingual = Field(description="asked when the point is present, one level deeper")
    hint: Bilingual | None = Field(
        default=None, description="an angle that guides toward the point without naming it"
    )
    misconceptions: list[Misconception] = Field(default_factory=list)
    specifics: list[SpecificKind] = Field(
        default_factory=list, description="concrete evidence that shows the point, whatever the stack"
    )

    @model_validator(mode="after")
    def _cues_have_words(self) -> Self:
        _check_cues("cues", self.cues)
        _unique("misconceptions", [m.id for m in self.misconceptions])
        return self


class Technology(Strict):
    """What a `stack/*` question is about, by the names a résumé uses for it: a profile that names any of
    them gets the question."""

    name: Text = Field(description="as it is usually written, e.g. Kubernetes")
    aliases: BilingualList = Field(description="other ways to write it, e.g. ko: [쿠버네티스], en: [k8s]")


class Question(Strict):
    id: QuestionId
    category: Slug
    tracks: list[Track] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=5)
    text: Bilingual
    rubric: list[Criterion] = Field(min_length=1)
    key_points: list[KeyPoint] = Field(min_length=1)
    model_answer: Bilingual
    technology: Technology | None = Field(default=None, description="stack questions only")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.id.split("/", 1)[0] != self.category:
            raise ValueError(f"category: must equal the id's prefix {self.id.split('/', 1)[0]!r}")
        if (self.category == "stack") != (self.technology is not None):
            raise ValueError("technology: required for a stack question, and only for one")
        total = sum(c.weight for c in self.rubric)
        if total != 100:
            raise ValueError(f"rubric: weights sum to {total}, must be 100")
        _unique("rubric", [c.id for c in self.rubric])
        _unique("key_points", [k.id for k in self.key_points])
        known = {k.id for k in self.key_points}
        used: set[str] = set()
        for c in self.rubric:
            unknown = [k for k in c.key_points if k not in known]
            if unknown:
                raise ValueError(f"rubric[{c.id}].key_points: unknown key point ids {unknown}")
            used.update(c.key_points)
        orphans = [k for k in known if k not in used]
        if orphans:
            raise ValueError(f"key_points[{orphans[0]}]: belongs to no rubric criterion")
        return self

    @property
    def key_point_ids(self) -> set[str]:
        return {k.id for k in self.key_points}

    def key_point(self, kp_id: str) -> KeyPoint:
        return next(k for k in self.key_points if k.id == kp_id)

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.rubric if c.id == criterion_id)


def _unique(field: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{field}[{i}].id: duplicate id")
        seen.add(i)


def matches_language(text: str, lang: Lang) -> bool:
    """Cheap check that model-written text is in the session language."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    hangul = sum(1 for ch in letters if _HANGUL.match(ch))
    # Korean prose routinely carries English terms (TCP, GPU), so a modest share of Hangul is enough.
    return hangul / len(letters) >= 0.2 if lang == "ko" else hangul / len(letters) < 0.05


# --- decisions and feedback -------------------------------------------------------------------

FollowUpKind = Literal["follow_up", "deepen"]


class FollowUpDecision(BaseModel):
    """Ask one follow-up (and why), or move on to the next question."""

    action: Literal["ask", "move_on"]
    text: str | None = None
    kind: FollowUpKind | None = None
    target: str | None = Field(default=None, description="the key point the follow-up probes")
    reason: str = ""

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Self:
        if self.action == "ask" and not (self.text and self.text.strip()):
            raise ValueError("an 'ask' decision needs the follow-up text")
        ctx: dict[str, Any] = info.context or {}
        question: Question | None = ctx.get("question")
        if self.action == "ask" and self.text:
            if question is not None and self.target is not None and self.target not in question.key_point_ids:
                raise ValueError(f"target {self.target!r} is not a key point of {question.id}")
            asked = {_norm(t) for t in ctx.get("asked", [])}
            if _norm(self.text) in asked:
                raise ValueError("the follow-up repeats a question already asked")
            lang: Lang | None = ctx.get("lang")
            if lang and not matches_language(self.text, lang):
                raise ValueError(f"the follow-up is not in the session language ({lang})")
        return self


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


class CriterionScore(BaseModel):
    criterion_id: str
    weight: int = Field(ge=1, le=100)
    score: Score
    evidence: list[str] = Field(default_factory=list, description="quotes from the candidate's answers")
    rationale: str = ""


class MissedPoint(BaseModel):
    key_point_id: str
    what_strong_answers_say: str


class Feedback(BaseModel):
    """Per-criterion scores with evidence; `overall` is always recomputed here from the weights."""

    criteria: list[CriterionScore]
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    missed: list[MissedPoint] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    overall: float = 0.0

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Self:
        total = sum(c.weight for c in self.criteria)
        if total != 100:
            raise ValueError(f"criterion weights sum to {total}, must be 100")
        self.overall = round(sum(c.score * c.weight for c in self.criteria) / 100, 2)
        ctx: dict[str, Any] = info.context or {}
        question: Question | None = ctx.get("question")
        if question is not None:
            got = [c.criterion_id for c in self.criteria]
            want = [c.id for c in question.rubric]
            if sorted(got) != sorted(want):
                raise ValueError(f"criterion ids {got} must be exactly the rubric's {want}")
        lang: Lang | None = ctx.get("lang")
        if lang is not None:
            for text in [*self.strengths, *self.gaps]:
                if not matches_language(text, lang):
                    raise ValueError(f"feedback is not in the session language ({lang}): {text[:60]!r}")
        wrong: dict[str, list[str]] = ctx.get("wrong_claims") or {}
        for c in self.criteria:
            claims = [_norm(w) for w in wrong.get(c.criterion_id, [])]
            credited = [q for q in c.evidence if any(_norm(q) in w or w in _norm(q) for w in claims)]
            if credited and c.score > WRONG_CLAIM_CAP:
                raise ValueError(
                    f"criterion {c.criterion_id!r} scores {c.score} crediting a wrong claim: "
                    f"{credited[0][:60]!r}; a sentence that asserts a misconception earns nothing "
                    f"and caps the criterion at {WRONG_CLAIM_CAP}"
                )
        answer: str | None = ctx.get("answer")
        normalized_answer = _norm(answer) if answer is not None else ""
        for c in self.criteria:
            if c.score > MIN_SCORE and not c.evidence:
                raise ValueError(f"criterion {c.criterion_id!r} scores {c.score} without quoted evidence")
            if answer is not None:
                for quote in c.evidence:
                    if _norm(quote) not in normalized_answer:
                        raise ValueError(
                            f"evidence for {c.criterion_id!r} is not in the answer: {quote[:60]!r}"
                        )
        return self

    def score_of(self, criterion_id: str) -> int:
        return next(c.score for c in self.criteria if c.criterion_id == criterion_id)


# --- interview records --------------------------------------------------------------------------

Role = Literal["interviewer", "candidate"]
TurnKind = Literal[
    "question",  # the seed question
    "follow_up",  # probes a missing key point
    "deepen",  # goes one level deeper on a covered key point
    "hint",
    "reason_aloud",  # the invitation to reason aloud after "I don't know"
    "answer",
    "idk",
    "skip",
]


# Why the interviewer asked a follow-up or gave a hint: what a front end labels, in either language.
WhyKind = Literal["missing", "wrong_claim", "deepen", "reason_aloud", "hint"]


class Turn(BaseModel):
    role: Role
    kind: TurnKind
    text: str
    at: datetime
    target: str | None = None
    why: str | None = Field(
        default=None, description="the backend's reason for asking, on one line and capped (see why.py)"
    )
    why_kind: WhyKind | None = None
    truncated: bool = Field(default=False, description="the answer was cut for the backend")
    no_answer: bool = False
    elapsed_s: float | None = Field(default=None, description="time the candidate took to answer")


# open: being asked; answered: closed, grading in progress; graded; ended: the interview stopped first.
QuestionStatus = Literal["open", "answered", "graded", "ended"]


class CallRecord(BaseModel):
    """One backend step as it happened: usage, faults and whether the offline backend stood in."""

    step: Literal["follow_up", "grade"]
    provider: str
    model: str | None = None
    mode: str | None = Field(default=None, description="structured-output mode that was used")
    attempts: int = 0
    latency_s: float = 0.0
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    completion_tokens: int | None = None
    faults: list[str] = Field(default_factory=list, description="what went wrong, one entry per attempt")
    fallback: bool = Field(default=False, description="the offline backend produced this step's result")
    raw: str | None = Field(default=None, description="the last raw model output, for replay")


def known_sum(values: list[int | None]) -> int | None:
    """The sum of the values that are known; None when there are some and none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known or not values else None


class Usage(BaseModel):
    """Model calls and their tokens. A total leaves out the calls that did not report it, and is None when
    none did: a server that reports no usage shows as unknown, never as 0 tokens."""

    calls: int = 0
    fallbacks: int = Field(default=0, description="calls whose step the offline backend took")
    prompt_tokens: int | None = 0
    cached_tokens: int | None = 0
    completion_tokens: int | None = 0
    unreported: int = Field(default=0, description="calls that reported no token counts")

    @classmethod
    def of(cls, calls: list[CallRecord]) -> Usage:
        return cls(
            calls=len(calls),
            fallbacks=sum(c.fallback for c in calls),
            prompt_tokens=known_sum([c.prompt_tokens for c in calls]),
            cached_tokens=known_sum([c.cached_tokens for c in calls]),
            completion_tokens=known_sum([c.completion_tokens for c in calls]),
            unreported=sum(c.prompt_tokens is None and c.completion_tokens is None for c in calls),
        )


class EarlierAttempt(BaseModel):
    """A graded answer to the same question in an earlier session, which this one retries: copied whole, so
    the report compares the attempts without reading the other transcript (it may be gone or changed)."""

    session_id: str
    created_at: datetime = Field(description="when that session started")
    feedback: Feedback
    covered: list[str] = Field(default_factory=list, description="ids of the key points that answer covered")
    missed: list[str] = Field(default_factory=list, description="ids of the key points it did not cover")


PointStatus = Literal["explained", "mentioned", "missing", "wrong"]


class PointOutcome(BaseModel):
    """How one key point fared in a graded answer: what the learning loop schedules reviews from."""

    key_point_id: str
    status: PointStatus
    deepened: bool = Field(default=False, description="explained, and the deeper follow-up answered too")
    misconception_id: str | None = Field(default=None, description="the wrong claim, when status is wrong")
    quote: str | None = Field(default=None, max_length=400, description="the candidate's words on the point")


class QuestionRecord(BaseModel):
    question: Question = Field(description="a snapshot, so a transcript stays readable if the bank changes")
    earlier: list[EarlierAttempt] = Field(
        default_factory=list, description="earlier graded attempts this one retries, oldest first"
    )
    source: str | None = Field(
        default=None,
        max_length=SOURCE_LIMIT,
        description="the profile excerpt a question made from a profile came from; never the whole profile",
    )
    turns: list[Turn] = Field(default_factory=list)
    status: QuestionStatus = "open"
    skipped: bool = False
    feedback: Feedback | None = None
    decisions: list[FollowUpDecision] = Field(default_factory=list)
    calls: list[CallRecord] = Field(default_factory=list)
    points: list[PointOutcome] = Field(
        default_factory=list, description="per key point, set when the record is graded"
    )
    review_of: str | None = Field(
        default=None, description="in a review session: the bank question the drilled key point belongs to"
    )

    @property
    def follow_ups_asked(self) -> int:
        return sum(1 for t in self.turns if t.kind in ("follow_up", "deepen"))

    @property
    def hints(self) -> int:
        return sum(1 for t in self.turns if t.kind == "hint")

    def answers(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "candidate" and t.kind == "answer"]

    def answer_text(self) -> str:
        return "\n\n".join(t.text for t in self.answers() if t.text)

    def covered(self) -> list[str]:
        """The ids of the key points the graded answer covered, in the question's order: all but the ones
        the grade lists as missed. Empty before a grade."""
        if self.feedback is None:
            return []
        missed = {m.key_point_id for m in self.feedback.missed}
        return [k.id for k in self.question.key_points if k.id not in missed]


class Plan(BaseModel):
    track: Track = "mlse"
    categories: list[str] = Field(default_factory=list, description="empty means all")
    questions: int = Field(default=5, ge=1, le=MAX_QUESTIONS)
    follow_ups: int = Field(default=2, ge=0, le=10)
    min_difficulty: int = Field(default=1, ge=1, le=5)
    max_difficulty: int = Field(default=5, ge=1, le=5)
    lang: Lang = "ko"
    seed: int = 0
    question_ids: list[str] = Field(
        default_factory=list,
        max_length=MAX_QUESTIONS,
        description="exactly these questions, in this order; empty: pick",
    )
    review: bool = Field(default=False, description="a drill over due review cards, one key point each")

    @property
    def shown_track(self) -> str:
        """What listings and reports name the session by: a drill mixes the tracks' questions, so its own
        track would be the plan's unused default."""
        return REVIEW_TRACK if self.review else self.track


# A session id names its transcript file, so it can never hold a path separator, `..`, a control character
# or markup; every id the app has made (`20261206-111639-a3f9`) passes.
SESSION_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"


def _session_id(value: str) -> str:
    if re.fullmatch(SESSION_ID_PATTERN, value) is None:
        raise ValueError("must be 1-64 letters, digits, '-' or '_', starting with a letter or digit")
    return value


SessionId = Annotated[str, AfterValidator(_session_id)]


class Transcript(BaseModel):
    schema_version: int = SCHEMA_VERSION
    session_id: SessionId
    created_at: datetime
    updated_at: datetime
    plan: Plan
    provider: str
    model: str | None = None
    bank_fingerprint: str
    prompt_hashes: dict[str, str] = Field(default_factory=dict)
    records: list[QuestionRecord]
    finished: bool = False
    draft: str | None = Field(default=None, description="an answer being typed when the app closed")

    @property
    def overall(self) -> float | None:
        scores = [r.feedback.overall for r in self.records if r.feedback is not None]
        return round(sum(scores) / len(scores), 2) if scores else None

    def usage(self) -> Usage:
        return Usage.of([c for r in self.records for c in r.calls])

    @property
    def current(self) -> QuestionRecord | None:
        return next((r for r in self.records if r.status == "open"), None)
