"""Review cards in SQLite, beside the transcripts in the data dir.

The database holds what was learnt from the transcripts: every key point outcome, every question score,
and the cards scheduled from them. Transcripts stay the source of truth; the state is rebuilt from them at
any time (`interviewer review --rebuild`). A card is always replayed from all of its point's outcomes in
time order, so folding sessions in one at a time, in any order, gives the same cards as a rebuild.

WAL and one `BEGIN IMMEDIATE` per change: a process killed mid-write leaves the last committed state, and
two processes take turns instead of failing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from ..domain import PointOutcome, Question
from ..store import StoreError
from .schedule import Review, rating, replay

FILENAME = "learning.sqlite3"
BUSY_TIMEOUT_S = 10.0

# One entry per schema version; a database at version n runs the entries after its n-th.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE outcomes (
        source TEXT NOT NULL,           -- the session id
        record INTEGER NOT NULL,        -- the question's place in the session
        question_id TEXT NOT NULL,
        key_point_id TEXT NOT NULL,
        category TEXT NOT NULL,
        lang TEXT NOT NULL,
        at TEXT NOT NULL,               -- UTC, ISO 8601: when the answer was given
        status TEXT NOT NULL,
        deepened INTEGER NOT NULL,
        review INTEGER NOT NULL,        -- from a review drill rather than an interview
        quote TEXT,
        misconception_id TEXT,
        PRIMARY KEY (source, record, key_point_id)
    );
    CREATE INDEX outcomes_by_point ON outcomes (question_id, key_point_id, at);
    CREATE TABLE scores (
        source TEXT NOT NULL,
        record INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        category TEXT NOT NULL,
        at TEXT NOT NULL,
        overall REAL NOT NULL,
        PRIMARY KEY (source, record)
    );
    CREATE TABLE questions (
        question_id TEXT PRIMARY KEY,
        snapshot TEXT NOT NULL,         -- the question as last asked, for drilling it if the bank drops it
        at TEXT NOT NULL
    );
    CREATE TABLE cards (
        question_id TEXT NOT NULL,
        key_point_id TEXT NOT NULL,
        category TEXT NOT NULL,
        due TEXT NOT NULL,
        stability REAL,
        difficulty REAL,
        last_review TEXT,
        reviews INTEGER NOT NULL,
        last_status TEXT NOT NULL,
        last_lang TEXT NOT NULL,
        last_words TEXT,
        misconception_id TEXT,
        PRIMARY KEY (question_id, key_point_id)
    );
    CREATE INDEX cards_by_due ON cards (due);
    CREATE TABLE folded (
        source TEXT PRIMARY KEY,        -- a transcript already read, and the file state it was read at
        stamp TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class LearningError(StoreError):
    """A one-line problem with the review database (in the data dir, so a store error: exit code 1)."""


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True)
class PointEvent:
    """One key point's outcome in one answered question, as folded into the database."""

    source: str
    record: int
    question: Question
    lang: str
    at: datetime
    outcome: PointOutcome
    review: bool


@dataclass(frozen=True)
class ScoreEvent:
    source: str
    record: int
    question_id: str
    category: str
    at: datetime
    overall: float


@dataclass(frozen=True)
class CardRow:
    question_id: str
    key_point_id: str
    category: str
    due: datetime
    stability: float | None
    last_review: datetime | None
    reviews: int
    last_status: str
    last_lang: str
    last_words: str | None
    misconception_id: str | None


class CardStore:
    """The database at `data_dir/learning.sqlite3`; each call opens its own connection, so threads and
    processes never share one."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILENAME

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self.path.is_symlink():
            raise LearningError(f"{self.path} is a symbolic link; the review database must be a plain file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise LearningError(f"cannot open the review database {self.path}: {exc}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate(conn)
            yield conn
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            raise LearningError(
                f"the review database {self.path} cannot be read ({exc}); "
                "rebuild it from the transcripts with `interviewer review --rebuild`"
            ) from None
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise LearningError(
                f"the review database {self.path} was written by a newer interviewer (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade interviewer or rebuild with `review --rebuild`"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for script in MIGRATIONS[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # --- writing ---------------------------------------------------------------------------------

    def fold(
        self, source: str, stamp: str, points: Iterable[PointEvent], scores: Iterable[ScoreEvent]
    ) -> int:
        """Fold one transcript's outcomes in, in place of what was folded from it before (a resumed session
        has more, a regrade may have changed them); returns how many it has."""
        with self._writing() as conn:
            return self._fold(conn, source, stamp, list(points), list(scores))

    def replace_all(self, folds: Iterable[tuple[str, str, list[PointEvent], list[ScoreEvent]]]) -> int:
        """Forget everything and fold these in, in one transaction: a crash mid-rebuild keeps the old
        state. Each card is replayed once, at the end."""
        with self._writing() as conn:
            for table in ("outcomes", "scores", "questions", "cards", "folded"):
                conn.execute(f"DELETE FROM {table}")
            count = sum(self._fold(conn, *f, replay=False) for f in folds)
            points = conn.execute("SELECT DISTINCT question_id, key_point_id FROM outcomes").fetchall()
            for question_id, key_point_id in points:
                _replay_card(conn, question_id, key_point_id)
            return count

    def forget(self, source: str) -> None:
        """A deleted session's outcomes go, and the cards they fed are replayed without them."""
        with self._writing() as conn:
            touched = _drop(conn, source)
            conn.execute("DELETE FROM folded WHERE source = ?", (source,))
            for question_id, key_point_id in sorted(touched):
                _replay_card(conn, question_id, key_point_id)

    def folded_stamps(self) -> dict[str, str]:
        with self._connect() as conn:
            return dict(conn.execute("SELECT source, stamp FROM folded").fetchall())

    def _fold(
        self,
        conn: sqlite3.Connection,
        source: str,
        stamp: str,
        points: list[PointEvent],
        scores: list[ScoreEvent],
        replay: bool = True,
    ) -> int:
        touched = _drop(conn, source)
        asked: dict[str, PointEvent] = {}  # by question: the event whose snapshot is kept
        for e in points:
            o = e.outcome
            conn.execute(
                "INSERT OR IGNORE INTO outcomes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    e.source,
                    e.record,
                    e.question.id,
                    o.key_point_id,
                    e.question.category,
                    e.lang,
                    iso(e.at),
                    o.status,
                    int(o.deepened),
                    int(e.review),
                    o.quote,
                    o.misconception_id,
                ),
            )
            touched.add((e.question.id, o.key_point_id))
            if not e.review:  # a drill holds a cut-down copy; the interview's is the one to keep
                asked[e.question.id] = e
        for e in asked.values():
            conn.execute(
                "INSERT INTO questions VALUES (?,?,?) ON CONFLICT (question_id) DO UPDATE SET "
                "snapshot = excluded.snapshot, at = excluded.at WHERE excluded.at >= questions.at",
                (e.question.id, e.question.model_dump_json(), iso(e.at)),
            )
        for s in scores:
            conn.execute(
                "INSERT OR IGNORE INTO scores VALUES (?,?,?,?,?,?)",
                (s.source, s.record, s.question_id, s.category, iso(s.at), s.overall),
            )
        if replay:
            for question_id, key_point_id in sorted(touched):
                _replay_card(conn, question_id, key_point_id)
        conn.execute(
            "INSERT INTO folded VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET stamp = excluded.stamp",
            (source, stamp),
        )
        return len(points)

    # --- reading ---------------------------------------------------------------------------------

    def due_count(self, before: datetime) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM cards WHERE due < ?", (iso(before),)).fetchone()[0])

    def summary(self) -> tuple[int, datetime | None]:
        """How many cards there are, and when the next one is due (None without cards): from the index."""
        with self._connect() as conn:
            n, first = conn.execute("SELECT COUNT(*), MIN(due) FROM cards").fetchone()
            return int(n), parse_time(first) if first else None

    def cards(self, due_before: datetime | None = None) -> list[CardRow]:
        """Cards, the most overdue first; only those due before `due_before` when it is given."""
        query = "SELECT * FROM cards"
        args: tuple[str, ...] = ()
        if due_before is not None:
            query += " WHERE due < ?"
            args = (iso(due_before),)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY due, question_id, key_point_id", args).fetchall()
            return [_card_row(r) for r in rows]  # inside: a malformed row is the database's problem

    def question(self, question_id: str) -> Question | None:
        """The snapshot kept for a question; None if there is none or it does not validate (a tampered
        database is read like any other untrusted file)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT snapshot FROM questions WHERE question_id = ?", (question_id,)
            ).fetchone()
        return None if row is None else _snapshot(row[0])

    def questions(self) -> dict[str, Question]:
        """Every snapshot that validates, by question id, read at once."""
        with self._connect() as conn:
            rows = conn.execute("SELECT question_id, snapshot FROM questions").fetchall()
        found = {question_id: _snapshot(snapshot) for question_id, snapshot in rows}
        return {k: q for k, q in found.items() if q is not None}

    def outcomes(self) -> list[tuple[str, str, str, str, datetime, str, bool, bool]]:
        """(question id, key point id, category, lang, at, status, deepened, review), oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT question_id, key_point_id, category, lang, at, status, deepened, review "
                "FROM outcomes ORDER BY at, source, record, key_point_id"
            ).fetchall()
            return [
                (q, k, c, lang, parse_time(at), st, bool(d), bool(r)) for q, k, c, lang, at, st, d, r in rows
            ]

    def scores(self) -> list[tuple[str, str, datetime, float]]:
        """(source, category, at, overall), oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT source, category, at, overall FROM scores ORDER BY at, source, record"
            )
            return [(s, c, parse_time(at), float(o)) for s, c, at, o in rows.fetchall()]

    def snapshot_rows(self) -> list[tuple[object, ...]]:
        """Every card as stored: what a test compares between a rebuild and the incremental state."""
        with self._connect() as conn:
            return list(conn.execute("SELECT * FROM cards ORDER BY question_id, key_point_id").fetchall())


def _snapshot(text: str) -> Question | None:
    try:
        return Question.model_validate_json(text)
    except (ValidationError, ValueError):
        return None


def _drop(conn: sqlite3.Connection, source: str) -> set[tuple[str, str]]:
    """Take what was folded from `source` out; returns the points whose cards must be replayed."""
    touched = set(
        conn.execute("SELECT question_id, key_point_id FROM outcomes WHERE source = ?", (source,)).fetchall()
    )
    conn.execute("DELETE FROM outcomes WHERE source = ?", (source,))
    conn.execute("DELETE FROM scores WHERE source = ?", (source,))
    return touched


def _replay_card(conn: sqlite3.Connection, question_id: str, key_point_id: str) -> None:
    rows = conn.execute(
        "SELECT at, status, deepened, quote, misconception_id, lang, category FROM outcomes "
        "WHERE question_id = ? AND key_point_id = ? ORDER BY at, source, record",
        (question_id, key_point_id),
    ).fetchall()
    reviews = []
    for at, status, deepened, *_ in rows:
        try:
            outcome = PointOutcome(key_point_id=key_point_id, status=status, deepened=bool(deepened))
        except ValidationError:
            continue  # a status this version does not know (a tampered or newer database)
        reviews.append(Review(parse_time(at), rating(outcome)))
    card = replay(reviews)
    if card is None:
        conn.execute(
            "DELETE FROM cards WHERE question_id = ? AND key_point_id = ?", (question_id, key_point_id)
        )
        return
    last = rows[-1]
    words = next((r[3] for r in reversed(rows) if r[3]), None)
    conn.execute(
        "INSERT OR REPLACE INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            question_id,
            key_point_id,
            last[6],
            iso(card.due),
            card.stability,
            card.difficulty,
            iso(card.last_review) if card.last_review else None,
            len(reviews),
            last[1],
            last[5],
            words,
            last[4],
        ),
    )


def _card_row(row: tuple[object, ...]) -> CardRow:
    (q, k, category, due, stability, _difficulty, last_review, reviews, status, lang, words, misc) = row
    return CardRow(
        question_id=str(q),
        key_point_id=str(k),
        category=str(category),
        due=parse_time(str(due)),
        stability=float(stability) if isinstance(stability, int | float) else None,
        last_review=parse_time(str(last_review)) if last_review else None,
        reviews=int(reviews) if isinstance(reviews, int) else 0,
        last_status=str(status),
        last_lang=str(lang),
        last_words=str(words) if words else None,
        misconception_id=str(misc) if misc else None,
    )
