"""What a review drill shows once a card is graded: how the point fared, and what a strong answer says."""

from __future__ import annotations

from ..domain import Lang, PointStatus, QuestionRecord, Transcript
from ..phrases import Phrases, pick
from ..textfmt import clip

QUOTE = 160  # display columns of the candidate's words shown with a card

TEXT: Phrases = {
    "explained": ("✓ 설명함", "✓ Explained"),
    "deepened": ("✓ 설명하고 한 단계 더 들어감", "✓ Explained, and went one level deeper"),
    "mentioned": ("△ 언급만 함: 왜, 어떻게까지 설명해 보세요", "△ Only mentioned: say why and how, too"),
    "missing": ("✗ 이 포인트가 답변에 없었습니다", "✗ The point was not in the answer"),
    "wrong": ('✗ 틀린 주장: "{quote}"', '✗ A wrong claim: "{quote}"'),
    "strong": ("좋은 답변은: {text}", "A strong answer says: {text}"),
    "last_words": ('지난번 답변: "{quote}"', 'Last time you said: "{quote}"'),
    "header": ("복습", "review"),
    "summary": (
        "복습한 카드 {n}개: ✓ {good} · △ {half} · ✗ {bad}",
        "Reviewed {n} card(s): ✓ {good} explained · △ {half} only mentioned · ✗ {bad} missing or wrong",
    ),
}


def verdict_lines(record: QuestionRecord, lang: Lang) -> list[str]:
    """Empty until the record is graded. The drill's question holds one key point, so one verdict."""
    if record.feedback is None:
        return []
    lines = []
    for outcome in record.points[:1]:
        status: PointStatus = outcome.status
        if status == "wrong":
            lines.append(pick(TEXT, "wrong", lang, quote=clip(outcome.quote or "", QUOTE)))
        elif status == "explained" and outcome.deepened:
            lines.append(pick(TEXT, "deepened", lang))
        else:
            lines.append(pick(TEXT, status, lang))
    if not record.points:  # skipped, or no answer: nothing was judged
        lines.append(pick(TEXT, "missing", lang))
    lines.append(pick(TEXT, "strong", lang, text=record.question.model_answer(lang)))
    return lines


def summary(transcript: Transcript, lang: Lang) -> str:
    """One line at the end of a drill: how the cards went."""
    statuses = [r.points[0].status for r in transcript.records if r.points]
    good = sum(1 for s in statuses if s == "explained")
    half = sum(1 for s in statuses if s == "mentioned")
    return pick(TEXT, "summary", lang, n=len(statuses), good=good, half=half, bad=len(statuses) - good - half)
