"""The bank browser: categories on the left, their questions on the right, and an interview of exactly the
questions picked, in the order they were picked."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..bank import BankError
from ..domain import Lang, Question
from ..phrases import Phrases, pick
from ..untrusted import for_terminal, one_line
from .keys import speak
from .messages import StartQuestions

if TYPE_CHECKING:
    from .app import Context

TEXT: Phrases = {
    "title": ("문제 은행", "Question bank"),
    "bank_error": ("⚠ 문제 은행을 읽을 수 없습니다: {problem}", "⚠ Cannot read the question bank: {problem}"),
    "none_marked": (
        "Space: 질문 선택/해제 · Enter: 강조된 질문으로 시작 · ←/→: 분야와 질문 사이 이동",
        "Space: mark/unmark · Enter: start with the highlighted question · ←/→: categories and questions",
    ),
    "marked": (
        "{n}개 선택됨 · Enter: 선택한 순서대로 시작 · {ids}",
        "{n} marked · Enter: start them in the order marked · {ids}",
    ),
}

UNMARKED = "[ ]"
_BREAKS = re.compile(r"[ \t\r\n]+")


def stars(difficulty: int) -> str:
    return "★" * difficulty + "☆" * (5 - difficulty)


def category_line(category: str, count: int) -> Content:
    return Content(f"{one_line(category)} ({count})")


def question_lines(question: Question, lang: Lang, order: int | None) -> Content:
    """Two lines: the mark (its place in the order marked, so it reads without colour), difficulty, id and
    tracks; then the question on one line. Only the prompt: key points and the model answer stay hidden
    until the question is graded."""
    mark = UNMARKED if order is None else f"[{order}]"
    # A prompt written over several lines reads as one here; any other control character shows as an escape.
    title = one_line(_BREAKS.sub(" ", question.text(lang)))
    tracks = ",".join(question.tracks)
    return Content(f"{mark:<4}{stars(question.difficulty)} {one_line(question.id)}  {tracks}\n    {title}")


class BankBrowserScreen(Screen[None]):
    BINDINGS = [
        # A priority binding, so Enter starts rather than being taken by the list as "select".
        Binding("enter", "start", "Start", priority=True),
        Binding("space", "mark", "Mark"),
        Binding("left", "focus_categories", show=False),
        Binding("right", "focus_questions", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, context: Context, lang: Lang) -> None:
        super().__init__()
        self.context = context
        self.lang = lang
        self.questions: dict[str, Question] = {}
        self.marked: list[str] = []  # question ids, in the order marked
        self.problem: str | None = None

    def t(self, key: str, **values: object) -> str:
        return pick(TEXT, key, self.lang, **values)

    def compose(self) -> ComposeResult:
        ctx = self.context
        try:
            bank = ctx.default_bank()
            self.questions = dict(sorted(bank.questions.items()))
        except BankError as exc:
            self.problem = exc.problems[0]
        counts = Counter(q.category for q in self.questions.values())
        yield Static(Content.from_markup("[b]$title[/b]", title=self.t("title")), classes="screen-title")
        yield Static(Content(one_line(self.t("bank_error", problem=self.problem or ""))), id="bank-error")
        with Horizontal(id="bank-panes"):
            yield OptionList(
                *[Option(category_line(c, n), id=c) for c, n in sorted(counts.items())], id="bank-categories"
            )
            yield OptionList(id="bank-questions")
        with VerticalScroll(id="bank-detail"):
            yield Static(id="bank-prompt")
        yield Static(id="bank-marks")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#bank-error").display = self.problem is not None
        categories = self.query_one("#bank-categories", OptionList)
        if categories.option_count:
            categories.highlighted = 0
        categories.focus()
        self._show_marks()

    def on_screen_resume(self) -> None:
        speak(self, self.lang)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "bank-categories":
            self._list_category(event.option.id or "")
        else:
            self._show_prompt(event.option.id)

    def _list_category(self, category: str) -> None:
        listing = self.query_one("#bank-questions", OptionList)
        listing.set_options(
            Option(question_lines(q, self.lang, self._order(q.id)), id=q.id)
            for q in self.questions.values()
            if q.category == category
        )
        listing.highlighted = 0 if listing.option_count else None
        self._show_prompt(self._highlighted_question())

    def _show_prompt(self, question_id: str | None) -> None:
        question = self.questions.get(question_id or "")
        text = for_terminal(question.text(self.lang)) if question is not None else ""
        self.query_one("#bank-prompt", Static).update(Content(text))

    def _show_marks(self) -> None:
        if self.marked:
            line = self.t("marked", n=len(self.marked), ids=", ".join(self.marked))
        else:
            line = self.t("none_marked")
        self.query_one("#bank-marks", Static).update(Content(one_line(line)))

    def _order(self, question_id: str) -> int | None:
        return self.marked.index(question_id) + 1 if question_id in self.marked else None

    def _highlighted_question(self) -> str | None:
        option = self.query_one("#bank-questions", OptionList).highlighted_option
        return option.id if option is not None else None

    def action_mark(self) -> None:
        question_id = self._highlighted_question()
        if question_id is None:
            return
        if question_id in self.marked:
            self.marked.remove(question_id)
        else:
            self.marked.append(question_id)
        # Every mark on screen shows its place in the order, so unmarking one renumbers the rest.
        listing = self.query_one("#bank-questions", OptionList)
        for option in listing.options:
            if option.id is not None:
                question = self.questions[option.id]
                listing.replace_option_prompt(
                    option.id, question_lines(question, self.lang, self._order(option.id))
                )
        listing.focus()
        self._show_marks()

    def action_start(self) -> None:
        listing = self.query_one("#bank-questions", OptionList)
        if not self.marked and not listing.has_focus:
            # Enter on a category opens its questions: starting the first of them unseen would surprise.
            self.action_focus_questions()
            return
        chosen = list(self.marked) or [q for q in [self._highlighted_question()] if q is not None]
        if chosen:
            self.post_message(StartQuestions(chosen, self.lang))

    def action_focus_categories(self) -> None:
        self.query_one("#bank-categories", OptionList).focus()

    def action_focus_questions(self) -> None:
        self.query_one("#bank-questions", OptionList).focus()

    def action_back(self) -> None:
        self.dismiss()
