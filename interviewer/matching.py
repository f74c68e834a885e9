"""Sentence-level cue matching for Korean and English answers, used by the offline grader and hints.

The rules are documented for bank authors in question_bank/README.md; keep the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .domain import KeyPoint

Coverage = Literal["explained", "mentioned", "missing"]

_HANGUL = "\uac00-\ud7a3"
_HAS_HANGUL = re.compile(f"[{_HANGUL}]")
_TOKEN = re.compile(r"[^\W_]+(?:[+#]+)?")
_LATIN_HEAD = re.compile(f"^([^{_HANGUL}]+)([{_HANGUL}]*)$")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?。？！])\s+|\s*\n\s*")
# A slash separates list items ("locks/queues") but not short terms such as I/O, TCP/IP or HTTP/3.
_LIST_SEPARATORS = re.compile(r"[,;·、|]|\s/|/\s|(?<=[^\W\d_]{4})/(?=[^\W\d_]{4})")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")

# Words that glue English prose together; a run of terms without them is a keyword list.
_EN_FUNCTION_WORDS = frozenset(
    """a an the is are was were be been being of to in on for with by from as at that which who this these
    those it its we i you they he she because so if when while then than but and or not no can could will
    would should must may might do does did has have had means mean how what why where there each every
    into between over under only also more less same different""".split()  # noqa: SIM905 - easier to read
)
# Particles and endings that mark connected Korean prose rather than a list of nouns.
_KO_ENDINGS = (
    "은", "는", "이", "가", "을", "를", "에", "의", "로", "와", "과", "도", "만", "고", "며", "면", "서",
    "다", "요", "죠", "지만", "는데", "므로", "니까", "하여", "해서", "하고", "하는", "한", "된", "될",
    "할", "함", "임", "음", "게", "지", "니", "며", "든", "려", "야",
)  # fmt: skip

_IDK = re.compile(
    r"\b(?:i\s+)?(?:don'?t|do\s+not|dont)\s+know\b|\bno\s+idea\b|\bnot\s+sure\b|\bnever\s+(?:heard|learned|studied)"
    r"|\bcan'?t\s+remember\b|\bno\s+clue\b|모르겠|모릅니다|몰라요|몰라서|잘\s*모르|잘\s*몰|기억이\s*안|기억\s*안\s*나"
    r"|들어\s*본\s*적이?\s*없"
)
_REASONING = re.compile(
    r"\b(?:but|however|though|guess|infer|think|would|probably|maybe|might|likely|reason|suppose|assume)\b"
    r"|지만|그래도|추론|아마|생각|추측|것\s*같|듯|예상|짐작|보면"
)
# Sentences addressed to the grader rather than the interviewer; they are ignored and reported.
_DIRECTIVE = re.compile(
    r"\bignore\s+(?:all\s+|the\s+|any\s+|your\s+)?(?:previous|prior|above|earlier|preceding)"
    r"|\bdisregard\s+(?:all|the|any|your|previous|prior)|\bsystem\s+prompt|\bgrader\b|\bgrading\s+instructions?"
    r"|\b(?:give|award|assign)\s+(?:me\s+|this\s+(?:answer\s+)?)?(?:full|maximum|max|perfect|top|a\s+perfect)\s+"
    r"(?:marks?|scores?|points?)|\bfull\s+marks\b|\bperfect\s+score|\b5\s*/\s*5\b|\bscore\s+(?:this|me|it)\s+(?:a\s+)?(?:5|five)\b"
    r"|\brate\s+(?:this|me|it)\s+(?:as\s+)?(?:5|five|excellent)|\byou\s+are\s+now\b"
    r"|지시.{0,6}(?:무시|따르지)|이전.{0,4}지시|만점|5\s*점.{0,3}(?:을|를)?\s*주|최고\s*점수|채점자|채점\s*기준을\s*무시|시스템\s*프롬프트"
)


# Every alternative of the two patterns above contains one of these words; checking for them first is far
# cheaper than running the patterns on a sentence that contains none of them.
_IDK_WORDS = ("know", "idea", "sure", "never", "remember", "clue", "모르", "모릅", "몰", "기억", "들어")
_DIRECTIVE_WORDS = (
    "ignore", "disregard", "prompt", "grad", "mark", "score", "5", "rate", "you are now", "지시", "만점",
    "채점", "프롬프트",
)  # fmt: skip


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def clean_answer(text: str) -> str:
    """Drop control characters other than newline and tab; unify line endings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def stem(word: str) -> str:
    """A light English stemmer: enough to make inflections of one word meet, applied to both sides."""
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses") or word.endswith(("ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "ias")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str  # as the candidate wrote it, so it can be quoted
    tokens: tuple[str, ...]
    stems: tuple[str | None, ...]  # stem of a token's Latin head, None for Korean words
    explanatory: bool
    idk: bool  # says "I don't know" and does not go on to reason
    directive: bool  # addressed to the grader

    @property
    def counts(self) -> bool:
        return not (self.directive or self.idk)


@lru_cache(maxsize=65536)
def _token_stem(token: str) -> str | None:
    m = _LATIN_HEAD.match(token)
    return stem(m.group(1)) if m else None


def _is_explanatory(norm: str, tokens: tuple[str, ...]) -> bool:
    fragments = [f for f in _LIST_SEPARATORS.split(norm) if f.strip()]
    if len(fragments) >= 3:
        short = sum(1 for f in fragments if len(_TOKEN.findall(f)) <= 2)
        if short / len(fragments) >= 0.6:
            return False
    if _HAS_HANGUL.search(norm):
        marked = sum(1 for t in tokens if "\uac00" <= t[-1] <= "\ud7a3" and t.endswith(_KO_ENDINGS))
        return len(tokens) >= 3 and marked >= 2 and marked / len(tokens) >= 0.3
    glue = sum(1 for t in tokens if t in _EN_FUNCTION_WORDS)
    return len(tokens) >= 5 and glue >= 2


def split_sentences(text: str) -> list[str]:
    parts = (_BULLET.sub("", p).strip() for p in _SENTENCE_BREAK.split(text))
    return [p for p in parts if p]


def analyse(text: str) -> list[Sentence]:
    out = []
    for raw in split_sentences(text):
        norm = normalize(raw)
        tokens = tuple(_TOKEN.findall(norm))
        out.append(
            Sentence(
                text=raw,
                tokens=tokens,
                stems=tuple(_token_stem(t) for t in tokens),
                explanatory=_is_explanatory(norm, tokens),
                idk=_has_any(norm, _IDK_WORDS) and bool(_IDK.search(norm)) and not _REASONING.search(norm),
                directive=_has_any(norm, _DIRECTIVE_WORDS) and bool(_DIRECTIVE.search(norm)),
            )
        )
    return out


# A cue is a tuple of parts that must all appear in one sentence; a part is a sequence of words.
# Each word is (is_korean, text): Korean words match by prefix, others by stem.
_Word = tuple[bool, str]
_Part = tuple[_Word, ...]


@lru_cache(maxsize=8192)
def parse_cue(cue: str) -> tuple[tuple[_Part, ...], ...]:
    """Return the alternatives a cue can match as; each alternative is a tuple of parts."""
    parts: list[list[_Part]] = []
    for piece in cue.split("&"):
        words = _TOKEN.findall(normalize(piece))
        if not words:
            continue
        variants: list[_Part] = [tuple(_word(w) for w in words)]
        if len(words) > 1 and all(_HAS_HANGUL.search(w) for w in words):
            variants.append(((True, "".join(words)),))  # Korean compounds are often written without spaces
        parts.append(variants)
    # Expand the per-part variants into whole alternatives (there are at most a handful).
    alternatives: list[tuple[_Part, ...]] = [()]
    for variants in parts:
        alternatives = [(*alt, v) for alt in alternatives for v in variants]
    return tuple(a for a in alternatives if a)


def _word(w: str) -> _Word:
    return (True, w) if _HAS_HANGUL.search(w) else (False, stem(w))


def cue_in(cue: str, sentence: Sentence) -> int:
    """The number of words the cue matched in the sentence, 0 when it does not match."""
    return Index([sentence]).hits(cue).get(0, 0)


# A sentence that is little more than the cue itself is a mention, not an explanation.
_WORDS_BEYOND_CUE = 2


@dataclass(frozen=True)
class PointCoverage:
    key_point: str
    status: Coverage
    evidence: tuple[str, ...]  # sentences where the cues were found


class Index:
    """Where each word occurs in an answer, so a cue is looked up instead of scanned for."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self._latin: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._first: dict[str, list[tuple[int, int]]] = defaultdict(list)  # by first character, for prefixes
        for si, sentence in enumerate(sentences):
            for pos, (token, stemmed) in enumerate(zip(sentence.tokens, sentence.stems, strict=True)):
                if stemmed is not None:
                    self._latin[stemmed].append((si, pos))
                self._first[token[0]].append((si, pos))

    def _part(self, part: _Part) -> set[int]:
        korean, word = part[0]
        found = set()
        for si, pos in self._first.get(word[0], ()) if korean else self._latin.get(word, ()):
            s = self.sentences[si]
            if pos + len(part) > len(s.tokens):
                continue
            if all(
                s.tokens[pos + k].startswith(w) if kor else s.stems[pos + k] == w
                for k, (kor, w) in enumerate(part)
            ):
                found.add(si)
        return found

    def hits(self, cue: str) -> dict[int, int]:
        """Sentence number -> how many words of the cue matched there."""
        out: dict[int, int] = {}
        for alt in parse_cue(cue):
            common = set.intersection(*(self._part(p) for p in alt))
            size = sum(len(p) for p in alt)
            for si in common:
                out[si] = max(out.get(si, 0), size)
        return out


def cover(point: KeyPoint, index: Index) -> PointCoverage:
    """How well the answer covers a key point; cues of both languages count."""
    matched: dict[int, int] = {}
    for cue in (*point.cues.ko, *point.cues.en):
        for si, size in index.hits(cue).items():
            matched[si] = max(matched.get(si, 0), size)
    explained: list[str] = []
    mentioned: list[str] = []
    for si in sorted(matched):
        s = index.sentences[si]
        if not s.counts:
            continue
        if s.explanatory and len(s.tokens) - matched[si] >= _WORDS_BEYOND_CUE:
            explained.append(s.text)
        else:
            mentioned.append(s.text)
    if explained:
        return PointCoverage(point.id, "explained", tuple(explained[:2]))
    if mentioned:
        return PointCoverage(point.id, "mentioned", tuple(mentioned[:2]))
    return PointCoverage(point.id, "missing", ())
