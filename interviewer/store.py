"""Transcripts on disk: one JSON file per session, written atomically after every turn."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ValidationError

from .domain import SCHEMA_VERSION, Question, Transcript

SUFFIX = ".json"


class StoreError(Exception):
    """A one-line problem with the data dir or a transcript file."""


class SessionSummary(BaseModel):
    session_id: str
    created_at: datetime
    updated_at: datetime
    track: str
    lang: str
    provider: str
    questions: int
    answered: int
    overall: float | None
    finished: bool

    COLUMNS: ClassVar[tuple[str, ...]] = ("session", "date", "track", "questions", "overall", "status")

    def cells(self, status: tuple[str, str] = ("finished", "unfinished")) -> list[str]:
        """The row shown by `interviewer sessions` and the history screen; `status` may be translated."""
        return [
            self.session_id,
            self.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            self.track,
            f"{self.answered}/{self.questions}",
            "–" if self.overall is None else f"{self.overall:.2f}",
            status[0] if self.finished else status[1],
        ]


def new_session_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


# Question snapshots never change once a transcript holds them, and they are most of its bytes (rubric,
# key points, misconceptions, model answers): each is serialised once, not on every save. The cache holds
# the question itself, so its id cannot be reused while the entry lives.
_SNAPSHOTS: dict[int, tuple[Question, bytes]] = {}


def _question_json(question: Question) -> bytes:
    cached = _SNAPSHOTS.get(id(question))
    if cached is None or cached[0] is not question:
        if len(_SNAPSHOTS) > 4096:
            _SNAPSHOTS.clear()
        cached = (question, question.model_dump_json().encode())
        _SNAPSHOTS[id(question)] = cached
    return cached[1]


def transcript_json(transcript: Transcript) -> bytes:
    """The transcript as JSON, the same document `model_dump_json` writes, assembled from parts."""
    head = transcript.model_dump_json(exclude={"records"}).encode()
    records = [
        b'{"question":'
        + _question_json(r.question)
        + b","
        + r.model_dump_json(exclude={"question"}).encode()[1:]
        for r in transcript.records
    ]
    return head[:-1] + b',"records":[' + b",".join(records) + b"]}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file beside the target, fsync, then rename over it: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable; not possible on every platform
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.sessions_dir = data_dir / "sessions"

    def check_writable(self) -> None:
        """Fail before an interview starts, not after its first answer."""
        try:
            self.sessions_dir.mkdir(parents=True, exist_ok=True)
            # A probe of its own: another instance may be checking the same dir at the same moment.
            fd, probe = tempfile.mkstemp(dir=self.sessions_dir, prefix=".write-check-")
            try:
                with os.fdopen(fd, "wb") as fh:  # a buffered write, as a save makes, fails on a full disk
                    fh.write(b"ok")
                    fh.flush()
                    os.fsync(fh.fileno())
            finally:
                os.unlink(probe)
        except OSError as exc:
            raise StoreError(
                f"cannot write to the data dir {self.data_dir}: {exc.strerror or exc} "
                "(choose another with --data-dir or INTERVIEWER_DATA_DIR)"
            ) from None

    def path_for(self, session_id: str) -> Path:
        return self.sessions_dir / f"{session_id}{SUFFIX}"

    def save(self, transcript: Transcript) -> None:
        transcript.updated_at = datetime.now(UTC)
        data = transcript_json(transcript)
        try:
            self.sessions_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path_for(transcript.session_id), data)
        except OSError as exc:
            raise StoreError(f"cannot save session {transcript.session_id}: {exc.strerror or exc}") from None

    def resolve(self, ref: str) -> Path:
        """A session id, a unique prefix of one, or a path to a transcript file."""
        as_path = Path(ref)
        if as_path.suffix == SUFFIX and as_path.is_file():
            return as_path
        exact = self.path_for(ref)
        if exact.is_file():
            return exact
        matches = sorted(self.sessions_dir.glob(f"{ref}*{SUFFIX}")) if self.sessions_dir.is_dir() else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise StoreError(f"session id {ref!r} is ambiguous: it matches {len(matches)} sessions")
        raise StoreError(f"no session {ref!r} in {self.sessions_dir} (see `interviewer sessions`)")

    def load(self, ref: str) -> Transcript:
        return load_transcript(self.resolve(ref))

    def summaries(self) -> tuple[list[SessionSummary], list[str]]:
        """Every session, newest first, plus one line per file that could not be read."""
        out: list[SessionSummary] = []
        problems: list[str] = []
        if not self.sessions_dir.is_dir():
            return out, problems
        for path in self.sessions_dir.glob(f"*{SUFFIX}"):
            try:
                t = load_transcript(path)
            except StoreError as exc:
                problems.append(str(exc))
                continue
            out.append(
                SessionSummary(
                    session_id=t.session_id,
                    created_at=t.created_at,
                    updated_at=t.updated_at,
                    track=t.plan.track,
                    lang=t.plan.lang,
                    provider=t.provider,
                    questions=len(t.records),
                    answered=sum(1 for r in t.records if r.feedback is not None),
                    overall=t.overall,
                    finished=t.finished,
                )
            )
        out.sort(key=lambda s: (s.created_at, s.session_id), reverse=True)
        return out, problems

    def latest_unfinished(self) -> Transcript | None:
        summaries, _ = self.summaries()
        latest = next((s for s in summaries if not s.finished), None)
        return self.load(latest.session_id) if latest else None


def load_transcript(path: Path) -> Transcript:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        transcript = Transcript.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise StoreError(f"{path}: not a valid transcript: {where}: {first['msg']}") from None
    if transcript.schema_version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema_version {transcript.schema_version} is newer than this interviewer supports "
            f"({SCHEMA_VERSION}); upgrade interviewer to open it"
        )
    return transcript
