"""Plain-text tables whose columns line up with Korean text: wide characters take two cells."""

from __future__ import annotations

import unicodedata

from .untrusted import one_line


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def table(rows: list[list[str]], last_max: int | None = None) -> str:
    rows = [[one_line(cell) for cell in r] for r in rows]  # cells hold ids and text read from files
    if last_max is not None:
        rows = [[*r[:-1], clip(r[-1], last_max)] for r in rows]
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(r)).rstrip() for r in rows
    )
