"""A project round from a profile, with no model: questions in the candidate's own words, graded like the
bank's project and behavioral questions, then the bank's stack questions for the technologies named.

A generated question is a copy of a bank question (`project/business-impact` for a project,
`behavioral/career-storyline` for the storyline) with a new id and a prompt that quotes the profile: the
rubric, key points and model answer stay the bank's, so specifics, own role and measured impact are judged
as for any project question. Profile text goes into a prompt only as short quoted words on one line."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from ..bank import Bank
from ..domain import SOURCE_LIMIT, Bilingual, Lang, Question
from ..untrusted import one_line
from .model import CareerMove, Claim, Profile, Project

if TYPE_CHECKING:
    from ..settings import Settings

PROJECT_TEMPLATE = "project/business-impact"
STORY_TEMPLATE = "behavioral/career-storyline"
STORY_ID = "behavioral/profile-story"
# The key point whose follow-up asks how the result was measured: a figure's probe replaces it.
MEASURE_POINT = "measurable-impact"
QUOTE_LIMIT = 120  # characters of one quoted piece of the profile in a prompt
FIGURE_LIMIT = 24
FIGURES_ASKED = 3  # a probe naming more figures than this reads as a list, not a question


class Mix(NamedTuple):
    """How many project questions (the storyline counts as one) and stack questions a profile adds."""

    project: int = 2
    stack: int = 1


@dataclass
class Round:
    """The questions a profile adds, in the order they are asked, and for each the profile excerpt it came
    from (by question id): what a transcript keeps of the profile."""

    questions: list[Question] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


def project_id(n: int) -> str:
    return f"project/profile-{n}"


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Profile words as they go into a prompt: one line, active characters escaped, capped."""
    flat = one_line(" ".join(text.split())).replace('"', "'")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def excerpt(*parts: str | None) -> str:
    return quoted(" · ".join(p for p in parts if p), SOURCE_LIMIT)


def offline_round(profile: Profile, bank: Bank, mix: Mix) -> Round:
    """The round a profile adds without a model: the project questions (storyline included), then the
    stack questions. Every prompt is written in both languages, as the bank's are."""
    projects = _project_part(profile, bank, mix.project)
    stack = stack_round(profile, bank, mix.stack)
    return Round(projects.questions + stack.questions, {**projects.sources, **stack.sources})


def project_round(profile: Profile, bank: Bank, lang: Lang, mix: Mix, settings: Settings | None) -> Round:
    """The round, its project questions written by the model when `settings` resolve to one and it gives
    valid ones, else (no model, None, or any fault) the offline ones."""
    written = _from_model(profile, bank, lang, mix, settings)
    if written is None:
        return offline_round(profile, bank, mix)
    stack = stack_round(profile, bank, mix.stack)
    return Round(written + stack.questions, dict(stack.sources))


def _from_model(
    profile: Profile, bank: Bank, lang: Lang, mix: Mix, settings: Settings | None
) -> list[Question] | None:
    if settings is None or mix.project == 0 or settings.resolved_provider() == "offline":
        return None
    from ..resources import cache_dir
    from .model_questions import model_questions

    coroutine = model_questions(profile, bank, lang, settings, mix.project, cache_dir())
    try:
        # On a thread of its own with its own event loop: the command line has none running and the
        # screen's must not be blocked by it. The request is bounded by the settings' wait.
        with ThreadPoolExecutor(max_workers=1) as pool:
            written = pool.submit(asyncio.run, coroutine).result()
    except Exception:  # any fault in generation: the offline questions stand in
        return None
    if not isinstance(written, list) or not written or not all(isinstance(q, Question) for q in written):
        return None
    ids = [q.id for q in written]
    # A question that would shadow a bank question or another generated one cannot be told apart later.
    if len(set(ids)) != len(ids) or any(i in bank.questions for i in ids):
        return None
    return list(written[: mix.project])


def _project_part(profile: Profile, bank: Bank, count: int) -> Round:
    out = Round()
    template = bank.questions.get(PROJECT_TEMPLATE)
    story = _storyline(profile, bank)
    with_story = story is not None and count > 0 and (count >= 2 or template is None or not profile.projects)
    if template is not None:
        for n, project in enumerate(profile.projects[: count - with_story], start=1):
            question, source = _project_question(template, project, n)
            out.questions.append(question)
            out.sources[question.id] = source
    if with_story and story is not None:
        out.questions.append(story[0])
        out.sources[STORY_ID] = story[1]
    return out


def _first_claim(project: Project) -> Claim | None:
    """The claim to quote: the first one with figures, else the first one."""
    return next((c for c in project.claims if c.numbers), project.claims[0] if project.claims else None)


def _project_question(template: Question, project: Project, n: int) -> tuple[Question, str]:
    title = quoted(project.title, 60)
    claim = _first_claim(project)
    if claim is None:
        text = Bilingual(
            ko=f'"{title}" 프로젝트에 대해 이야기해 주세요. 왜 시작하게 되었는지, 어떤 문제를 해결했는지, '
            "그리고 결과는 어떻게 측정하셨는지 궁금합니다.",
            en=f'Tell me about "{title}": why did it start, what problem did it solve, and how did you '
            "measure the result?",
        )
    else:
        said = quoted(claim.text)
        text = Bilingual(
            ko=f'"{title}" 프로젝트에 "{said}"라고 쓰셨는데요, 왜 시작하게 되었는지, 어떤 문제를 '
            "해결했는지, 그리고 그 결과는 어떻게 측정하셨는지 말씀해 주세요.",
            en=f'In "{title}" you wrote "{said}": why did it start, what problem did it solve, and how did '
            "you measure the result?",
        )
    figures = _figures(project, claim)
    key_points = [
        kp.model_copy(update={"follow_up": _probe(figures)}) if kp.id == MEASURE_POINT and figures else kp
        for kp in template.key_points
    ]
    question = Question.model_validate(
        {
            **template.model_dump(),
            "id": project_id(n),
            "text": text.model_dump(),
            "key_points": [kp.model_dump() for kp in key_points],
        }
    )
    return question, excerpt(project.title, project.period, project.role, claim.text if claim else None)


def _figures(project: Project, quoted_claim: Claim | None) -> list[str]:
    """Every figure the project claims, the quoted claim's first, each once."""
    claims = ([quoted_claim] if quoted_claim else []) + [c for c in project.claims if c is not quoted_claim]
    seen = dict.fromkeys(quoted(n, FIGURE_LIMIT) for c in claims for n in c.numbers if n.strip())
    return list(seen)


def _probe(figures: list[str]) -> Bilingual:
    asked = [f'"{f}"' for f in figures[:FIGURES_ASKED]]
    en_list = asked[0] if len(asked) == 1 else f"{', '.join(asked[:-1])} and {asked[-1]}"
    return Bilingual(
        ko=f"{', '.join(asked)}라고 쓰셨는데, 그 수치는 어떻게 측정하셨나요? 무엇과 비교한 값이고, 기준선은 "
        "무엇이었나요?",
        en=f"You wrote {en_list}: how did you measure {'it' if len(asked) == 1 else 'them'}, and against "
        "what baseline?",
    )


def _storyline(profile: Profile, bank: Bank) -> tuple[Question, str] | None:
    template = bank.questions.get(STORY_TEMPLATE)
    move = _move_to_ask(profile.moves)
    if template is None or move is None:
        return None
    to_org = quoted(move.to_org, 60)
    role = quoted(move.role, 40) if move.role else None
    when = quoted(move.when, 20) if move.when else None
    ko_year = f"{when}년" if when and when.isdigit() and len(when) == 4 else when
    ko_when, en_when = (f"{ko_year}에 ", f" in {when}") if when else ("", "")
    ko_role, en_role = (f' "{role}" 역할로', f' as "{role}"') if role else ("", "")
    if move.from_org:
        from_org = quoted(move.from_org, 60)
        ko_move = f'{ko_when}"{from_org}"에서 "{to_org}"에{ko_role} 합류하셨는데요'
        en_move = f'You moved from "{from_org}" to "{to_org}"{en_role}{en_when}'
    else:
        ko_move = f'{ko_when}"{to_org}"에{ko_role} 합류하셨는데요'
        en_move = f'You joined "{to_org}"{en_role}{en_when}'
    text = Bilingual(
        ko=f"{ko_move}, 어떤 계기로 그렇게 결정하셨나요? "
        "그 선택이 앞으로 하고 싶은 일과는 어떻게 이어지나요?",
        en=f"{en_move}: what led to that, and how does it connect to what you want to do next?",
    )
    question = Question.model_validate({**template.model_dump(), "id": STORY_ID, "text": text.model_dump()})
    where = f"{move.from_org} → {move.to_org}" if move.from_org else move.to_org
    return question, excerpt(where, move.role, move.when)


def _move_to_ask(moves: list[CareerMove]) -> CareerMove | None:
    """A move between two named places says more than a first job, and the latest one most about what the
    candidate wants now: the last such move (extraction lists them in time order), else the last move."""
    between = [m for m in moves if m.from_org] or moves
    return between[-1] if between else None


def stack_round(profile: Profile, bank: Bank, count: int) -> Round:
    """The bank's stack questions for the technologies the profile names, the most often named first."""
    named = Counter(t.question_id for t in profile.technologies)
    named.update(qid for p in profile.projects for qid in dict.fromkeys(p.technologies))
    # Counter keeps first-seen order among equal counts: a tie goes to the one the profile names first.
    ranked = [
        qid for qid, _ in named.most_common() if qid in bank.questions and bank.questions[qid].technology
    ]
    out = Round()
    for qid in ranked[:count]:
        out.questions.append(bank.questions[qid])
        names = dict.fromkeys(t.name for t in profile.technologies if t.question_id == qid)
        if names:
            out.sources[qid] = excerpt(", ".join(names))
    return out
