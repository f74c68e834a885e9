"""Text the app did not write (answers, model output, bank files, ids and names read from transcripts) made
safe to show: on a terminal, in a Markdown document, in JSON printed to a terminal.

Nothing here drops content: a character a terminal would act on is written as an escape (``\\x1b``,
``\\u202e``) so the reader still sees that it was there."""

from __future__ import annotations

import html
import re

# Characters a terminal or a text renderer acts on instead of showing: C0 controls (ESC starts every escape
# sequence, BS and CR overwrite what is shown), DEL, C1 controls (U+009B is a one-character CSI on some
# terminals), the bidi controls that reorder a line so it reads differently from what it holds, and lone
# surrogates, which no encoder can write. Tab and newline are left to the callers below.
_ACTIVE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_IN_TEXT = re.compile(f"[{_ACTIVE}]")
_IN_LINE = re.compile(f"[{_ACTIVE}\t\n]")
_LINE_ENDS = re.compile(r"\r\n?")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """Multi-line text for a terminal: newlines and tabs stay; a carriage return ends a line, as it does in
    files from other systems, rather than moving back over what was written; every other active character
    is shown as an escape."""
    return _IN_TEXT.sub(_visible, _LINE_ENDS.sub("\n", text))


def one_line(text: str) -> str:
    """A single field (an id, a model name, an error message) on one line: line breaks and tabs are shown
    as escapes too, so a field cannot start a line of its own that looks like the app's."""
    return _IN_LINE.sub(_visible, text)


# Inline Markdown (and GitHub's) syntax: escapes, code spans, emphasis, strike-through, links and images,
# table cells, maths. Each is written with a backslash, which CommonMark allows before any punctuation;
# the backslash itself comes first, so the ones added are not escaped again.
_MD_INLINE = "\\`*_[]|~$"
# What opens a block at the start of a line (after its indentation): headings, list items, setext
# underlines, thematic breaks. The backslash goes before the sign, or after a list item's number.
_MD_LINE_START = re.compile(r"^(\u00a0*)(?:([0-9]{1,9})(?=[.)])|(?=[#+=-]))", re.MULTILINE)
_BLANK_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
# A line break between two lines that hold text; a backslash before it makes it a hard break (before a
# blank line the backslash would show as itself).
_BETWEEN_LINES = re.compile(r"(?<=[^\n])\n(?=[^\n])")
_NBSP = "\u00a0"


def _markdown_inline(text: str) -> str:
    text = html.escape(text, quote=False)
    for sign in _MD_INLINE:  # one pass per sign: a 10 MB answer takes a tenth of a second, not seconds
        text = text.replace(sign, "\\" + sign)
    return text


def _no_break(indent: re.Match[str]) -> str:
    return indent.group().replace("\t", "    ").replace(" ", _NBSP)


def for_markdown(text: str) -> str:
    """Text that a Markdown renderer shows exactly as typed, line breaks included: `<`, `>` and `&` become
    HTML entities (no tag can open or close, not even `</details>`); Markdown syntax is escaped wherever it
    would act, so no heading, list, link, image, table, code span or fence, quote or emphasis appears;
    each line ends in a hard break; indentation is kept with no-break spaces, which no renderer reads as
    an indented code block."""
    body = _BLANK_LINE.sub("", _markdown_inline(for_terminal(text)))
    body = _MD_LINE_START.sub(r"\1\2\\", _INDENT.sub(_no_break, body))
    return _BETWEEN_LINES.sub("\\\n", body).rstrip("\n")


def markdown_line(text: str) -> str:
    """One field (an id, a name, a table cell) for Markdown: on one line, escaped as `for_markdown`
    escapes text, and `#` everywhere, since a heading's closing `#`s would be dropped."""
    return _markdown_inline(one_line(text)).replace("#", "\\#")


# Inside a JSON string: the characters a terminal acts on that JSON encoders leave as they are (they escape
# only those below U+0020). The same escape in JSON gives the same string back to any reader.
_JSON_ACTIVE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_for_terminal(document: str) -> str:
    """A JSON document, unchanged in meaning, with no character left in it that a terminal would act on."""
    return _JSON_ACTIVE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
