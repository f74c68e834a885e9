"""The setup screen: what to practise, in which language, with which backend. Enter starts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Button, Footer, Input, Label, Select, SelectionList, Static

from ..bank import BankError, load_bank
from ..domain import TRACKS
from ..phrases import Phrases, pick
from ..redact import redact_url
from ..untrusted import one_line
from .keys import speak
from .messages import OpenHistory, OpenInterview
from .prefs import SetupChoices, load_choices, save_choices

if TYPE_CHECKING:
    from .app import Context

TEXT: Phrases = {
    "title": ("모의 기술 면접", "Mock technical interview"),
    "track": ("직무 트랙", "Track"),
    "categories": ("분야 (비우면 전체)", "Categories (none = all)"),
    "questions": ("질문 수", "Questions"),
    "follow_ups": ("질문당 꼬리질문", "Follow-ups per question"),
    "lang": ("언어", "Language"),
    "provider": ("채점/질문 백엔드", "Backend"),
    "model": ("모델 (비우면 기본값)", "Model (empty = default)"),
    "banks": ("추가 문제 은행 경로 (쉼표로 구분)", "Extra bank paths (comma-separated)"),
    "start": ("시작 (Enter / Ctrl+S)", "Start (Enter / Ctrl+S)"),
    "history": ("기록 (F5)", "History (F5)"),
    "key_set": ("API 키: 설정됨", "API key: set"),
    "nothing_set": ("API 키나 base URL이 설정되지 않음", "no API key or base URL configured"),
    "model_is": ("모델", "model"),
}


class CategoryList(SelectionList[str]):
    """A selection list whose check mark shows only on selected lines: the stock one draws the same
    mark on every line and tells them apart by its colour alone."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        index = self.scroll_offset.y + y
        # The line is the button's left edge, its mark, its right edge, a space, then the prompt.
        if (
            len(segments) > 3
            and index < self.option_count
            and self.get_option_at_index(index).value not in self.selected
        ):
            segments[1] = segments[1]._replace(text=" " * segments[1].cell_length)
            return Strip(segments, strip.cell_length)
        return strip


class SetupScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("f5", "history", "History"),
    ]

    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        ctx = self.context
        choices = load_choices(ctx.prefs_path, ctx.default_lang)
        self.lang = choices.lang
        try:
            bank = ctx.bank or load_bank(ctx.extra_banks, cache_dir=ctx.bank_cache)
            categories = bank.categories()
        except BankError:
            categories = []
        t = self.t
        with VerticalScroll(id="setup"):
            yield Static(f"[b]{t('title')}[/b]", id="setup-title")
            with Horizontal(classes="row"):
                with Vertical(classes="col"):
                    yield Label(t("track"))
                    yield Select(
                        [(x, x) for x in TRACKS],
                        value=choices.track,
                        allow_blank=False,
                        id="track",
                        compact=True,
                    )
                    yield Label(t("questions"))
                    yield Input(str(choices.questions), id="questions", type="integer", compact=True)
                    yield Label(t("follow_ups"))
                    yield Input(str(choices.follow_ups), id="follow_ups", type="integer", compact=True)
                    yield Label(t("lang"))
                    yield Select(
                        [("한국어", "ko"), ("English", "en")],
                        value=choices.lang,
                        allow_blank=False,
                        id="lang",
                        compact=True,
                    )
                with Vertical(classes="col"):
                    yield Label(t("categories"))
                    yield CategoryList(
                        *[(c, c, c in choices.categories) for c in categories], id="categories"
                    )
            yield Label(t("provider"))
            yield Select(
                [("auto", "auto"), ("offline", "offline"), ("openai", "openai")],
                value=choices.provider,
                allow_blank=False,
                id="provider",
                compact=True,
            )
            yield Static(self._backend_status(choices.provider), id="backend-status")
            yield Label(t("model"))
            yield Input(choices.model, id="model", placeholder=ctx.settings.resolved_model(), compact=True)
            yield Label(t("banks"))
            yield Input(choices.banks, id="banks", compact=True)
            yield Static("", id="setup-error")
            with Horizontal(classes="buttons"):
                yield Button(t("start"), id="start", variant="primary", compact=True)
                yield Button(t("history"), id="history", compact=True)
        yield Footer()

    def t(self, key: str) -> str:
        return pick(TEXT, key, self.lang)

    def _backend_status(self, provider: str) -> Content:
        s = self.context.settings
        configured = []
        if s.api_key:
            configured.append(self.t("key_set"))
        if s.base_url:
            configured.append(f"base URL: {redact_url(s.base_url)}")
        resolved = s.model_copy(update={"provider": provider}).resolved_provider()
        detail = ", ".join(configured) or self.t("nothing_set")
        model = f" · {self.t('model_is')} {s.resolved_model()}" if resolved == "openai" else ""
        return Content(one_line(f"→ {resolved}{model} ({detail})"))

    def on_screen_resume(self) -> None:
        speak(self, self.lang)

    def on_mount(self) -> None:
        self.query_one("#start", Button).focus()  # so Enter starts at once with the remembered choices

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "provider":
            self.query_one("#backend-status", Static).update(self._backend_status(str(event.value)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "history":
            self.action_history()

    def read_choices(self) -> SetupChoices:
        def number(widget_id: str) -> int:
            value = self.query_one(f"#{widget_id}", Input).value.strip()
            return int(value) if value.lstrip("-").isdigit() else -1

        return SetupChoices.model_validate(
            {
                "track": self.query_one("#track", Select).value,
                "categories": list(self.query_one("#categories", SelectionList).selected),
                "questions": number("questions"),
                "follow_ups": number("follow_ups"),
                "lang": self.query_one("#lang", Select).value,
                "provider": self.query_one("#provider", Select).value,
                "model": self.query_one("#model", Input).value.strip(),
                "banks": self.query_one("#banks", Input).value.strip(),
            }
        )

    def action_start(self) -> None:
        error = self.query_one("#setup-error", Static)
        try:
            choices = self.read_choices()
            engine = self.context.start_interview(choices)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            error.update(Content(one_line(f"⚠ {first['loc'][0]}: {first['msg']}")))
            return
        except BankError as exc:
            error.update(Content(one_line(f"⚠ {exc.problems[0]}")))
            return
        except Exception as exc:
            error.update(Content(one_line(f"⚠ {exc}")))
            return
        error.update("")
        save_choices(self.context.prefs_path, choices)
        self.post_message(OpenInterview(engine))

    def action_history(self) -> None:
        self.post_message(OpenHistory(self.lang))
