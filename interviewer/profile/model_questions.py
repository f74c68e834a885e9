"""Project questions a model writes from the candidate's profile, in the bank's schema.

One structured request through the OpenAI-compatible backend (its client, gate, output modes and re-asks),
bounded by `wait_s`. Every question is validated like any model output and dropped when it fails; when
none is left, or anything goes wrong, the answer is None and the offline generation stands in.

Valid questions are cached under a hash of what produced them: the next session with the same profile,
model and prompt asks nothing. The cache holds the questions only, never the profile.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, PrivateAttr, ValidationError, ValidationInfo, model_validator

from .. import prompts
from ..bank import Bank
from ..domain import LANGS, TRACKS, Lang, Question, SpecificKind, matches_language
from ..files import SMALL_LIMIT, FileProblem, read_file
from ..llm.gate import server_key
from ..settings import Settings
from ..store import write_atomic
from .model import Profile

PROMPT = "profile_questions"
MAX_COUNT = 5  # questions per request: each is a few thousand characters in two languages
TOKENS_PER_QUESTION = 2500
CACHE_VERSION = 1  # part of the cache key: a change to what is cached or checked starts afresh
_OPEN, _CLOSE = "<candidate_profile>", "</candidate_profile>"
_LANGUAGE = {"ko": "Korean (한국어)", "en": "English"}

# What the request may carry of the profile: a long résumé is cut, not sent whole.
MAX_PROJECTS, MAX_CLAIMS, MAX_MOVES, MAX_FIELD = 8, 8, 8, 300

# The most a kept question may hold; a larger one is dropped (a runaway model, not an interview question).
MAX_TEXT, MAX_POINT_TEXT, MAX_ANSWER = 800, 400, 4000
MAX_CRITERIA, MAX_KEY_POINTS, MAX_CUES, MAX_CUE = 6, 8, 12, 60


# --- the shape asked for (plain types only: strict JSON schema takes no length or range limits) -----------


class TextOut(BaseModel):
    ko: str
    en: str


class CuesOut(BaseModel):
    ko: list[str]
    en: list[str]


class AnchorsOut(BaseModel):
    score_1: TextOut
    score_3: TextOut
    score_5: TextOut


class CriterionOut(BaseModel):
    id: str
    name: TextOut
    weight: int
    anchors: AnchorsOut
    key_points: list[str]


class KeyPointOut(BaseModel):
    id: str
    text: TextOut
    cues: CuesOut
    follow_up: TextOut
    deepen: TextOut
    specifics: list[SpecificKind]


class QuestionOut(BaseModel):
    text: TextOut
    difficulty: int
    key_points: list[KeyPointOut]
    rubric: list[CriterionOut]
    model_answer: TextOut


class QuestionsOut(BaseModel):
    """The reply. Validated with a context (`Checks`), it keeps the questions that pass in `kept` and fails
    as a whole only when none does, so the re-ask names every problem."""

    questions: list[QuestionOut]
    _kept: list[Question] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _keep_valid(self, info: ValidationInfo) -> QuestionsOut:
        checks: Checks | None = (info.context or {}).get("checks")
        if checks is None:
            return self
        kept, problems = checks.keep([_as_bank(q.model_dump()) for q in self.questions])
        if not kept:
            raise ValueError("no usable question: " + ("; ".join(problems) or "the list is empty"))
        self._kept = kept
        return self

    def kept(self) -> list[Question]:
        return list(self._kept)


# --- checks ---------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


class Checks:
    """What a generated question must pass beyond the bank's schema: the session language, sizes, and
    being new (not a bank question, not one already kept)."""

    def __init__(self, lang: Lang, count: int, taken: set[str]) -> None:
        self.lang = lang
        self.count = count
        self.taken = taken  # normalised texts of the bank's questions, in both languages

    def keep(self, items: list[dict[str, Any]]) -> tuple[list[Question], list[str]]:
        """The questions (in the bank's layout, ids aside) that pass, numbered in order, and why the
        others did not."""
        kept: list[Question] = []
        seen: set[str] = set()
        problems: list[str] = []
        for n, item in enumerate(items, 1):
            if len(kept) == self.count:
                break
            qid = f"project/profile-m{len(kept) + 1}"
            try:
                question = Question.model_validate({**item, "id": qid})
            except ValidationError as exc:
                problems.append(f"questions.{n}: {_first_error(exc)}")
                continue
            problem = self.problem(question, seen)
            if problem:
                problems.append(f"questions.{n}: {problem}")
                continue
            seen.update(_norm(question.text(lang)) for lang in LANGS)
            kept.append(question)
        return kept, problems

    def problem(self, q: Question, seen: set[str]) -> str | None:
        lang = self.lang
        if not matches_language(q.text(lang), lang):
            return f"text.{lang} is not in the session language"
        for k in q.key_points:
            for field in ("follow_up", "deepen"):
                if not matches_language(getattr(k, field)(lang), lang):
                    return f"key_points.{k.id}.{field}.{lang} is not in the session language"
        texts = {_norm(q.text(each)) for each in LANGS}
        if texts & self.taken:
            return "repeats a question of the bank"
        if texts & seen:
            return "repeats another question of this reply"
        return _too_large(q)

    def cached(self, items: list[dict[str, Any]]) -> list[Question] | None:
        """Questions read back from the cache, checked again (the file is untrusted): all or nothing."""
        kept, problems = self.keep(items)
        return kept if kept and not problems and len(kept) == len(items) else None


def _as_bank(item: dict[str, Any]) -> dict[str, Any]:
    """A question of the reply in the bank's layout: anchors keyed by score, a project question for every
    track."""
    rubric = [
        {**c, "anchors": {score: c["anchors"][f"score_{score}"] for score in (1, 3, 5)}}
        for c in item["rubric"]
    ]
    return {**item, "category": "project", "tracks": list(TRACKS), "rubric": rubric}


def _first_error(exc: ValidationError) -> str:
    e = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in e["loc"]) or "question"
    return f"{where}: {e['msg'].removeprefix('Value error, ')}"


def _too_large(q: Question) -> str | None:
    if len(q.rubric) > MAX_CRITERIA or len(q.key_points) > MAX_KEY_POINTS:
        return f"more than {MAX_CRITERIA} criteria or {MAX_KEY_POINTS} key points"
    for lang in LANGS:
        if len(q.text(lang)) > MAX_TEXT or len(q.model_answer(lang)) > MAX_ANSWER:
            return f"text or model_answer too long ({lang})"
        for k in q.key_points:
            if any(len(t(lang)) > MAX_POINT_TEXT for t in (k.text, k.follow_up, k.deepen)):
                return f"key_points.{k.id}: a text is too long ({lang})"
            if len(k.cues(lang)) > MAX_CUES or any(len(c) > MAX_CUE for c in k.cues(lang)):
                return f"key_points.{k.id}.cues: too many or too long ({lang})"
        for c in q.rubric:
            texts = [c.name(lang), *(a(lang) for a in c.anchors.values())]
            if any(len(t) > MAX_POINT_TEXT for t in texts):
                return f"rubric.{c.id}: a text is too long ({lang})"
    return None


# --- the request ----------------------------------------------------------------------------------------


def _clip(text: str) -> str:
    one = " ".join(text.split())
    return (one[: MAX_FIELD - 1] + "…" if len(one) > MAX_FIELD else one).replace(
        _CLOSE, "[/candidate_profile]"
    )


def profile_block(profile: Profile) -> str:
    """The parts of the profile the model reads (and the cache key hashes): projects with their claims and
    stack, the technologies named, the career moves; each field cut to size."""
    lines: list[str] = []
    for n, p in enumerate(profile.projects[:MAX_PROJECTS], 1):
        about = "; ".join(
            part for part in (p.period and _clip(p.period), p.role and f"role: {_clip(p.role)}") if part
        )
        lines.append(f"Project {n}: {_clip(p.title)}" + (f" ({about})" if about else ""))
        lines += [f"- claim: {_clip(c.text)}" for c in p.claims[:MAX_CLAIMS]]
        if p.technologies:
            stack = ", ".join(t.removeprefix("stack/") for t in p.technologies[:MAX_CLAIMS])
            lines.append(f"- stack: {_clip(stack)}")
    names = ", ".join(dict.fromkeys(t.name for t in profile.technologies))
    if names:
        lines.append(f"Technologies named: {_clip(names)}")
    for m in profile.moves[:MAX_MOVES]:
        move = f"from {_clip(m.from_org)} to {_clip(m.to_org)}" if m.from_org else f"to {_clip(m.to_org)}"
        move += f" as {_clip(m.role)}" if m.role else ""
        move += f" in {_clip(m.when)}" if m.when else ""
        lines.append(f"Career move: {move}")
    return "\n".join(lines)


def prompt_hash() -> str:
    """The version of what the model is told: the interviewer persona and this task."""
    both = prompts.load("interviewer").hash + prompts.load(PROMPT).hash
    return hashlib.sha256(both.encode()).hexdigest()[:12]


def messages(block: str, lang: Lang, count: int) -> list[dict[str, str]]:
    language = _LANGUAGE[lang]
    system = prompts.load("interviewer").render(language=language)
    system += "\n\n" + prompts.load(PROMPT).render(language=language, count=count)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"{_OPEN}\n{block}\n{_CLOSE}"},
    ]


def cache_key(block: str, settings: Settings, lang: Lang, count: int) -> str:
    parts = [CACHE_VERSION, block, settings.resolved_model(), server_key(settings.base_url)]
    parts += [prompt_hash(), lang, count]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]


def _cache_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"profile-questions-{key}.json"


def _read_cache(path: Path, checks: Checks) -> list[Question] | None:
    try:
        data = json.loads(read_file(path, SMALL_LIMIT))
    except (FileProblem, ValueError, RecursionError):
        return None  # missing or spoilt: ask again
    if not isinstance(data, list) or not all(isinstance(q, dict) for q in data):
        return None
    return checks.cached(data)


def _write_cache(path: Path, questions: list[Question]) -> None:
    data = json.dumps([q.model_dump(mode="json") for q in questions], ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data.encode())
    except OSError:
        pass  # the cache saves a request next time; the interview does not depend on it


def _bank_texts(bank: Bank) -> set[str]:
    return {_norm(q.text(lang)) for q in bank.questions.values() for lang in LANGS}


async def model_questions(
    profile: Profile, bank: Bank, lang: Lang, settings: Settings, count: int, cache_dir: Path | None
) -> list[Question] | None:
    """Up to `count` project questions about this candidate's projects, written by the configured model and
    none a copy of a question of the session's `bank`; None when the model is not configured or gave nothing
    usable, so the offline questions stand in."""
    count = min(count, MAX_COUNT)
    if count < 1 or not profile.projects or settings.resolved_provider() != "openai":
        return None
    try:
        return await _generate(profile, bank, lang, settings, count, cache_dir)
    except Exception:  # any fault here only means that the offline questions are used
        return None


async def _generate(
    profile: Profile, bank: Bank, lang: Lang, settings: Settings, count: int, cache_dir: Path | None
) -> list[Question] | None:
    # Here, not at the top: the model client loads only when a model is configured (as in wiring).
    from ..llm.openai import OpenAIBackend, StepFailed
    from ..wiring import make_backend

    block = profile_block(profile)
    key = cache_key(block, settings, lang, count)
    checks = Checks(lang, count, _bank_texts(bank))
    path = _cache_file(cache_dir, key) if cache_dir is not None else None
    if path is not None and (hit := _read_cache(path, checks)):
        return hit
    backend = make_backend(settings, f"profile-{key[:16]}")
    if not isinstance(backend, OpenAIBackend):
        return None

    def validate(data: Any) -> list[Question]:
        return QuestionsOut.model_validate(data, context={"checks": checks}).kept()

    try:
        call = backend.structured(
            messages(block, lang, count), QuestionsOut, validate, TOKENS_PER_QUESTION * count
        )
        questions, _ = await asyncio.wait_for(call, settings.wait_s)
    except (StepFailed, TimeoutError):
        return None
    finally:
        await backend.close()
    if path is not None:
        _write_cache(path, questions)
    return questions
