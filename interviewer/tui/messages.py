"""What a screen asks the app to do next. Screens post these and never open one another: the app alone
knows the screens and decides whether to push, switch or pop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from ..domain import Lang, Transcript

if TYPE_CHECKING:
    from ..engine import Engine
    from ..profile.model import Profile
    from .prefs import SetupChoices


class OpenInterview(Message):
    """An engine is ready (a new session, or one resumed): show its interview."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine


class InterviewEnded(Message):
    """The interview is over and graded: its report takes the interview's place."""

    def __init__(self, transcript: Transcript) -> None:
        super().__init__()
        self.transcript = transcript


class OpenReport(Message):
    """Show a session's report over the current screen (F6 mid-interview, Enter in the history)."""

    def __init__(self, transcript: Transcript) -> None:
        super().__init__()
        self.transcript = transcript


class OpenHistory(Message):
    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang


class OpenBankBrowser(Message):
    """Browse the bank by category and pick the questions to practise."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang


class StartQuestions(Message):
    """Start an interview of exactly these questions, in this order (from the bank browser)."""

    def __init__(self, question_ids: list[str], lang: Lang) -> None:
        super().__init__()
        self.question_ids = question_ids
        self.lang = lang


class StartReview(Message):
    """A review drill over the cards due today, in this language."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang


class TryAgain(Message):
    """Answer a finished session's graded questions again, in a new session whose report compares them."""

    def __init__(self, transcript: Transcript) -> None:
        super().__init__()
        self.transcript = transcript


class ReviewProfile(Message):
    """A profile was read: show what it holds, then start the interview with what the candidate kept."""

    def __init__(self, choices: SetupChoices, profile: Profile) -> None:
        super().__init__()
        self.choices = choices
        self.profile = profile
