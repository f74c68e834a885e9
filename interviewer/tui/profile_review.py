"""Before a profile round: what was read from the résumé, every item ticked; untick what should not be
asked about. Enter goes on with what is ticked, Esc goes back to the setup screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, SelectionList, Static
from textual.widgets.selection_list import Selection

from ..domain import Lang
from ..phrases import Phrases, pick
from ..profile.choose import Item, items
from ..profile.model import Profile
from ..untrusted import one_line
from .keys import speak

TEXT: Phrases = {
    "title": ("이력서에서 읽은 내용", "What was read from your profile"),
    "help": (
        "질문받지 않을 항목은 Space로 선택을 해제하세요 · Enter: 이대로 시작 · Esc: 돌아가기",
        "Untick with Space what you do not want to be asked about · Enter: start · Esc: back",
    ),
    "project": ("프로젝트", "Project"),
    "technology": ("기술", "Technology"),
    "move": ("경력 이동", "Career move"),
    "nothing": (
        "이 파일에서 프로젝트, 기술, 경력 이동을 찾지 못했습니다. "
        "Enter를 누르면 문제 은행 질문만으로 진행합니다.",
        "Nothing was found in this file (projects, technologies, career moves). "
        "Enter goes on with the bank's questions only.",
    ),
}


def item_prompt(item: Item, lang: Lang) -> Text:
    """One item as it is listed: its kind, then the profile's own words (as written, never markup)."""
    line = Text.assemble((f"{pick(TEXT, item.kind, lang)}: ", "bold"), one_line(item.label))
    for detail in item.details:
        line.append("\n    · " + one_line(detail))
    return line


class ProfileReviewScreen(Screen[list[int] | None]):
    """Dismissed with the numbers of the items left out, or None when the candidate goes back."""

    BINDINGS = [
        Binding("enter", "go_on", "Start", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, profile: Profile, lang: Lang) -> None:
        super().__init__()
        self.profile = profile
        self.lang = lang
        self.items = items(profile)

    def compose(self) -> ComposeResult:
        yield Static(
            Content.from_markup("[b]$title[/b]", title=pick(TEXT, "title", self.lang)), classes="screen-title"
        )
        yield Static(pick(TEXT, "help" if self.items else "nothing", self.lang), id="profile-help")
        yield SelectionList[int](
            *(Selection(item_prompt(item, self.lang), item.number, True) for item in self.items),
            id="profile-items",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_screen_resume(self) -> None:
        speak(self, self.lang)

    def action_go_on(self) -> None:
        kept = set(self.query_one("#profile-items", SelectionList).selected)
        self.dismiss([item.number for item in self.items if item.number not in kept])

    def action_back(self) -> None:
        self.dismiss(None)
