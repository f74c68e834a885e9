"""The technologies a text names, as the bank's stack questions know them: a profile's projects and its
list of technologies are both read with one finder per bank."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..bank import Bank


class TechFinder:
    """Every name and alias of the bank's stack questions, found by plain substring search (many times faster
    than one expression of a hundred alternatives): Latin names as whole words ("go" is not in "good"),
    Korean ones anywhere (a particle follows them: 쿠버네티스를). Where two names overlap, the one that starts
    first, then the longer, is the mention."""

    def __init__(self, bank: Bank) -> None:
        self._names: list[tuple[str, str, bool]] = []  # (folded name, question id, is Latin)
        seen: set[str] = set()
        for q in sorted(bank.questions.values(), key=lambda q: q.id):
            if q.technology is None:
                continue
            aliases = q.technology.aliases
            for name in (q.technology.name, *aliases.en, *aliases.ko):
                key = " ".join(_lowered(name).split())
                if key and key not in seen:
                    seen.add(key)
                    self._names.append((key, q.id, not _HANGUL.search(name)))

    def mentions(self, text: str) -> Iterator[tuple[str, str]]:
        """(question id, the name as written) for every mention, in order."""
        lowered = _lowered(text).translate(_SPACES)
        hits: list[tuple[int, int, str]] = []
        for name, qid, latin in self._names:
            at = lowered.find(name)
            while at != -1:
                end = at + len(name)
                if not latin or (
                    (at == 0 or lowered[at - 1] not in _WORD_CHARS)
                    and (end == len(lowered) or lowered[end] not in _WORD_CHARS_AFTER)
                ):
                    hits.append((at, -len(name), qid))
                at = lowered.find(name, at + 1)
        hits.sort()
        taken = 0
        for at, negative_length, qid in hits:
            if at >= taken:
                taken = at - negative_length
                yield qid, " ".join(text[at:taken].split())

    def first_mentions(self, text: str) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for qid, name in self.mentions(text):
            seen.setdefault(qid, name)
        return list(seen.items())

    def ids(self, texts: Iterable[str]) -> list[str]:
        return [qid for qid, _ in self.first_mentions("\n".join(texts))]


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_WORD_CHARS_AFTER = _WORD_CHARS | {"+", "#"}  # "C" is not in "C++" or "C#"
_SPACES = str.maketrans("\t\n\r\f\v\u00a0", "      ")
_last: tuple[Bank, TechFinder] | None = None


def finder_for(bank: Bank) -> TechFinder:
    """The bank's finder, built once for the bank a session uses rather than for every profile read."""
    global _last
    if _last is None or _last[0] is not bank:
        _last = (bank, TechFinder(bank))
    return _last[1]


def _lowered(text: str) -> str:
    """Lower case with every character kept in its place, so a match's position is the same in the text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)
