"""The review cards as a file Anki imports (File › Import): tab-separated text with Anki's file headers.

Anki reads this format natively, so no deck-writing package is needed. Each card keeps a stable GUID made
from its question and key point: importing again updates the notes instead of duplicating them.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
from collections.abc import Callable

from ..domain import Lang, Question
from .cards import CardRow
from .drill import drill_question

DECK = "interviewer"


def anki_text(
    cards: list[CardRow], question_of: Callable[[CardRow], Question | None], lang: Lang
) -> tuple[str, int]:
    """The file's text and how many cards it holds (cards whose question is unknown are left out)."""
    out = io.StringIO()
    for header in (
        "separator:tab",
        "html:true",
        "notetype:Basic",
        f"deck:{DECK}",
        "guid column:1",
        "tags column:4",
    ):
        out.write(f"#{header}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    written = 0
    for card in cards:
        question = question_of(card)
        drilled = drill_question(question, card) if question is not None else None
        if question is None or drilled is None:
            continue
        context = f"<small>{_h(question.category)} · {_h(question.text(lang))}</small>"
        front = f"{context}<br><br>{_h(drilled.text(lang))}"
        back = _h(drilled.model_answer(lang))
        tags = f"{DECK} {question.category} {card.last_status}"
        writer.writerow([_guid(card), front, back, tags])
        written += 1
    return out.getvalue(), written


def _guid(card: CardRow) -> str:
    return hashlib.sha256(f"{DECK}:{card.question_id}:{card.key_point_id}".encode()).hexdigest()[:20]


def _h(text: str) -> str:
    """Escaped, line breaks kept: the notes are HTML, and text from the bank or a transcript is not."""
    return html.escape(text).replace("\n", "<br>")
