"""Session reports: a documented JSON interface and a Markdown rendering of the same data."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from .domain import Lang, QuestionRecord, Transcript
from .phrases import Phrases, pick
from .settings import Price
from .untrusted import for_markdown, markdown_line

REPORT_VERSION = 1


class ReportTurn(BaseModel):
    role: str
    kind: str
    text: str


class QuestionReport(BaseModel):
    question_id: str
    category: str
    difficulty: int
    text: str
    status: str = Field(description="graded, or ended when the interview stopped before an answer")
    skipped: bool
    overall: float | None
    criteria: dict[str, int] = Field(description="criterion id -> score 1..5")
    evidence: dict[str, list[str]]
    follow_ups: int
    hints: int
    strengths: list[str]
    gaps: list[str]
    strong_answer: list[str] = Field(
        default_factory=list, description="what a strong answer says on the points this one did not cover"
    )
    notes: list[str]
    turns: list[ReportTurn]


class SessionReport(BaseModel):
    report_version: int = REPORT_VERSION
    session_id: str
    created_at: datetime
    finished: bool
    track: str
    lang: Lang
    provider: str
    model: str | None
    overall: float | None = Field(description="mean of the graded questions' overall scores, 1..5")
    usage: dict[str, int] = Field(description="model calls, prompt/cached/completion tokens, fallbacks")
    cost_usd: float | None = Field(
        description="estimate from the config's price table, if it prices the model"
    )
    questions: list[QuestionReport]


def estimate_cost(usage: dict[str, int], price: Price | None) -> float | None:
    """US dollars from the config's price table; None when the model has no price there."""
    if price is None or not usage.get("calls"):
        return None
    cached = usage["cached_tokens"]
    cached_rate = price.cached_input if price.cached_input is not None else price.input
    dollars = (usage["prompt_tokens"] - cached) * price.input + cached * cached_rate
    return round((dollars + usage["completion_tokens"] * price.output) / 1_000_000, 6)


def build_report(t: Transcript, prices: dict[str, Price] | None = None) -> SessionReport:
    lang = t.plan.lang
    usage = t.usage()
    return SessionReport(
        session_id=t.session_id,
        created_at=t.created_at,
        finished=t.finished,
        track=t.plan.track,
        lang=lang,
        provider=t.provider,
        model=t.model,
        overall=t.overall,
        usage=usage,
        cost_usd=estimate_cost(usage, (prices or {}).get(t.model or "")),
        questions=[_question(r, lang) for r in t.records if r.turns],
    )


def _question(r: QuestionRecord, lang: Lang) -> QuestionReport:
    fb = r.feedback
    return QuestionReport(
        question_id=r.question.id,
        category=r.question.category,
        difficulty=r.question.difficulty,
        text=r.question.text(lang),
        status=r.status,
        skipped=r.skipped,
        overall=fb.overall if fb else None,
        criteria={c.criterion_id: c.score for c in fb.criteria} if fb else {},
        evidence={c.criterion_id: c.evidence for c in fb.criteria} if fb else {},
        follow_ups=r.follow_ups_asked,
        hints=r.hints,
        strengths=fb.strengths if fb else [],
        gaps=fb.gaps if fb else [],
        strong_answer=[m.what_strong_answers_say for m in fb.missed] if fb else [],
        notes=fb.notes if fb else [],
        turns=[ReportTurn(role=t.role, kind=t.kind, text=t.text) for t in r.turns],
    )


_LABELS: Phrases = {
    "title": ("면접 리포트", "Interview report"),
    "overall": ("종합 점수", "Overall"),
    "unfinished": ("(진행 중)", "(unfinished)"),
    "not_graded": ("채점 전 종료", "ended before an answer"),
    "strengths": ("잘한 점", "Strengths"),
    "gaps": ("보완할 점", "Gaps"),
    "strong_answer": ("좋은 답변이 다루는 내용", "What a strong answer covers"),
    "notes": ("메모", "Notes"),
    "conversation": ("대화", "Conversation"),
    "interviewer": ("면접관", "Interviewer"),
    "candidate": ("지원자", "Candidate"),
    "follow_ups": ("꼬리질문", "follow-ups"),
    "difficulty": ("난이도", "difficulty"),
    "skipped": ("건너뜀", "skipped"),
    "idk": ("(모르겠다고 답함)", "(said they don't know)"),
    "skip": ("(건너뜀)", "(skipped)"),
    "empty": ("(답변 없음)", "(no answer)"),
    "setup": (
        "트랙: {track} · 언어: {language} · 백엔드: {provider}",
        "track: {track} · lang: {language} · provider: {provider}",
    ),
    "tokens": (
        "토큰: 프롬프트 {prompt:,} (캐시 {cached:,}), 응답 {completion:,} · "
        "호출 {calls}회, 오프라인 대체 {fallbacks}회",
        "tokens: {prompt:,} prompt ({cached:,} cached), {completion:,} completion · {calls} calls, "
        "{fallbacks} fell back to offline",
    ),
    "table": ("| 기준 | 점수 | 근거 |", "| criterion | score | evidence |"),
}


def _l(key: str, lang: Lang, **values: object) -> str:
    return pick(_LABELS, key, lang, **values)


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} / 5"


def to_markdown(report: SessionReport, conversation: bool = True) -> str:
    lang = report.lang
    provider = markdown_line(report.provider)
    lines = [
        f"# {_l('title', lang)} — {markdown_line(report.session_id)}"
        + ("" if report.finished else f" {_l('unfinished', lang)}"),
        "",
        f"- {_l('setup', lang, track=report.track, language=lang, provider=provider)}"
        + (f" ({markdown_line(report.model)})" if report.model else ""),
        f"- {_l('overall', lang)}: **{_score(report.overall)}**",
    ]
    u = report.usage
    if u.get("calls"):
        tokens = _l(
            "tokens",
            lang,
            prompt=u["prompt_tokens"],
            cached=u["cached_tokens"],
            completion=u["completion_tokens"],
            calls=u["calls"],
            fallbacks=u["fallbacks"],
        )
        lines.append(f"- {tokens}" + (f" · ≈ ${report.cost_usd:.4f}" if report.cost_usd is not None else ""))
    lines.append("")
    for i, q in enumerate(report.questions, 1):
        score = _score(q.overall) if q.overall else _l("not_graded", lang)
        lines.append(f"## {i}. {markdown_line(q.question_id)} — {score}")
        extra = f" · {_l('skipped', lang)}" if q.skipped else ""
        lines += [
            "",
            "\n".join(f"> {line}" for line in for_markdown(q.text).split("\n")),
            "",
            f"{markdown_line(q.category)} · {_l('difficulty', lang)} {q.difficulty} · "
            f"{_l('follow_ups', lang)}: {q.follow_ups}{extra}",
            "",
        ]
        if q.criteria:
            lines += [_l("table", lang), "|---|---|---|"]
            for cid, points in q.criteria.items():
                quote = " / ".join(_cell(e) for e in q.evidence.get(cid, []))
                bar = f"{'■' * points}{'□' * (5 - points)} {points}"
                lines.append(f"| {markdown_line(cid)} | {bar} | {quote} |")
            lines.append("")
        sections = (
            ("strengths", q.strengths),
            ("gaps", q.gaps),
            ("strong_answer", q.strong_answer),
            ("notes", q.notes),
        )
        for key, items in sections:
            if items:
                lines.append(f"**{_l(key, lang)}**")
                # Continuation lines indented, so a blank line in an item does not end the list.
                lines += ["- " + for_markdown(item).replace("\n", "\n  ") for item in items]
                lines.append("")
        if conversation:
            lines.append(f"<details><summary>{_l('conversation', lang)}</summary>\n")
            for t in q.turns:
                who = _l(t.role, lang)
                text = for_markdown(t.text) or _l(t.kind if t.kind in ("idk", "skip") else "empty", lang)
                lines.append(f"**{who}** ({t.kind}): {text}\n")
            lines += ["</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return f"“{markdown_line(text[:157])}…”" if len(text) > 160 else f"“{markdown_line(text)}”"
