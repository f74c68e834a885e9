"""Session reports: a documented JSON interface and a Markdown rendering of the same data."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pydantic import BaseModel, Field

from .domain import REVIEW_TRACK, CallRecord, Lang, QuestionRecord, Transcript, Usage
from .phrases import Phrases, pick, say
from .settings import Price
from .untrusted import for_markdown, markdown_line

# 2: tokens may be null (unknown), per-question graded_by and follow_ups_by; 3: a retried question's
# earlier attempts and what changed since the last one
REPORT_VERSION = 3


class Provenance(BaseModel):
    """Which backend did a step of one question: the model, or the offline backend."""

    provider: str = Field(description="openai (any OpenAI-compatible server) or offline")
    model: str | None = Field(
        default=None, description="the model that did the step, or that failed when offline stood in"
    )
    fallback: bool = Field(default=False, description="the model failed and the offline backend stood in")
    faults: list[str] = Field(default_factory=list, description="what went wrong with the model, by kind")

    @property
    def by_model(self) -> bool:
        return self.provider != "offline"


class ReportTurn(BaseModel):
    role: str
    kind: str
    text: str


class AttemptReport(BaseModel):
    """An earlier graded attempt at the question, from the session it was answered in."""

    session_id: str
    created_at: datetime = Field(description="when that session started")
    overall: float
    criteria: dict[str, int] = Field(description="criterion id -> score 1..5")


class Changes(BaseModel):
    """Key points, by id with their text in the session language, compared with the last attempt."""

    newly_covered: dict[str, str] = Field(description="covered now, missed by the last attempt")
    no_longer_covered: dict[str, str] = Field(description="covered by the last attempt, missed now")


class QuestionReport(BaseModel):
    question_id: str
    category: str
    difficulty: int
    text: str
    status: str = Field(description="graded, or ended when the interview stopped before an answer")
    skipped: bool
    overall: float | None
    criteria: dict[str, int] = Field(description="criterion id -> score 1..5")
    criterion_names: dict[str, str] = Field(
        default_factory=dict, description="criterion id -> its name from the bank, in the session language"
    )
    evidence: dict[str, list[str]]
    follow_ups: int
    hints: int
    strengths: list[str]
    gaps: list[str]
    strong_answer: list[str] = Field(
        default_factory=list, description="what a strong answer says on the points this one did not cover"
    )
    notes: list[str]
    graded_by: Provenance | None = Field(description="who graded it; null when it was not graded")
    follow_ups_by: Provenance | None = Field(
        description="who decided the follow-ups (offline when it decided any); null when none was decided"
    )
    turns: list[ReportTurn]
    earlier: list[AttemptReport] = Field(
        default_factory=list, description="the earlier graded attempts this session retries, oldest first"
    )
    changes: Changes | None = Field(
        default=None, description="for a retried question once it is graded; null otherwise"
    )


class SessionReport(BaseModel):
    report_version: int = REPORT_VERSION
    session_id: str
    created_at: datetime
    finished: bool
    track: str
    lang: Lang
    provider: str = Field(description="the backend the session last ran with")
    model: str | None
    overall: float | None = Field(description="mean of the graded questions' overall scores, 1..5")
    usage: Usage = Field(
        description="model calls, prompt/cached/completion tokens (null: unknown), fallbacks"
    )
    cost_usd: float | None = Field(
        description="estimate from the config's price table, if it prices every model that was called"
    )
    questions: list[QuestionReport]


def estimate_cost(usage: Usage, price: Price | None) -> float | None:
    """US dollars from the config's price table for the tokens that were reported; None when the model
    has no price there or no call reported its tokens."""
    if price is None or not usage.calls or usage.prompt_tokens is None or usage.completion_tokens is None:
        return None
    cached = usage.cached_tokens or 0  # unknown cached tokens are priced in full: the estimate errs high
    cached_rate = price.cached_input if price.cached_input is not None else price.input
    dollars = (usage.prompt_tokens - cached) * price.input + cached * cached_rate
    return round((dollars + usage.completion_tokens * price.output) / 1_000_000, 6)


def session_cost(t: Transcript, prices: dict[str, Price]) -> float | None:
    """The estimate over every model the session called (a resumed session may have called two)."""
    by_model: dict[str | None, list[CallRecord]] = defaultdict(list)
    for r in t.records:
        for c in r.calls:
            by_model[c.model].append(c)
    costs = [estimate_cost(Usage.of(calls), prices.get(m or "")) for m, calls in by_model.items()]
    if not costs or None in costs:
        return None
    return round(sum(c for c in costs if c is not None), 6)


def graded_by(r: QuestionRecord) -> Provenance | None:
    """From the record's calls: the last grade call (a re-grade replaces them); none at all is offline."""
    if r.feedback is None:
        return None
    grades = [c for c in r.calls if c.step == "grade"]
    if not grades:
        return Provenance(provider="offline")
    last = grades[-1]
    if last.fallback:
        return Provenance(provider="offline", model=last.model, fallback=True, faults=_kinds(last.faults))
    return Provenance(provider=last.provider, model=last.model)


def follow_ups_by(r: QuestionRecord) -> Provenance | None:
    """Who decided the question's follow-ups: the model only when it decided every one of them."""
    if not r.decisions:
        return None
    calls = [c for c in r.calls if c.step == "follow_up"]
    failed = [c for c in calls if c.fallback]
    if failed:
        faults = _kinds([f for c in failed for f in c.faults])
        return Provenance(provider="offline", model=failed[-1].model, fallback=True, faults=faults)
    if len(calls) < len(r.decisions):  # decided with no call: by the offline backend itself
        return Provenance(provider="offline")
    return Provenance(provider=calls[-1].provider, model=calls[-1].model)


def _kinds(faults: list[str]) -> list[str]:
    return list(dict.fromkeys(f.split(":")[0] for f in faults))


def build_report(t: Transcript, prices: dict[str, Price] | None = None) -> SessionReport:
    lang = t.plan.lang
    usage = t.usage()
    return SessionReport(
        session_id=t.session_id,
        created_at=t.created_at,
        finished=t.finished,
        track=t.plan.shown_track,
        lang=lang,
        provider=t.provider,
        model=t.model,
        overall=t.overall,
        usage=usage,
        cost_usd=session_cost(t, prices or {}),
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
        criterion_names={c.id: c.name(lang) for c in r.question.rubric},
        evidence={c.criterion_id: c.evidence for c in fb.criteria} if fb else {},
        follow_ups=r.follow_ups_asked,
        hints=r.hints,
        strengths=fb.strengths if fb else [],
        gaps=fb.gaps if fb else [],
        strong_answer=[m.what_strong_answers_say for m in fb.missed] if fb else [],
        notes=fb.notes if fb else [],
        graded_by=graded_by(r),
        follow_ups_by=follow_ups_by(r),
        turns=[ReportTurn(role=t.role, kind=t.kind, text=t.text) for t in r.turns],
        earlier=[
            AttemptReport(
                session_id=a.session_id,
                created_at=a.created_at,
                overall=a.feedback.overall,
                criteria={c.criterion_id: c.score for c in a.feedback.criteria},
            )
            for a in r.earlier
        ],
        changes=_changes(r, lang),
    )


def _changes(r: QuestionRecord, lang: Lang) -> Changes | None:
    """Against the last earlier attempt; only for a graded question, whose key points may then be named."""
    if r.feedback is None or not r.earlier:
        return None
    now, last = set(r.covered()), r.earlier[-1]
    known = {k.id: k.text(lang) for k in r.question.key_points}
    # A point the bank has dropped since the last attempt has no text here: it shows by its id.
    return Changes(
        newly_covered={k: known[k] for k in r.covered() if k in last.missed},
        no_longer_covered={k: known.get(k, k) for k in last.covered if k not in now},
    )


_LABELS: Phrases = {
    "title": ("면접 리포트", "Interview report"),
    "overall": ("종합 점수", "Overall"),
    "unfinished": ("(진행 중)", "(unfinished)"),
    "not_graded": ("채점 전 종료", "ended before an answer"),
    "not_graded_yet": ("답변함, 아직 채점 전", "answered, not graded yet"),
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
    "setup": ("트랙: {track} · 언어: {language}", "track: {track} · lang: {language}"),
    REVIEW_TRACK: ("복습", "review"),
    "provider": ("백엔드: {who}", "provider: {who}"),
    "graded_by": ("채점: {who}", "graded by: {who}"),
    "follow_ups_by": ("꼬리질문 결정: {who}", "follow-ups decided by: {who}"),
    "offline": ("offline", "offline"),  # the provider's name, as --provider spells it
    "stood_in": ("offline ({model} 실패로 대체)", "offline, after {model} failed"),
    "group": ("{who} {numbers}번", "{who} for {questions} {numbers}"),
    "question": ("", "question"),
    "questions": ("", "questions"),
    "tokens": (
        "토큰: 프롬프트 {prompt} (캐시 {cached}), 응답 {completion}{partial} · "
        "호출 {calls}회, 오프라인 대체 {fallbacks}회",
        "tokens: {prompt} prompt ({cached} cached), {completion} completion{partial} · {calls} calls, "
        "{fallbacks} fell back to offline",
    ),
    "tokens_unknown": (
        "토큰: 알 수 없음 (서버가 보고하지 않음) · 호출 {calls}회, 오프라인 대체 {fallbacks}회",
        "tokens: unknown (the server did not report them) · {calls} calls, {fallbacks} fell back to offline",
    ),
    "unknown": ("알 수 없음", "unknown"),
    "unreported": (
        ", 호출 {calls}회 중 {unreported}회는 토큰 미보고",
        ", not reported by {unreported} of {calls} calls",
    ),
    "cost_partial": (" (토큰을 보고한 호출만)", " (for the calls that reported tokens)"),
    "table": ("| 기준 | 점수 | 근거 |", "| criterion | score | evidence |"),
    "attempts": ("이전 시도와 비교", "Compared with earlier attempts"),
    "attempt": ("{n}차 시도", "attempt {n}"),
    "this_attempt": ("{n}차 시도 (이번)", "attempt {n} (this session)"),
    "changed": ("지난 시도 이후 달라진 점", "What changed since the last attempt"),
    "newly_covered": ("이번에 다룸 (지난번엔 빠짐)", "Covered now, missed last time"),
    "no_longer_covered": ("이번에 빠짐 (지난번엔 다룸)", "Missed now, covered last time"),
    "same_points": ("다룬 핵심 포인트는 지난번과 같습니다.", "Same key points covered as last time."),
    "bar": (
        "토큰 입력 {prompt} / 출력 {completion}{partial}",
        "tokens {prompt} in / {completion} out{partial}",
    ),
    "bar_partial": (" (+{n}회 호출 미보고)", " (+{n} call{s} unknown)"),
    "bar_unknown": ("토큰 알 수 없음", "tokens unknown"),
}


def _l(key: str, lang: Lang, **values: object) -> str:
    return pick(_LABELS, key, lang, **values)


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} / 5"


def count(value: int | None, lang: Lang = "en") -> str:
    return _l("unknown", lang) if value is None else f"{value:,}"


def tokens_in_out(u: Usage, lang: Lang = "en") -> str:
    """The short token line of the TUI's status bars."""
    n = u.unreported
    if u.prompt_tokens is None and u.completion_tokens is None:
        return _l("bar_unknown", lang)
    partial = _l("bar_partial", lang, n=n, s="s" if n > 1 else "") if 0 < n < u.calls else ""
    prompt, completion = count(u.prompt_tokens, lang), count(u.completion_tokens, lang)
    return _l("bar", lang, prompt=prompt, completion=completion, partial=partial)


def _tokens(report: SessionReport) -> str:
    u, lang = report.usage, report.lang
    if u.prompt_tokens is None and u.completion_tokens is None:
        line = _l("tokens_unknown", lang, calls=u.calls, fallbacks=u.fallbacks)
    else:
        partial = _l("unreported", lang, unreported=u.unreported, calls=u.calls) if u.unreported else ""
        line = _l(
            "tokens",
            lang,
            prompt=count(u.prompt_tokens, lang),
            cached=count(u.cached_tokens, lang),
            completion=count(u.completion_tokens, lang),
            partial=partial,
            calls=u.calls,
            fallbacks=u.fallbacks,
        )
    if report.cost_usd is not None:
        line += f" · ≈ ${report.cost_usd:.4f}" + (_l("cost_partial", lang) if u.unreported else "")
    return line


def _who(p: Provenance, lang: Lang, why: bool = False) -> str:
    if p.by_model:
        return markdown_line(p.provider) + (f" ({markdown_line(p.model)})" if p.model else "")
    if not p.fallback:
        return _l("offline", lang)
    text = _l("stood_in", lang, model=markdown_line(p.model or "model"))
    # The last fault is what made the step fall back; the JSON report lists them all.
    return text + (f" ({markdown_line(p.faults[-1])})" if why and p.faults else "")


def _ranges(numbers: list[int]) -> str:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _summary(steps: list[tuple[int, Provenance]], lang: Lang) -> str:
    """Who did a step, by question: "openai (m) for questions 1–2; offline for questions 3–5"."""
    groups: dict[str, list[int]] = defaultdict(list)
    for number, p in steps:
        groups[_who(p, lang)].append(number)
    if len(groups) == 1:
        return next(iter(groups))
    return "; ".join(
        _l(
            "group",
            lang,
            who=who,
            numbers=_ranges(ns),
            questions=_l("questions" if len(ns) > 1 else "question", lang),
        )
        for who, ns in groups.items()
    )


def _backends(report: SessionReport) -> tuple[list[str], bool]:
    """The header's lines on who asked and graded, and whether one backend did everything (then the
    questions do not repeat it)."""
    lang = report.lang
    numbered = list(enumerate(report.questions, 1))
    graded = [(i, q.graded_by) for i, q in numbered if q.graded_by is not None]
    decided = [(i, q.follow_ups_by) for i, q in numbered if q.follow_ups_by is not None]
    everyone = {_who(p, lang) for _, p in graded + decided}
    if len(everyone) <= 1 and not any(p.fallback for _, p in graded + decided):
        who = (
            everyone.pop()
            if everyone
            else _who(Provenance(provider=report.provider, model=report.model), lang)
        )
        return [_l("provider", lang, who=who)], True
    lines = [_l("graded_by", lang, who=_summary(graded, lang))] if graded else []
    if decided:
        lines.append(_l("follow_ups_by", lang, who=_summary(decided, lang)))
    return lines, False


def to_markdown(report: SessionReport, conversation: bool = True) -> str:
    lang = report.lang
    backends, uniform = _backends(report)
    setup = _l(
        "setup",
        lang,
        track=_l(REVIEW_TRACK, lang) if report.track == REVIEW_TRACK else report.track,
        language=lang,
    )
    lines = [
        f"# {_l('title', lang)} — {markdown_line(report.session_id)}"
        + ("" if report.finished else f" {_l('unfinished', lang)}"),
        "",
        *([f"- {setup} · {backends[0]}"] if uniform else [f"- {setup}", *(f"- {b}" for b in backends)]),
        f"- {_l('overall', lang)}: **{_score(report.overall)}**",
    ]
    if report.usage.calls:
        lines.append(f"- {_tokens(report)}")
    lines.append("")
    for i, q in enumerate(report.questions, 1):
        # An answered question waits for its grade (in the background, or on resume): not unanswered.
        pending = "not_graded_yet" if q.status == "answered" else "not_graded"
        score = _score(q.overall) if q.overall else _l(pending, lang)
        lines.append(f"## {i}. {markdown_line(q.question_id)} — {score}")
        extra = f" · {_l('skipped', lang)}" if q.skipped else ""
        if not uniform and q.graded_by is not None:
            extra += f" · {_l('graded_by', lang, who=_who(q.graded_by, lang, why=True))}"
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
                # The bank's name in the session language; the id when a model graded a criterion not in it.
                name = q.criterion_names.get(cid, cid)
                lines.append(f"| {markdown_line(name)} | {bar} | {quote} |")
            lines.append("")
        lines += _attempts(q, lang)
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
                lines.append(f"**{who}** ({say('kind_' + t.kind, lang)}): {text}\n")
            lines += ["</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return f"“{markdown_line(text[:157])}…”" if len(text) > 160 else f"“{markdown_line(text)}”"


def _attempts(q: QuestionReport, lang: Lang) -> list[str]:
    """A retried question's attempts side by side, one column each, oldest first, then what changed."""
    if not q.earlier:
        return []
    n = len(q.earlier) + 1
    heads = [
        f"{_l('attempt', lang, n=i)} · {a.created_at:%Y-%m-%d %H:%M} · {markdown_line(a.session_id)}"
        for i, a in enumerate(q.earlier, 1)
    ]
    heads.append(_l("this_attempt", lang, n=n))
    scores = [a.criteria for a in q.earlier] + [q.criteria]
    # The question's own criteria first, in the bank's order; any other an attempt was graded on after.
    cids = list(dict.fromkeys([*q.criterion_names, *(c for each in scores for c in each)]))

    def row(name: str, cells: list[str]) -> str:
        return f"| {name} | " + " | ".join(cells) + " |"

    overall = [f"{a.overall:.2f}" for a in q.earlier] + [f"{q.overall:.2f}" if q.overall else "–"]
    lines = [
        f"**{_l('attempts', lang)}**",
        "",
        row("", heads),
        row("---", ["---"] * n),
        row(f"**{_l('overall', lang)}**", overall),
    ]
    for cid in cids:
        cells = [str(each[cid]) if cid in each else "–" for each in scores]
        lines.append(row(markdown_line(q.criterion_names.get(cid, cid)), cells))
    lines.append("")
    if q.changes is not None:
        lines.append(f"**{_l('changed', lang)}**")
        for key in ("newly_covered", "no_longer_covered"):
            points: dict[str, str] = getattr(q.changes, key)
            if points:
                lines.append(f"- {_l(key, lang)}:")
                lines += [f"  - {markdown_line(text)}" for text in points.values()]
        if not q.changes.newly_covered and not q.changes.no_longer_covered:
            lines.append(f"- {_l('same_points', lang)}")
        lines.append("")
    return lines
