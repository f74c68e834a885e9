"""Plain mode: the whole interview on stdin/stdout; works with piped input."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Literal, TextIO

from .domain import Lang
from .engine import Engine
from .events import (
    Action,
    Answer,
    Command,
    CommandKind,
    Event,
    HintGiven,
    InterviewFinished,
    Notice,
    Prompt,
    QuestionGraded,
    SessionStarted,
    TextDelta,
    Waiting,
)
from .learning.verdict import TEXT as VERDICT
from .learning.verdict import summary as review_summary
from .learning.verdict import verdict_lines
from .llm.base import BackendAuthError
from .phrases import Phrases, pick
from .profile.model import Profile
from .report import build_report, to_markdown
from .settings import Price
from .store import StoreError, answered
from .untrusted import for_terminal, one_line
from .why import explain_follow_up

END_OF_ANSWER = "."
COMMANDS: dict[str, CommandKind] = {"/hint": "hint", "/skip": "skip", "/idk": "idk", "/end": "end"}
# Asks why the current follow-up was asked: answered here, never sent to the engine, so it is not an
# answer, and it counts on any line, so the lines typed before it stay the draft they were.
WHY = "/why"

_TEXT: Phrases = {
    "help": (
        "답변을 입력한 뒤 '.' 한 줄로 제출하세요. "
        "명령: /hint 힌트, /skip 건너뛰기, /idk 모르겠음, /why 이 꼬리질문을 한 이유, /end 종료",
        "Type your answer, then a line with only '.' to submit. "
        "Commands: /hint, /skip, /idk, /why (why this follow-up), /end",
    ),
    "session": ("세션 {id}", "Session {id}"),
    "resumed": ("세션 {id} 이어서 진행", "Resuming session {id}"),
    "draft": ("저장된 작성 중 답변을 이어서 씁니다:", "Continuing your saved draft:"),
    "empty_retry": (
        "답변이 비어 있습니다. 생각나는 대로 적어 주시거나, 건너뛰려면 /skip 을 입력하세요.",
        "Your answer is empty. Write whatever comes to mind, or type /skip to move on.",
    ),
    "followup": ("꼬리질문 {n}/{k}", "follow-up {n}/{k}"),
    "reason_aloud": ("추론해 보기", "reason aloud"),
    "waiting": (
        "… 모델 응답 대기 중 {s}초 ({limit}초가 지나면 오프라인 면접관이 대신합니다)",
        "… waiting for the model: {s} s (at {limit} s the offline interviewer takes over)",
    ),
    "graded": ("질문 {i} 점수: {score:.2f} / 5", "Question {i} score: {score:.2f} / 5"),
    "paused": (
        "입력이 끝났습니다. 지금까지의 답변은 저장되었습니다. 이어서 하려면: {cmd}",
        "Input ended. Everything answered so far is saved. To continue: {cmd}",
    ),
    "interrupted": (
        "중단했습니다. 지금까지의 답변은 저장되었습니다. 이어서 하려면: {cmd}",
        "Stopped. Everything answered so far is saved. To continue: {cmd}",
    ),
    "rescued": (
        "데이터 폴더에 저장하지 못해 기록 사본을 {path} 에 남겼습니다. "
        "이어서 하려면: interviewer resume {path}",
        "The data dir could not be written, so a copy of the transcript is in {path}. "
        "To continue: interviewer resume {path}",
    ),
    "unsaved": (
        "아래 답변은 데이터 폴더에도, 임시 폴더에도 저장하지 못했습니다. 지금 복사해 두세요.",
        "The answers below could not be saved, in the data dir or in the temp dir. Copy them now.",
    ),
    "unsaved_question": ("── 질문 {i}/{n} ──", "── Question {i} of {n} ──"),
    "unsaved_asked": ("면접관: {text}", "Interviewer: {text}"),
    "unsaved_answer": ("내 답변:", "Your answer:"),
    "unsaved_draft": ("작성 중이던 답변 (제출 전):", "Your draft (not submitted):"),
    "unsaved_end": ("── 저장하지 못한 답변 끝 ──", "── end of the unsaved answers ──"),
    "profile_found": ("프로필에서 찾은 내용:", "Found in your profile:"),
    "profile_nothing": (
        "프로필에서 프로젝트, 기술, 경력 이동을 찾지 못했습니다.",
        "No project, technology or career move was found in the profile.",
    ),
    "profile_project": ("프로젝트", "Projects"),
    "profile_technology": ("기술", "Technologies"),
    "profile_move": ("경력 이동", "Career moves"),
    "profile_ask": (
        "질문에서 뺄 번호 (예: 2 5 또는 2-4, Enter는 모두 사용): ",
        "Numbers to leave out (e.g. 2 5 or 2-4; Enter keeps all): ",
    ),
    "profile_bad": (
        "1부터 {n}까지의 번호로 입력하세요 (예: 2 5 또는 2-4).",
        "Type numbers from 1 to {n} (e.g. 2 5 or 2-4).",
    ),
    "profile_left_out": ("{numbers}번은 빼고 진행합니다.", "Leaving out {numbers}."),
    "profile_piped": (
        "입력이 터미널이 아니라서 찾은 내용을 모두 사용합니다.",
        "Input is not a terminal, so everything found is used.",
    ),
    "profile_local": (
        "프로필은 이 컴퓨터 밖으로 나가지 않습니다 (오프라인).",
        "The profile stays on this machine (offline).",
    ),
    "profile_endpoint": (
        "프로필은 질문을 만들기 위해 설정된 엔드포인트 {url} 에만 보냅니다.",
        "The profile is sent only to the configured endpoint, {url}, to write the questions.",
    ),
    "left": (
        "면접 {id}을(를) 끝내지 않고 나왔습니다 ({answered}/{total}문항 답변). "
        "지금까지의 답변은 저장되었습니다. 이어서 하려면: {cmd}",
        "Interview {id} is not finished ({answered} of {total} answered). Everything so far is saved. "
        "To continue: {cmd}",
    ),
}

Kept = Literal["saved", "rescued", "printed"]


def _say(key: str, lang: Lang, **values: object) -> str:
    return pick(_TEXT, key, lang, **values)


def keep_unsaved(engine: Engine, out: TextIO) -> Kept:
    """On the way out, make sure no answer is lost: retry the save; failing that, copy the transcript to
    the temp dir and say where; failing that too (a full disk holding the temp dir as well), print the
    unsaved answers themselves, question by question, and a one-line error on stderr."""
    lang, total = engine.lang, len(engine.transcript.records)
    try:
        rescued = engine.rescue()
    except StoreError as exc:
        answers = engine.unsaved_answers()
        if not answers:  # only what came after them (a reply, a grade) is lost
            print(f"interviewer: error: {exc}; every answer was saved before that", file=sys.stderr)
            return "printed"
        lines = [f"⚠ {_say('unsaved', lang)}", ""]
        shown = 0
        for answer in answers:
            if answer.number != shown:
                shown = answer.number
                lines.append(_say("unsaved_question", lang, i=answer.number, n=total))
            if answer.asked:
                lines.append(_say("unsaved_asked", lang, text=for_terminal(answer.asked)))
            kind = "unsaved_draft" if answer.draft else "unsaved_answer"
            lines += [_say(kind, lang), for_terminal(answer.text), ""]
        lines.append(_say("unsaved_end", lang))
        out.write("\n".join(lines) + "\n")
        out.flush()
        print(f"interviewer: error: {exc}; the unsaved answers are printed above", file=sys.stderr)
        return "printed"
    if rescued is None:
        return "saved"
    out.write(_say("rescued", lang, path=rescued) + "\n")
    out.flush()
    return "rescued"


def keep_all_unsaved(
    engines: Sequence[Engine], out: TextIO, resume_command: Callable[[str], str] | None = None
) -> int:
    """`keep_unsaved` for every engine a front end ran; 1 if answers could only be printed, else 0. With
    `resume_command`, an interview left unfinished with something in it is named with the command that
    continues it: the screen is gone, and nothing else would say so."""
    kept = [keep_unsaved(engine, out) for engine in engines]
    for engine, how in zip(engines, kept, strict=True):
        t = engine.transcript
        if resume_command is None or how != "saved" or engine.finished or not (answered(t) or t.draft):
            continue
        command = resume_command(t.session_id)
        out.write(
            _say(
                "left", engine.lang, id=t.session_id, answered=answered(t), total=len(t.records), cmd=command
            )
        )
        out.write("\n")
    out.flush()
    return 1 if "printed" in kept else 0


def _line_editor() -> Callable[[], str] | None:
    """Puts `input()` at a terminal through readline, which keeps the line being typed readable after
    Ctrl-C (the terminal's own line editing throws it away); None where Python has no readline."""
    try:
        import readline
    except ImportError:
        return None
    return readline.get_line_buffer


def show_report(markdown: str, out: TextIO) -> None:
    """Rendered at a terminal; piped, the Markdown itself, to be saved or read as such. Untrusted text in it
    is already escaped for Markdown, control characters included, so rendering shows it as written."""
    if out.isatty():
        # Loaded only here: the Markdown renderer is not worth its import time until an interview ends.
        from rich.console import Console
        from rich.markdown import Markdown

        Console(file=out).print(Markdown(markdown))
    else:
        out.write(markdown + "\n")
    out.flush()


def preview_profile(
    profile: Profile,
    lang: Lang,
    out: TextIO,
    interactive: bool,
    endpoint: str | None,
    read_line: Callable[[str], str] | None = None,
) -> Profile:
    """Before the interview: what was extracted from the profile, numbered, and where the profile goes
    (`endpoint`: None offline). At a terminal the candidate types the numbers to leave out (Enter keeps
    all); piped, the input is the interview's answers, so everything is kept and that is said in one line."""
    from .profile.choose import items, parse_numbers, without

    found = items(profile)

    def say(key: str, **values: object) -> str:
        return _say(key, lang, **values)

    lines = [
        say("profile_local") if endpoint is None else say("profile_endpoint", url=one_line(endpoint)),
        say("profile_found" if found else "profile_nothing"),
    ]
    kind = ""
    for item in found:
        if item.kind != kind:
            kind = item.kind
            lines.append(f"  {say(f'profile_{kind}')}")
        lines.append(f"   {item.number:>2}. {one_line(item.label)}")
        lines += [f"       - {one_line(detail)}" for detail in item.details]
    if found and not interactive:
        lines.append(say("profile_piped"))
    out.write("\n".join(lines) + "\n")
    out.flush()
    if not found or not interactive:
        return profile
    while True:
        try:
            typed = (read_line or input)(say("profile_ask"))
        except EOFError:
            return profile
        dropped = parse_numbers(typed, len(found))
        if dropped is None:
            out.write(say("profile_bad", n=len(found)) + "\n")
            continue
        if dropped:
            out.write(say("profile_left_out", numbers=", ".join(map(str, dropped))) + "\n")
        out.flush()
        return without(profile, dropped)


class EndOfInput(Exception):
    pass


class AnswerReader:
    """Turns typed lines into one action: an answer ends at a lone '.' or end of input; a command
    counts only as the first line, except `/why`, which is no action and leaves the lines before it
    pending."""

    def __init__(self, read_line: Callable[[], str], typed_so_far: Callable[[], str] | None = None) -> None:
        self.read_line = read_line
        # The line being typed, not yet entered, when Ctrl-C lands in read_line: part of the draft too.
        self.typed_so_far = typed_so_far
        self.pending: list[str] = []  # lines of the answer being typed: the draft if the user quits

    def read(self) -> Action | Literal["why"]:
        lines = self.pending
        while True:
            try:
                line = self.read_line()
            except KeyboardInterrupt:
                partial = self.typed_so_far() if self.typed_so_far else ""
                if partial.strip():
                    lines.append(partial)
                raise
            except EOFError:
                if any(part.strip() for part in lines):
                    self.pending = []
                    return Answer(text="\n".join(lines))
                raise EndOfInput from None
            if line.strip() == WHY:
                return "why"
            if not lines and line.strip() in COMMANDS:
                return Command(kind=COMMANDS[line.strip()])
            if line.strip() == END_OF_ANSWER:
                self.pending = []
                return Answer(text="\n".join(lines))
            lines.append(line)


class PlainFrontEnd:
    def __init__(
        self,
        engine: Engine,
        resume_command: str,
        out: TextIO,
        read_line: Callable[[], str] | None = None,
        prices: dict[str, Price] | None = None,
    ) -> None:
        self.prices = prices or {}
        self.engine = engine
        self.resume_command = resume_command
        self.out = out
        # A visible prompt helps at a terminal; with piped input it would only clutter the output.
        interactive = sys.stdin.isatty() and out.isatty()
        if read_line is None:
            typed_so_far = _line_editor() if sys.stdin.isatty() else None
            self.reader = AnswerReader(lambda: input("› " if interactive else ""), typed_so_far)
        else:
            self.reader = AnswerReader(read_line)
        self.lang = engine.transcript.plan.lang
        self._streamed = ""
        self._kept: Kept | None = None
        self._waited_shown = -1  # the last waiting line printed, in seconds

    def t(self, key: str, **values: object) -> str:
        return _say(key, self.lang, **values)

    def print(self, text: str = "") -> None:
        # Questions, follow-ups, hints and notices hold bank and model text: no escape sequence gets through.
        self.out.write(for_terminal(text) + "\n")
        self.out.flush()

    def run(self) -> int:
        try:
            code = self._run()
        finally:
            kept = self._keep()
        return (code or 1) if kept == "printed" else code

    def _keep(self) -> Kept:
        """Once, on the way out: everything answered is on disk, in the temp dir, or on the screen."""
        if self._kept is None:
            self._kept = keep_unsaved(self.engine, self.out)
        return self._kept

    def _run(self) -> int:
        with asyncio.Runner() as runner:
            try:
                problem = runner.run(self.engine.backend.check())
            except BackendAuthError as exc:
                print(f"interviewer: error: {exc}", file=sys.stderr)
                return 1
            if problem:
                self.print(f"⚠ {problem}")
                self.engine.use_offline()
            try:
                runner.run(self._show(self.engine.start()))
                while not self.engine.finished:
                    try:
                        action = self.reader.read()
                    except EndOfInput:
                        self.print()
                        if self._keep() == "saved":  # else it has said where the answers are
                            self.print(self.t("paused", cmd=self.resume_command))
                        return 0
                    if action == "why":
                        self.print(f"↳ {one_line(explain_follow_up(self.engine.transcript))}")
                        continue
                    runner.run(self._show(self.engine.submit(action)))
            except KeyboardInterrupt:
                if self.reader.pending:
                    self.engine.set_draft("\n".join(self.reader.pending))
                self.print()
                if self._keep() == "saved":
                    self.print(self.t("interrupted", cmd=self.resume_command))
                return 130
            finally:
                runner.run(self.engine.backend.close())
        return 0

    async def _show(self, events: AsyncIterator[Event]) -> None:
        """Print each event as it comes: streamed text and waiting lines are only worth it live."""
        async for e in events:
            self.render([e])

    def render(self, events: list[Event]) -> None:
        for e in events:
            match e:
                case SessionStarted():
                    key = "resumed" if e.resumed else "session"
                    backend = one_line(e.provider) + (f" ({one_line(e.model)})" if e.model else "")
                    kind = pick(VERDICT, "header", self.lang) if e.plan.review else e.plan.track
                    self.print(f"{self.t(key, id=one_line(e.session_id))} · {kind} · {backend}")
                    self.print(self.t("help"))
                    if e.draft:
                        self.reader.pending = e.draft.split("\n")
                case TextDelta():
                    self._waited_shown = -1
                    if not self._streamed:
                        self.out.write("\n")
                    self._streamed += e.text
                    self.out.write(for_terminal(e.text))
                    self.out.flush()
                case Prompt():
                    self._waited_shown = -1
                    streamed, self._streamed = self._streamed, ""
                    if streamed and streamed.strip() == e.text.strip():
                        self.print()
                        self.print(f"  {self._header(e)}")
                    else:
                        self.print()
                        self.print(self._header(e))
                        self.print(e.text)
                    if self.reader.pending:
                        self.print(self.t("draft"))
                        for line in self.reader.pending:
                            self.print(f"  {line}")
                case Waiting():
                    # A line at the first sign of silence, then one every 10 s: lines, not a counter
                    # redrawn in place, so a log or a pipe reads cleanly.
                    if self._waited_shown < 0 or e.elapsed_s >= self._waited_shown + 10:
                        self._waited_shown = e.elapsed_s
                        self.print(self.t("waiting", s=e.elapsed_s, limit=e.limit_s))
                case HintGiven():
                    self.print(f"💡 {e.text}")
                case Notice():
                    text = self.t(e.phrase) if e.phrase is not None and e.phrase in _TEXT else e.text
                    self.print(("⚠ " if e.level == "warning" else "· ") + text)
                case QuestionGraded() if self.engine.transcript.plan.review:
                    self.print()
                    for line in verdict_lines(self.engine.transcript.records[e.index - 1], self.lang):
                        self.print(line)
                case QuestionGraded():
                    self.print()
                    self.print(self.t("graded", i=e.index, score=e.feedback.overall))
                case InterviewFinished() if self.engine.transcript.plan.review:
                    self.print()
                    self.print(review_summary(self.engine.transcript, self.lang))
                case InterviewFinished():
                    report = build_report(self.engine.transcript, self.prices)
                    self.print()
                    show_report(to_markdown(report, conversation=False), self.out)

    def _header(self, e: Prompt) -> str:
        head = f"[{e.index}/{e.total}] {e.category} · {'★' * e.difficulty}{'☆' * (5 - e.difficulty)}"
        if e.kind in ("follow_up", "deepen"):
            head += f" · {self.t('followup', n=e.follow_up, k=e.follow_up_limit)}"
        elif e.kind == "reason_aloud":
            head += f" · {self.t('reason_aloud')}"
        return head
