"""What the interviewer itself says, in both languages."""

from __future__ import annotations

from .domain import Lang

Phrases = dict[str, tuple[str, str]]  # key -> (Korean, English)

_PHRASES: Phrases = {
    "empty_retry": (
        "답변이 비어 있습니다. 생각나는 대로 말씀해 주시거나, 건너뛰려면 skip을 선택하세요.",
        "Your answer is empty. Say whatever comes to mind, or choose skip to move on.",
    ),
    "fewer_questions": (
        "이 조건(트랙, 카테고리, 난이도)에 맞는 질문이 {found}개뿐이라 "
        "{asked}개가 아닌 {found}개로 진행합니다.",
        "Only {found} questions match this plan (track, categories, difficulty), "
        "so this interview has {found}, not {asked}.",
    ),
    "no_answer": ("답변 없이 다음으로 넘어갑니다.", "No answer recorded; moving on."),
    "truncated": (
        "답변이 {limit:,}자를 넘어 채점에는 앞부분만 사용합니다. 전체 답변은 기록에 그대로 남습니다.",
        "Your answer is over {limit:,} characters; only the first part is graded. "
        "The whole answer is kept in the transcript.",
    ),
    "reason_aloud": (
        "괜찮습니다. 모든 것을 알 수는 없죠. "
        "알고 있는 것에서 출발해 추론해 보면 어떻게 생각하시나요? {nudge}",
        "That's fine, nobody knows everything. Starting from what you do know, what would you infer? {nudge}",
    ),
    "reason_aloud_plain": (
        "괜찮습니다. 모든 것을 알 수는 없죠. 알고 있는 것에서 출발해 추론해 보면 어떻게 생각하시나요?",
        "That's fine, nobody knows everything. Starting from what you do know, what would you infer?",
    ),
    "hint": ("힌트: {text}", "Hint: {text}"),
    "hint_angle": (
        "구체적인 예를 하나 떠올리고, 그 상황에서 무슨 일이 일어나는지 단계별로 따라가 보세요.",
        "Pick one concrete example and walk through what happens in it, step by step.",
    ),
    "no_more_hints": (
        "더 드릴 힌트가 없습니다. 지금까지 떠오른 내용을 정리해 답해 보세요.",
        "No more hints for this question. Try to put together what you have so far.",
    ),
    "saved_failed": (
        "기록을 저장하지 못했습니다 ({reason}). "
        "답변은 메모리에 보관 중이며 다음 턴에 다시 저장을 시도합니다.",
        "Could not save the transcript ({reason}). "
        "Your answers are kept in memory; saving is retried next turn.",
    ),
    "fault_fallback": (
        "모델 응답 문제({faults})로 이 단계({step})는 오프라인 백엔드가 대신했습니다. 면접은 계속됩니다.",
        "The model failed ({faults}) at the {step} step; the offline backend stood in. "
        "The interview goes on.",
    ),
    "waited_out": (
        "모델이 {limit}초 안에 답하지 않아 이 단계({step})는 오프라인 면접관이 대신했습니다.",
        "The model did not answer within {limit} s, so the offline interviewer took the {step} step.",
    ),
    "handed_over": (
        "요청하신 대로 이 단계({step})는 오프라인 면접관이 대신했습니다.",
        "As you asked, the offline interviewer took the {step} step.",
    ),
    # The step a notice names ({step} above): the transcript's step ids are not words to show.
    "step_grade": ("채점", "grading"),
    "step_follow_up": ("꼬리질문", "follow-up"),
    "fault_recovered": (
        "모델 응답 문제({faults})가 있었지만 다시 요청해 해결했습니다.",
        "The model's output had problems ({faults}); asking again fixed them.",
    ),
    # Feedback: strengths quote the candidate; the bank's wording appears only under what a strong
    # answer covers, never as something the candidate said.
    "strength": ('{name} — 이렇게 설명했습니다: "{quote}"', '{name} — you explained it: "{quote}"'),
    "gap_missing": (
        "{name} — 핵심 포인트 {total}개 중 {n}개를 다루지 않았습니다",
        "{name} — {n} of {total} key points not covered",
    ),
    "gap_mentioned": (
        '{name} — 언급했지만 설명은 없었습니다: "{quote}"',
        '{name} — touched on but not explained: "{quote}"',
    ),
    "gap_wrong": ('"{quote}"라고 했지만, 실제로는 {correction}', 'You said "{quote}"; in fact, {correction}'),
    "depth_explained": ("설명함", "explained"),
    "depth_mentioned": ("언급만 함", "mentioned only"),
    "how_term": ('{depth}(용어 일치) "{quote}".', '{depth} (exact term) "{quote}".'),
    "how_meaning": ('{depth}(의미로 판단) "{quote}".', '{depth} (judged by meaning) "{quote}".'),
    "how_specifics": ('{depth}(구체적 근거) "{quote}".', '{depth} (concrete evidence) "{quote}".'),
    "how_wrong": ('틀린 주장 "{quote}".', 'wrong claim "{quote}".'),
    "how_missing": ("다루지 않음.", "not covered."),
    "how_generic": (
        "수치·전후 비교·기준 비교가 없어 최대 2점입니다.",
        "No numbers, before/after or comparison, so at most 2.",
    ),
    "note_directive": (
        "답변에 채점자에게 보내는 지시가 들어 있었습니다. 해당 지시는 무시했습니다.",
        "This answer contains instructions to the grader; they were ignored.",
    ),
    "note_hints": ("힌트를 {n}번 사용했습니다.", "You used {n} hint(s)."),
    "note_reasoned": (
        "모른다고 한 뒤 추론을 이어갔고, 추론으로 도달한 내용은 점수에 반영했습니다.",
        "You reasoned aloud after saying you didn't know; the points you reached count.",
    ),
    "note_reasoned_short": (
        "모른다고 한 뒤에도 대화를 이어간 점은 좋습니다. 다만 추론이 핵심 내용까지 이어지지는 못했습니다.",
        "Good that you kept reasoning after saying you didn't know, though it did not reach the key points.",
    ),
    "note_generic": (
        "구체적인 근거(수치, 전후 비교, 베이스라인이나 A/B 테스트)가 없어 "
        "각 기준을 최대 2점으로 채점했습니다.",
        "No concrete evidence (numbers, before and after, a baseline or an A/B test), so each criterion "
        "is capped at 2.",
    ),
    "note_signals_skipped": (
        "의미 기반 채점을 실행하지 못해 용어 일치로만 채점했습니다.",
        "Meaning-based grading could not run here; only exact terms were matched.",
    ),
    "note_skipped": ("이 질문은 건너뛰었습니다.", "You skipped this question."),
    "note_no_answer": ("답변이 없었습니다.", "There was no answer."),
    "reason_wrong": ('틀린 주장에 대해 되묻기: "{quote}"', 'challenging a wrong claim: "{quote}"'),
    "reason_missing": ("'{text}' 내용이 답변에 없음", "the answer does not cover: {text}"),
    "reason_deepen": ("'{text}'를 언급했으므로 한 단계 더 질문", "covered '{text}'; going one level deeper"),
    "reason_done": ("더 물어볼 핵심 포인트가 없음", "no key point left to probe"),
    "reason_no_answer": ("답변이 없어 다음 질문으로", "no answer; moving on"),
    # A turn's kind in a report's conversation and a replay; in English, the transcript's own name for it.
    "kind_question": ("질문", "question"),
    "kind_follow_up": ("꼬리질문", "follow_up"),
    "kind_deepen": ("심화 질문", "deepen"),
    "kind_hint": ("힌트", "hint"),
    "kind_reason_aloud": ("추론 유도", "reason_aloud"),
    "kind_answer": ("답변", "answer"),
    "kind_idk": ("모르겠음", "idk"),
    "kind_skip": ("건너뜀", "skip"),
    # Why this follow-up (why.py): the point is named by its criterion, never by what it says.
    "why_missing": (
        "묻는 부분: {point} — 지금까지의 답변에서 다루지 않았거나 짧게만 언급한 내용이라 "
        "이 꼬리질문을 골랐습니다.",
        "It probes: {point}. Chosen because your answers so far have not covered it, or only touched on it.",
    ),
    "why_deepen": (
        "묻는 부분: {point} — 답변에서 이미 다룬 내용이라, "
        "얼마나 깊이 이해하는지 보려고 한 단계 더 묻습니다.",
        "It probes: {point}. You covered it, "
        "so this goes one level deeper to see how well you understand it.",
    ),
    "why_wrong": (
        "묻는 부분: {point} — 답변 속 주장 하나가 흔한 오해와 겹쳐서, "
        "그 주장을 스스로 검증해 보도록 묻습니다.",
        "It probes: {point}. A claim in your answer matches a common misconception, "
        "so this asks you to test it.",
    ),
    "why_claim": ('해당 주장: "{quote}"', 'The claim: "{quote}"'),
    "why_reason_aloud": (
        "모르겠다고 하셔서, 알고 있는 것에서 출발해 추론해 보도록 권하는 질문입니다.",
        "You said you did not know, so this invites you to reason from what you do know.",
    ),
    "why_point_unknown": ("이 질문의 핵심 포인트 중 하나", "one of this question's key points"),
    "why_seed": (
        "지금은 본 질문입니다. 아직 설명할 꼬리질문이 없습니다.",
        "This is the main question; there is no follow-up to explain yet.",
    ),
    "why_none": (
        "지금 답하고 있는 꼬리질문이 없어 설명할 것이 없습니다.",
        "There is no follow-up being answered now, so there is nothing to explain.",
    ),
}


def pick(table: Phrases, key: str, lang: Lang, **values: object) -> str:
    """The `lang` side of `table[key]`, with `values` filled in; every front end's labels go through here."""
    ko, en = table[key]
    return (ko if lang == "ko" else en).format(**values)


def say(key: str, lang: Lang, **values: object) -> str:
    return pick(_PHRASES, key, lang, **values)
