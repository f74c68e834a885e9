"""Untrusted text is shown as written, everywhere: answers, follow-ups, feedback, bank text, model names and
session ids, through `report` (Markdown and JSON), `replay`, `sessions`, `bank`, plain mode, the exported
report and the full-screen app. No escape sequence reaches a terminal, no tag or Markdown syntax acts in a
document, no Rich markup is parsed."""

# ruff: noqa: F811 - the tests take the imported `sandbox` fixture as their argument

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import cast

import pytest
import yaml
from markdown_it import MarkdownIt
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Markdown, Static, TextArea

from interviewer.domain import (
    CriterionScore,
    Feedback,
    MissedPoint,
    Plan,
    Question,
    QuestionRecord,
    Transcript,
    Turn,
)
from interviewer.llm.offline import OfflineBackend
from interviewer.plain import show_report
from interviewer.report import build_report, to_markdown
from interviewer.settings import Settings
from interviewer.store import Store
from interviewer.tui.app import Context, InterviewerApp
from interviewer.tui.messages import OpenHistory, OpenInterview, OpenReport
from interviewer.tui.prefs import SetupChoices
from tests.helpers import bi, question_data
from tests.hostile import Sandbox, sandbox  # noqa: F401
from tests.tui_support import drive, settle, show

SID = "20260101-090000-abcd"

# (id, the text as it arrives, the fragments a reader must see). What is shown: every character a terminal
# would act on as an escape (`\x1b`, `\u202e`), a carriage return as a line break, everything else as typed.
HOSTILE: list[tuple[str, str, list[str]]] = [
    (
        "html-tag-line",
        "<div>\nthe line after the tag\nand the one after that",
        ["<div>", "the line after the tag", "and the one after that"],
    ),
    (
        "details-script",
        "</details><script>alert(1)</script> after the script",
        ["</details><script>alert(1)</script> after the script"],
    ),
    ("md-heading", "# not a heading", ["# not a heading"]),
    ("md-link", "[click me](http://evil.example/x)", ["[click me](http://evil.example/x)"]),
    ("md-image", "![tracker](http://evil.example/t.png)", ["![tracker](http://evil.example/t.png)"]),
    ("md-table", "| a | b |\n|---|---|\n| 1 | 2 |", ["| a | b |", "|---|---|", "| 1 | 2 |"]),
    ("md-fence", "```python\nfenced\n```", ["```python", "fenced", "```"]),
    (
        "md-emphasis",
        "*not em* _not em_ **not strong** ~~not struck~~ `not code` $not maths$",
        ["*not em* _not em_ **not strong** ~~not struck~~ `not code` $not maths$"],
    ),
    ("md-lists", "- not an item\n1. not numbered\n+ not a plus item", ["- not an item", "1. not numbered"]),
    ("md-setext-rule", "not a heading\n---\n***", ["not a heading", "---", "***"]),
    ("md-indented-code", "intro\n\n    not a code block", ["intro", "not a code block"]),
    ("md-entities-quote", "> not a quote &amp; &lt;b&gt;", ["> not a quote &amp; &lt;b&gt;"]),
    ("md-autolink-inline-html", "<http://evil.example> <b>x</b>", ["<http://evil.example> <b>x</b>"]),
    ("md-reference-definition", "[ref]: http://evil.example\n[ref]", ["[ref]: http://evil.example", "[ref]"]),
    ("rich-close", "[/]", ["[/]"]),
    ("rich-bold", "[bold]not bold[/bold] [/", ["[bold]not bold[/bold] [/"]),
    ("rich-link", "[link=http://evil.example]click[/link]", ["[link=http://evil.example]click[/link]"]),
    ("esc-csi-clear", "\x1b[2J\x1b[Hscreen cleared", ["\\x1b[2J\\x1b[Hscreen cleared"]),
    ("esc-osc-title", "\x1b]0;pwned title\x07", ["\\x1b]0;pwned title\\x07"]),
    (
        "esc-osc8-hyperlink",
        "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
        ["\\x1b]8;;http://evil.example\\x1b\\click\\x1b]8;;\\x1b\\"],
    ),
    ("c1-csi", "\x9b2J after a C1 CSI", ["\\x9b2J after a C1 CSI"]),
    ("backspace", "good answer\x08\x08\x08\x08bad", ["good answer\\x08\\x08\\x08\\x08bad"]),
    ("carriage-return", "I agree\rI disagree\r\nsecond line", ["I agree", "I disagree", "second line"]),
    ("bidi-override", "total \u202e0021\u202c usd", ["total \\u202e0021\\u202c usd"]),
    ("nul-del-vt", "a\x00b\x7fc\x0bd", ["a\\x00b\\x7fc\\x0bd"]),
    ("long-line", "x" * 100_000 + " END", ["x" * 100_000 + " END"]),
]
CASES = [pytest.param(text, shown, id=name) for name, text, shown in HOSTILE]
# What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls, bidi embeddings and overrides.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def no_active(*outputs: str) -> None:
    for output in outputs:
        found = ACTIVE.search(output)
        assert found is None, f"{found.group()!r} reached the terminal" if found else ""


def hostile_question(text: str, qid: str = "backend/idempotency") -> Question:
    data = question_data(qid)
    data["text"] = bi(text, text)
    return Question.model_validate(data)


def transcript(text: str, session_id: str = SID) -> Transcript:
    """A finished session with `text` in every place that holds free text: the question, an answer, a
    follow-up, the model's name, the evidence, strengths, gaps, what a strong answer says and notes."""
    at = datetime(2026, 1, 1, 9, tzinfo=UTC)
    turns = [
        Turn(role="interviewer", kind="question", text=text, at=at),
        Turn(role="candidate", kind="answer", text=text, at=at),
        Turn(role="interviewer", kind="follow_up", text=text, at=at),
        Turn(role="candidate", kind="answer", text="a second answer", at=at),
    ]
    feedback = Feedback(
        criteria=[
            CriterionScore(criterion_id="mechanism", weight=60, score=3, evidence=[text]),
            CriterionScore(criterion_id="edge-cases", weight=40, score=2, evidence=[text]),
        ],
        strengths=[text],
        gaps=[text],
        missed=[MissedPoint(key_point_id="stored-result", what_strong_answers_say=text)],
        notes=[text],
    )
    record = QuestionRecord(question=hostile_question(text), turns=turns, status="graded", feedback=feedback)
    t = Transcript(
        session_id=SID,
        created_at=at,
        updated_at=at,
        plan=Plan(lang="en", questions=1),
        provider="openai",
        model=text,
        bank_fingerprint="test",
        records=[record],
        finished=True,
    )
    # Ids are checked when a transcript is read; one made here can hold any id, as a file on disk can.
    return t.model_copy(update={"session_id": session_id})


def save(box: Sandbox, t: Transcript, name: str = SID) -> Path:
    box.sessions.mkdir(parents=True, exist_ok=True)
    path = box.sessions / f"{name}.json"
    path.write_text(t.model_dump_json(), encoding="utf-8")
    return path


class _Text(HTMLParser):
    """What a browser shows of an HTML document: its text, line breaks where `<br>` is; and its tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# The tags the report itself writes; any other tag in the rendered document came from the text.
REPORT_TAGS = {
    "h1", "h2", "p", "ul", "li", "strong", "br", "blockquote", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def rendered(markdown: str) -> tuple[str, list[str]]:
    """The document as a GitHub-like renderer shows it (tables, strike-through, raw HTML allowed)."""
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts).replace("\u00a0", " "), parser.tags


def check_markdown_document(markdown: str, text: str, shown: list[str]) -> None:
    """The report holding `text` renders with the very structure of one holding plain words in its place
    (no heading, list, table, code, link, quote or tag of the text's own), and shows `text` as written."""
    no_active(markdown)
    seen, tags = rendered(markdown)
    assert set(tags) <= REPORT_TAGS, f"the text made tags of its own: {sorted(set(tags) - REPORT_TAGS)}"
    words = re.sub(r"[^\r\n]*\S[^\r\n]*", "words", text)  # the same lines, blank ones kept blank
    plain = to_markdown(build_report(transcript(words)))
    assert tags == rendered(plain)[1], "the text changed the document's structure"
    for fragment in shown:
        assert fragment in seen, f"{fragment[:80]!r} is not shown as written"
    # The conversation block is closed once, by the report: no answer closes it early.
    assert markdown.count("</details>") == 1


# --- report, replay: a transcript's text on a terminal and in a document ---------------------------


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_report_markdown_shows_text_as_written(sandbox: Sandbox, text: str, shown: list[str]) -> None:
    save(sandbox, transcript(text))
    result = sandbox.run("report", SID)
    assert result.code == 0, result.err
    check_markdown_document(result.out, text, shown)


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_report_json_keeps_text_exactly_and_is_terminal_safe(
    sandbox: Sandbox, text: str, shown: list[str]
) -> None:
    save(sandbox, transcript(text))
    result = sandbox.run("report", SID, "--format", "json")
    assert result.code == 0, result.err
    no_active(result.out)
    data = json.loads(result.out)
    question = data["questions"][0]
    assert data["model"] == text and question["text"] == text
    assert [t["text"] for t in question["turns"]][:3] == [text, text, text]
    assert question["strengths"] == [text] and question["evidence"]["mechanism"] == [text]


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_replay_shows_text_as_written(sandbox: Sandbox, text: str, shown: list[str]) -> None:
    path = save(sandbox, transcript(text))
    result = sandbox.run("replay", str(path))
    assert result.code == 0, result.err
    no_active(result.out, result.err)
    for fragment in shown:
        assert fragment in result.out


# --- session ids: shown on one line, or refused on one line; never markup, never an escape --------------

IDS = [
    pytest.param("[/]", id="id-rich-close"),
    pytest.param("[bold]x[/bold]", id="id-rich-bold"),
    pytest.param("\x1b[2J\x1b]0;title\x07", id="id-esc-csi-osc"),
    pytest.param("\x9b2J", id="id-c1-csi"),
    pytest.param("a\u202eb", id="id-bidi-override"),
    pytest.param("fake\ninterviewer: error: forged line", id="id-newline"),
    pytest.param("a\rb\x08", id="id-cr-backspace"),
    pytest.param("# heading <b>", id="id-markdown-html"),
]


@pytest.mark.parametrize("session_id", IDS)
def test_a_hostile_session_id_is_shown_on_one_line_or_refused(sandbox: Sandbox, session_id: str) -> None:
    path = save(sandbox, transcript("an ordinary answer", session_id=session_id))
    commands: list[tuple[str, ...]] = [
        ("sessions",),
        ("sessions", "--json"),
        ("report", SID),
        ("replay", str(path)),
    ]
    for argv in commands:
        result = sandbox.run(*argv)
        assert result.code in (0, 1, 2), (argv, result)
        no_active(result.out, result.err)
        assert all(line.startswith("interviewer: ") for line in result.error_lines()), result.err
        lines = (result.out + result.err).splitlines()
        assert not any(line.startswith("interviewer: error: forged") for line in lines)
        if argv == ("sessions",) and result.out.startswith("session"):
            assert len(result.out.strip().splitlines()) == 2, result.out  # the id starts no row of its own
        if result.code == 0 and argv[0] == "report":
            assert set(rendered(result.out)[1]) <= REPORT_TAGS
        if result.code == 0 and argv == ("sessions", "--json"):
            assert [s["session_id"] for s in json.loads(result.out)] in ([], [session_id])


# --- bank text: `bank show`, `bank list` and plain mode ----------------------------------------------

BANK_NAMES = ("esc-csi-clear", "esc-osc-title", "c1-csi", "backspace", "carriage-return", "bidi-override")
BANK_CASES = [pytest.param(name, shown, id=name) for name, _text, shown in HOSTILE if name in BANK_NAMES]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One bank file for every case, category `NAME` holding the hostile text NAME in its question, hints
    and follow-ups: the same file each time, so the bank is parsed once, not once per case."""
    questions = []
    for name, text, _shown in HOSTILE:
        if name not in BANK_NAMES:
            continue
        data = question_data(f"{name}/question")
        data["text"] = bi(text, text)
        for point in cast(list[dict[str, object]], data["key_points"]):
            for key in ("follow_up", "deepen", "hint"):  # each its own text: a repeated question is not asked
                point[key] = bi(f"{key} {text}", f"{key} {text}")
        questions.append(data)
    path = tmp_path_factory.mktemp("bank") / "hostile.yaml"
    path.write_text(yaml.safe_dump(questions, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("name", "shown"), BANK_CASES)
def test_bank_show_and_list_show_bank_text_as_written(
    sandbox: Sandbox, bank: str, name: str, shown: list[str]
) -> None:
    show = sandbox.run("bank", "show", f"{name}/question", "--bank", bank, "--lang", "en")
    listing = sandbox.run("bank", "list", "--bank", bank, "--category", name, "--lang", "en")
    assert show.code == 0 and listing.code == 0, (show.err, listing.err)
    no_active(show.out, show.err, listing.out, listing.err)
    for fragment in shown:
        assert fragment in show.out
    rows = listing.out.splitlines()
    assert rows[1].startswith(f"{name}/question") and rows[2] == ""  # one row, even for a multi-line text


@pytest.mark.parametrize(("name", "shown"), BANK_CASES)
def test_plain_mode_shows_bank_text_as_written(
    sandbox: Sandbox, bank: str, name: str, shown: list[str]
) -> None:
    argv = ["practice", "--plain", "--provider", "offline", "--bank", bank, "--category", name]
    argv += ["--questions", "1", "--follow-ups", "1", "--lang", "en"]
    answers = "/hint\nThe client sends an idempotency key with each request.\n.\nNothing more.\n.\n"
    result = sandbox.run(*argv, stdin=answers)
    assert result.code == 0, result.err
    no_active(result.out, result.err)
    for fragment in shown:
        assert fragment in result.out
    assert result.out.count(shown[-1]) >= 3  # the question, the hint and the follow-up


# --- the full-screen app -------------------------------------------------------------------------------


def context(tmp_path: Path) -> Context:
    ids = iter(f"20260101-000000-{i:04d}" for i in range(100))
    return Context(
        settings=Settings(provider="offline"),
        store=Store(tmp_path / "data"),
        backend_factory=lambda settings, session_id: OfflineBackend(),
        default_lang="en",
        clock=lambda: 0.0,
        session_ids=lambda: next(ids),
        seeds=lambda: 1,
    )


def markdown_shown(widget: Markdown) -> str:
    return "\n".join(str(block.render()) for block in widget.query("MarkdownBlock").results(Static))


def shown_by(screen: Screen[object], selector: str) -> str:
    """The text the widgets matching `selector` put on the screen, whatever kind of widget they are."""
    return "\n".join(
        markdown_shown(w) if isinstance(w, Markdown) else str(w.render()) for w in screen.query(selector)
    )


# One text that holds every kind of trouble for a screen: an HTML block, a table, Rich markup, escapes.
SCREEN_TEXT = (
    "<div>\nthe line after the tag\n| a | b |\n|---|---|\n[/] [link=http://evil.example]x[/link]\x1b]0;t\x07"
)
SCREEN_SHOWN = [
    "<div>",
    "the line after the tag",
    "| a | b |",
    "|---|---|",
    "[/] [link=http://evil.example]x[/link]\\x1b]0;t\\x07",
]


def test_the_app_shows_an_answer_as_typed(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        engine = ctx.start_interview(SetupChoices(categories=["cs"], questions=2, follow_ups=0, lang="en"))
        await show(pilot, OpenInterview(engine))
        app.screen.query_one(TextArea).insert(SCREEN_TEXT)
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = shown_by(app.screen, ".you")
        no_active(said)
        for fragment in SCREEN_SHOWN:
            assert fragment in said, said

    drive(app, script)


def test_the_history_and_feedback_screens_show_ids_and_text_as_written(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    ctx.store.sessions_dir.mkdir(parents=True)
    ids = ("[/]", "[bold]x[/bold]", "[link=http://evil.example]")
    for i, session_id in enumerate(ids):
        t = transcript("[b]an answer[/b]", session_id=session_id)
        (ctx.store.sessions_dir / f"{SID}{i}.json").write_text(t.model_dump_json(), encoding="utf-8")
    app = InterviewerApp(ctx)

    async def script(pilot: Pilot[int]) -> None:
        await show(pilot, OpenHistory("en"))
        table = app.screen.query_one("#sessions", DataTable)
        assert {str(table.get_row_at(i)[0]) for i in range(table.row_count)} <= set(ids)  # if read at all
        await show(pilot, OpenReport(transcript("[/]", session_id="[/]")))
        assert shown_by(app.screen, "#status") == "openai · [/]"
        await pilot.press("e")  # the notice names the file, and its name holds the id
        await pilot.pause()
        await show(pilot, OpenReport(transcript(SCREEN_TEXT)))
        page = markdown_shown(app.screen.query_one("#report", Markdown))
        no_active(page)
        for fragment in SCREEN_SHOWN:  # in the follow-ups asked, the strengths, gaps and notes
            assert fragment in page, page
        await pilot.press("e")
        await pilot.pause()

    drive(app, script)
    exported = (tmp_path / "data" / "reports" / f"{SID}.md").read_text(encoding="utf-8")
    check_markdown_document(exported, SCREEN_TEXT, SCREEN_SHOWN)


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "/no/such/\x1b[2Jdata\x07.yaml"],
        ["eval", "compare", "/no/\x1b]0;title\x07a.json", "/no/b.json"],
        ["regrade", "/no/such/\x1b[31mrun.json"],
    ],
    ids=["eval-dataset", "eval-compare", "regrade-path"],
)
def test_paths_echoed_in_evaluation_errors_reach_no_terminal_raw(sandbox: Sandbox, argv: list[str]) -> None:
    result = sandbox.run(*argv)
    assert result.code in (1, 2), result.err
    assert result.err.strip() and "\x1b" not in result.err and "\x07" not in result.err
    assert "\\x1b" in result.err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_the_report_rendered_in_a_terminal_lets_no_escape_through(text: str, shown: list[str]) -> None:
    """Plain mode renders its closing report at a terminal: what the Markdown escaping made visible stays
    visible, and the renderer adds nothing a terminal acts on but its own styling."""
    out = Terminal()
    show_report(to_markdown(build_report(transcript(text), {}), conversation=False), out)
    no_active(re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()))  # the renderer's own colours are fine


def test_the_rendered_report_shows_ordinary_text_without_markdown_escapes() -> None:
    out = Terminal()
    show_report(to_markdown(build_report(transcript("softmax(QKᵀ/√d_k) * V, see [1]"), {})), out)
    assert "softmax(QKᵀ/√d_k) * V, see [1]" in re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
