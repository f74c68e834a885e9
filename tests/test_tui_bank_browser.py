"""The bank browser: pick questions by category and start an interview of exactly those, in order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from interviewer.bank import load_bank
from interviewer.domain import Lang, Question
from interviewer.resources import cache_dir
from interviewer.tui.app import InterviewerApp
from interviewer.tui.bank_browser import BankBrowserScreen, question_lines
from interviewer.tui.interview import InterviewScreen
from interviewer.tui.messages import OpenBankBrowser, StartQuestions
from interviewer.tui.setup import SetupScreen
from tests.helpers import bi, question_data
from tests.snapshots import assert_snapshot
from tests.tui_support import context, drive, footer_labels, settle, show

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


def on_screen(app: InterviewerApp) -> str:
    """Every text the browser shows: its lines, and every option of both lists (scrolled out of view too)."""
    screen = app.screen
    texts = [str(s.render()) for s in screen.query(Static)]
    for listing in screen.query(OptionList):
        texts += [str(option.prompt) for option in listing.options]
    return "\n".join(texts)


async def open_category(pilot: Pilot[int], category: str) -> None:
    categories = pilot.app.screen.query_one("#bank-categories", OptionList)
    categories.highlighted = categories.get_option_index(category)
    await pilot.pause()


def shown_ids(app: InterviewerApp) -> list[str]:
    return [o.id or "" for o in app.screen.query_one("#bank-questions", OptionList).options]


def started_ids(app: InterviewerApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, InterviewScreen)
    return [r.question.id for r in screen.engine.transcript.records]


def test_pick_one_question_and_start(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))
    cs = sorted(q.id for q in load_bank(cache_dir=cache_dir()).questions.values() if q.category == "cs")

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser("en"))
        assert isinstance(app.screen, BankBrowserScreen)
        await open_category(pilot, "cs")
        assert shown_ids(app) == cs
        await pilot.press("enter")  # on a category: its questions, not an interview yet
        assert isinstance(app.screen, BankBrowserScreen)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert started_ids(app) == [cs[2]]
        plan = app.screen.engine.transcript.plan  # type: ignore[attr-defined]
        assert plan.question_ids == [cs[2]] and plan.questions == 1 and plan.categories == ["cs"]

    drive(app, script)


def test_marked_questions_start_in_the_order_marked(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))
    bank = load_bank(cache_dir=cache_dir())
    cs = sorted(q.id for q in bank.questions.values() if q.category == "cs")
    backend = sorted(q.id for q in bank.questions.values() if q.category == "backend")

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser("en"))
        await open_category(pilot, "cs")
        await pilot.press("right", "down", "down", "space", "up", "space", "down", "down", "space")
        assert "[1]" in on_screen(app) and "[3]" in on_screen(app)
        await pilot.press("up", "up", "space")  # unmark the second one marked: the third becomes second
        listing = app.screen.query_one("#bank-questions", OptionList)
        prompts = [str(o.prompt) for o in listing.options[:5]]
        assert prompts[0].startswith("[ ]") and prompts[1].startswith("[ ]")
        assert prompts[2].startswith("[1]") and prompts[3].startswith("[2]")
        # Marks live across categories; going back shows them where they were.
        await pilot.press("left")
        await open_category(pilot, "backend")
        await pilot.press("right", "space")
        await pilot.press("left")
        await open_category(pilot, "cs")
        assert str(app.screen.query_one("#bank-questions", OptionList).options[2].prompt).startswith("[1]")
        await pilot.press("enter")  # marked ones start even from the category list
        await settle(pilot)
        assert started_ids(app) == [cs[2], cs[3], backend[0]]

    drive(app, script)


def test_escape_goes_back_and_a_start_that_fails_keeps_the_browser(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path))
    notices: list[str] = []
    app.notify = lambda message, **kw: notices.append(message)  # type: ignore[method-assign,assignment]

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser("en"))
        await show(pilot, StartQuestions(["cs/no-such-question"], "en"))
        assert isinstance(app.screen, BankBrowserScreen)
        assert notices == ["no question with id 'cs/no-such-question' in the bank"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)

    drive(app, script)


def test_korean_labels(tmp_path: Path) -> None:
    app = InterviewerApp(context(tmp_path, "ko"))

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser("ko"))
        assert {"시작", "선택", "뒤로", "나가기"} <= footer_labels(app)
        text = on_screen(app)
        assert "문제 은행" in text and "Space: 질문 선택/해제" in text
        await pilot.press("right", "space")
        assert "1개 선택됨" in on_screen(app)
        first = app.screen.query_one("#bank-questions", OptionList).options[0].id or ""
        prompt = load_bank(cache_dir=cache_dir()).get(first).text("ko")
        assert prompt in on_screen(app)  # the prompt, in the session language
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.engine.transcript.plan.lang == "ko"  # type: ignore[attr-defined]

    drive(app, script)


HOSTILE = "[b]bold[/b] [red]red[/red] \x1b[2J wiped? \u202ereversed " + "very long title " * 40


def hostile_bank(tmp_path: Path) -> Path:
    data = question_data("custom/hostile")
    data["text"] = bi(HOSTILE + "\nline two", HOSTILE + "\nline two")
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump([data], allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("size", SIZES)
def test_a_hostile_bank_is_shown_as_written(tmp_path: Path, size: str) -> None:
    ctx = context(tmp_path)
    ctx.extra_banks = [hostile_bank(tmp_path)]
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser("en"))
        await open_category(pilot, "custom")
        assert shown_ids(app) == ["custom/hostile"]
        await pilot.press("right")
        text = on_screen(app)
        assert "custom (1)" in text
        assert "[b]bold[/b] [red]red[/red] \\x1b[2J wiped? \\u202ereversed" in text
        assert "\x1b" not in text and "\u202e" not in text
        listed = str(app.screen.query_one("#bank-questions", OptionList).options[0].prompt)
        assert listed.endswith("very long title line two")  # one line in the list
        prompt = str(app.screen.query_one("#bank-prompt", Static).render())
        assert prompt.count("very long title") == 40  # the whole prompt below the list
        assert "[b]bold[/b]" in app.export_screenshot()  # drawn as written, not as bold
        await pilot.press("enter")
        await settle(pilot)
        assert started_ids(app) == ["custom/hostile"]

    drive(app, script, size=SIZES[size])


def test_a_bank_error_is_one_line(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    ctx.extra_banks = [tmp_path / "missing.yaml"]
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser("en"))
        error = app.screen.query_one("#bank-error", Static)
        assert error.display
        assert (
            str(error.render())
            == f"⚠ Cannot read the question bank: {tmp_path / 'missing.yaml'}: no such file or folder"
        )
        assert not app.screen.query_one("#bank-categories", OptionList).option_count
        await pilot.press("right", "space", "enter")  # nothing to mark or start; nothing breaks
        assert isinstance(app.screen, BankBrowserScreen)

    drive(app, script)


def hidden_until_graded(q: Question, lang: Lang) -> list[str]:
    hidden = [q.model_answer(lang)]
    for k in q.key_points:
        hidden += [k.text(lang), k.follow_up(lang), k.deepen(lang)]
        hidden += [k.hint(lang)] if k.hint is not None else []
        hidden += [m.claim(lang) for m in k.misconceptions]
    return hidden


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_key_point_hint_or_model_answer_is_shown(tmp_path: Path, lang: Lang) -> None:
    """On the screen, for every question of a category; each line the browser draws shows only a prompt, for
    every question of the bank (checked on the lines themselves: walking every category takes long)."""
    bank = load_bank(cache_dir=cache_dir())
    for q in bank.questions.values():
        line = str(question_lines(q, lang, None))
        assert not [h for h in hidden_until_graded(q, lang) if h in line], q.id
    app = InterviewerApp(context(tmp_path, lang))

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser(lang))
        await open_category(pilot, "cs")
        await pilot.press("right")
        for question_id in shown_ids(app):
            text = on_screen(app)
            q = bank.get(question_id)
            assert q.text(lang) in text
            assert not [h for h in hidden_until_graded(q, lang) if h in text], question_id
            await pilot.press("down")

    drive(app, script)


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_snapshots(tmp_path: Path, lang: Lang, size: str) -> None:
    app = InterviewerApp(context(tmp_path, lang))

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenBankBrowser(lang))
        await open_category(pilot, "cs")
        await pilot.press("right", "down", "space", "up", "space")
        assert_snapshot(app, f"bank-{lang}-{size}")

    drive(app, script, size=SIZES[size])
