"""What every signal looks at: one answer, analysed once."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import Lang, Question
from ..matching import Index, Sentence


@dataclass(frozen=True)
class AnswerContext:
    question: Question
    lang: Lang
    sentences: tuple[Sentence, ...]
    index: Index

    @classmethod
    def of(cls, question: Question, lang: Lang, sentences: list[Sentence]) -> AnswerContext:
        return cls(question, lang, tuple(sentences), Index(sentences))

    def counting(self) -> list[int]:
        """Sentences that can earn credit: not "I don't know", not addressed to the grader."""
        return [i for i, s in enumerate(self.sentences) if s.counts]
