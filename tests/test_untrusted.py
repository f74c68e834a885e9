"""Any text at all comes out of `interviewer.untrusted` safe for its target and still saying what it said."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from interviewer.untrusted import for_markdown, for_terminal, json_for_terminal, markdown_line, one_line

FAST = settings(max_examples=300, deadline=None)
# Characters that matter to terminals and to Markdown, mixed with ordinary letters, Hangul and spaces.
TRICKY = st.text(
    alphabet=st.sampled_from(
        [*"ab 가1.)#+=-*_`[]|~$<>&!:\\\t\n\r", "\x1b", "\x07", "\x08", "\x00", "\x7f", "\x9b", "\u202e"]
    ),
    max_size=40,
)
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _Shown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.text.append("\n" if tag == "br" else "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _lines(text: str) -> list[str]:
    """What a reader compares: each line's words, blank lines and runs of spaces aside."""
    return [" ".join(line.split()) for line in text.replace("\u00a0", " ").split("\n") if line.strip()]


@FAST
@given(TRICKY)
def test_markdown_renders_any_text_as_written_and_nothing_else(text: str) -> None:
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(for_markdown(text))
    shown = _Shown()
    shown.feed(html)
    assert shown.tags <= {"p", "br"}, html
    assert _lines("".join(shown.text)) == _lines(for_terminal(text)), html


@FAST
@given(TRICKY)
def test_a_markdown_line_is_one_line_and_renders_as_written(text: str) -> None:
    line = markdown_line(text)
    assert "\n" not in line
    html = (
        MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(f"# {line}\n\n| {line} |\n|---|\n")
    )
    shown = _Shown()
    shown.feed(html)
    assert shown.tags <= {"h1", "table", "thead", "tr", "th"}, html
    written = " ".join(one_line(text).split())
    assert [" ".join(part.split()) for part in "".join(shown.text).split("\n") if part.strip()] == (
        [written, written] if written else []
    )


def _decoded(shown: str) -> str:
    names = {"t": "\t", "n": "\n", "r": "\r"}
    return re.sub(
        r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|([tnr]))",
        lambda m: names[m[3]] if m[3] else chr(int(m[1] or m[2], 16)),
        shown,
    )


NO_BACKSLASH = st.text(alphabet=st.characters(blacklist_characters="\\"), max_size=40)


@FAST
@given(NO_BACKSLASH)
def test_terminal_text_holds_no_active_character_and_loses_none(text: str) -> None:
    shown, line = for_terminal(text), one_line(text)
    assert not ACTIVE.search(shown) and not ACTIVE.search(line) and "\n" not in line
    assert _decoded(line) == text
    assert _decoded(shown) == text.replace("\r\n", "\n").replace("\r", "\n")


@FAST
@given(st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=4))
def test_json_on_a_terminal_reads_back_the_same(data: dict[str, str]) -> None:
    document = json_for_terminal(json.dumps(data, ensure_ascii=False))
    assert not ACTIVE.search(document)
    assert json.loads(document) == data
