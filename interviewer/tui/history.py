"""The history screen: past sessions, the score trend per category, resume or open a report."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Sparkline, Static
from textual.worker import Worker, WorkerState

from ..domain import Lang, Transcript
from ..phrases import Phrases, pick
from ..store import SessionSummary, StoreError
from ..untrusted import one_line
from .keys import speak
from .messages import OpenInterview, OpenReport

if TYPE_CHECKING:
    from ..learning.progress import CategoryProgress
    from .app import Context

TEXT: Phrases = {
    "title": ("지난 면접", "Past sessions"),
    "trend": ("분야별 점수 추이", "Score trend per category"),
    "empty": ("아직 기록이 없습니다.", "No sessions yet."),
    "finished": ("완료", "finished"),
    "unfinished": ("진행 중", "unfinished"),
    "cannot_resume": ("이미 끝난 면접입니다.", "That interview is finished."),
    "chart": ("분야별 점수 (면접마다)", "Scores per category, session by session"),
    "chart_row": (
        "최근 {latest:.1f} · 변화 {change:+.1f} · 면접 {n}회",
        "latest {latest:.1f} · change {change:+.1f} · {n} session(s)",
    ),
    "chart_loading": ("불러오는 중…", "Loading…"),
}


BAR_CELLS = 20  # the bar of a score of 5; each cell is a quarter point
_EIGHTHS = " ▏▎▍▌▋▊▉"
_LEVELS = "▁▂▃▄▅▆▇█"
TREND_SESSIONS = 10


def score_bar(score: float) -> str:
    """A bar as long as the score out of 5 (to an eighth of a cell), on a track of the full length, so 2.0
    and 4.7 differ in length and the scale reads without colour."""
    eighths = round(max(0.0, min(score, 5.0)) / 5 * BAR_CELLS * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[part] if part else "")
    return bar + "░" * (BAR_CELLS - len(bar))


def trend_marks(scores: list[float]) -> str:
    """One mark per session, the latest last, on the fixed 0–5 scale: a sparkline scaled to its own
    minimum and maximum would draw 4.5 → 4.6 as a climb from the floor to the top."""
    return "".join(
        _LEVELS[min(len(_LEVELS) - 1, int(max(0.0, s) / 5 * len(_LEVELS)))] for s in scores[-TREND_SESSIONS:]
    )


def trend_line(category: str, scores: list[float]) -> Content:
    """A category's row: its latest score as a bar and a number, then its trend when there is one."""
    trend = f"  {trend_marks(scores)}" if len(scores) > 1 else ""
    return Content(f"{one_line(category):<14} {score_bar(scores[-1])} {scores[-1]:.1f}{trend}")


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Report", priority=True),
        Binding("r", "resume", "Resume"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, context: Context, lang: Lang) -> None:
        super().__init__()
        self.context = context
        self.lang = lang
        self.transcripts: dict[str, Transcript] = {}

    def t(self, key: str) -> str:
        return pick(TEXT, key, self.lang)

    def compose(self) -> ComposeResult:
        yield Static(f"[b]{self.t('title')}[/b]", classes="screen-title")
        table: DataTable[Text] = DataTable(id="sessions", cursor_type="row")
        table.add_columns(*(SessionSummary.COLUMNS_KO if self.lang == "ko" else SessionSummary.COLUMNS))
        yield table
        yield Static(self.t("empty"), id="empty")
        yield Static(f"[b]{self.t('trend')}[/b]", classes="screen-title")
        yield Vertical(id="trends")
        yield Static(f"[b]{self.t('chart')}[/b]", classes="screen-title")
        yield Vertical(Static(self.t("chart_loading"), classes="chart-note"), id="chart")
        yield Footer()

    async def on_screen_resume(self) -> None:
        speak(self, self.lang)
        # Read again each time the list is shown: a session resumed from it may have ended since.
        await self.load()
        self.run_worker(self._progress, thread=True, exclusive=True, group="chart", exit_on_error=False)

    def _progress(self) -> list[CategoryProgress]:
        """On a worker thread: the sessions not read yet folded into the review database, then each
        category's scores from it (the same figures as `interviewer progress`)."""
        from ..learning.progress import progress

        return progress(self.context.caught_up_cards(), self.lang, self.context.now()).categories

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "chart" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        chart = self.query_one("#chart", Vertical)
        await chart.remove_children()
        if event.state == WorkerState.ERROR:  # an unreadable database (LearningError): its one line
            await chart.mount(Static(Content(one_line(str(event.worker.error))), classes="chart-note"))
            return
        categories = event.worker.result if isinstance(event.worker.result, list) else []
        await chart.mount_all([self._chart_row(c) for c in categories if c.sessions])

    def _chart_row(self, category: CategoryProgress) -> Horizontal:
        """A category's row: its name, a sparkline of its session scores (oldest first), the latest and
        the change since the first. The sparkline spans its own lowest to highest: the numbers give the
        scale."""
        scores = [s.score for s in category.sessions]
        said = pick(
            TEXT, "chart_row", self.lang, latest=scores[-1], change=category.change or 0.0, n=len(scores)
        )
        return Horizontal(
            Label(Content(one_line(category.category)), classes="chart-name"),
            Sparkline(scores, summary_function=max, classes="chart-line"),
            Label(Content(one_line(said)), classes="chart-figures"),
            classes="chart-row",
        )

    async def load(self) -> None:
        store = self.context.store
        every, _ = store.summaries()
        # As `interviewer sessions` lists them: a session left before its first answer holds nothing to see.
        summaries = [s for s in every if s.answers]
        self.transcripts.clear()
        for s in summaries:
            try:
                self.transcripts[s.session_id] = store.load(s.session_id)
            except StoreError:
                continue
        table = self.query_one("#sessions", DataTable)
        selected = self._selected()
        table.clear()
        status = (self.t("finished"), self.t("unfinished"))
        for s in summaries:
            # Text, not str: the table reads a str cell as markup, and ids come from files.
            table.add_row(*(Text(one_line(cell), end="") for cell in s.cells(status)), key=s.session_id)
        if selected is not None and selected.session_id in self.transcripts:
            table.move_cursor(row=table.get_row_index(selected.session_id), animate=False)
        self.query_one("#empty").display = not summaries
        trends = self.query_one("#trends", Vertical)
        await trends.remove_children()
        series = self.trends().items()
        await trends.mount_all([Static(trend_line(c, scores), classes="trend") for c, scores in series])

    def trends(self) -> dict[str, list[float]]:
        """Per category, the mean score of each session that graded it, oldest first."""
        series: dict[str, list[float]] = defaultdict(list)
        for t in sorted(self.transcripts.values(), key=lambda t: t.created_at):
            by_category: dict[str, list[float]] = defaultdict(list)
            for r in t.records:
                if r.feedback is not None:
                    by_category[r.question.category].append(r.feedback.overall)
            for category, scores in by_category.items():
                series[category].append(sum(scores) / len(scores))
        return dict(sorted(series.items()))

    def _selected(self) -> Transcript | None:
        table = self.query_one("#sessions", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.transcripts.get(key or "")

    def action_open(self) -> None:
        t = self._selected()
        if t is not None:
            self.post_message(OpenReport(t))

    def action_resume(self) -> None:
        t = self._selected()
        if t is None:
            return
        try:  # locked, and read again: another process may have saved answers since the list was read
            t = self.context.store.open(t.session_id)
        except StoreError as exc:
            self.notify(one_line(str(exc)), severity="error", timeout=10, markup=False)
            return
        self.transcripts[t.session_id] = t
        if t.finished:
            self.context.store.release(t.session_id)
            self.notify(self.t("cannot_resume"))
            return
        try:
            engine = self.context.resume(t)
        except Exception as exc:  # a setting or the recorded backend is wrong: said here, the list stays
            self.notify(one_line(str(exc)), severity="error", timeout=10, markup=False)
            return
        self.post_message(OpenInterview(engine))

    def action_back(self) -> None:
        self.dismiss()
