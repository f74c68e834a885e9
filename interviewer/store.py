"""Transcripts on disk: one JSON file per session, written atomically after every turn, and a lock per
session so that two processes never write one session at once."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ValidationError

from .domain import SCHEMA_VERSION, SESSION_ID_PATTERN, Question, Transcript
from .files import TRANSCRIPT_LIMIT, FileProblem, read_file, shown

SUFFIX = ".json"
LOCK_SUFFIX = ".lock"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)


class StoreError(Exception):
    """A one-line problem with the data dir or a transcript file; `code` is the command's exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class SessionBusy(StoreError):
    """Another process has the session open for writing."""


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
    # Questions with an answer typed, graded or not: a session with none (ended before any) is only clutter.
    answers: int = 0
    has_draft: bool = False  # an answer was being typed when the session was left

    COLUMNS: ClassVar[tuple[str, ...]] = ("session", "date", "track", "questions", "overall", "status")
    # The same columns for the Korean history screen; `interviewer sessions`, like the rest of the CLI,
    # keeps the English ones (a listing mixes sessions of both languages).
    COLUMNS_KO: ClassVar[tuple[str, ...]] = ("세션", "날짜", "트랙", "질문", "종합 점수", "상태")

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
    """The time to the second and 32 random bits: sessions started in one second do not collide."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def valid_id(text: str) -> bool:
    return _SESSION_ID.fullmatch(text) is not None


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


def write_atomic(path: Path, data: bytes, create: bool = False) -> None:
    """Write to a temp file beside the target, fsync, then rename over it: readers never see half a file.

    With `create` the file must be new: FileExistsError if the name is taken, and nothing is replaced. A
    folder, a device or a pipe at `path` is never replaced (`--out /dev/null` as root would replace it).
    """
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise OSError(errno.EEXIST, "not a regular file", str(path))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if create:
            _link_new(tmp, path)
        else:
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


def _link_new(tmp: str, path: Path) -> None:
    """Give the finished temp file the name `path` only if no file has it (a hard link never replaces)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: claim the name first, then rename over the claim
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(tmp, path)
        return
    os.unlink(tmp)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


_LOCK_FLAGS = (
    os.O_RDWR
    | os.O_CREAT
    | getattr(os, "O_NOFOLLOW", 0)  # never truncate whatever a planted symlink points at
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _acquire(path: Path) -> int | None:
    """An open descriptor holding the lock on `path`, or None when another holder has it."""
    while True:
        fd = os.open(path, _LOCK_FLAGS, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return None
        mine = os.fstat(fd)
        try:
            there = os.stat(path)
        except FileNotFoundError:
            there = None
        # A holder removes its lock file as it lets go; if that happened as this one opened it, the lock is
        # on a file no one else will open again: start over on the file that has the name now.
        if there is not None and (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino):
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
            return fd
        os.close(fd)


# Locks this process holds, by lock file, with how many stores hold each. Two descriptors of one process
# conflict like two processes would, but the process is what must not run a session twice: stores in one
# process share its locks.
_HELD: dict[str, tuple[int, int]] = {}


def _holder(path: Path) -> str:
    with contextlib.suppress(FileProblem):
        pid = read_file(path, 64).decode(errors="replace").strip()
        if pid.isdigit():
            return f" (process {pid})"
    return ""


def _ref(text: str) -> str:
    return repr(text if len(text) <= 80 else f"{text[:80]}…")


def _is_path(ref: str) -> bool:
    return ref.endswith(SUFFIX) or "/" in ref or os.sep in ref or bool(os.altsep and os.altsep in ref)


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.sessions_dir = data_dir / "sessions"
        self._locks: dict[str, str] = {}  # session id -> its lock file, a key of _HELD
        self._new: set[str] = set()  # claimed by open_new and not yet saved: created, never replaced

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
        if not valid_id(session_id):
            raise StoreError(
                f"not a session id: {_ref(session_id)} (ids are letters, digits, '-' and '_')", code=2
            )
        return self.sessions_dir / f"{session_id}{SUFFIX}"

    # --- sessions open for writing ---------------------------------------------------------------

    def lock(self, session_id: str) -> None:
        """Hold the session's lock until `release` or `close` (or the end of the process).

        Refused with SessionBusy while another process holds it: two writers of one session would each
        overwrite the other's answers.
        """
        if session_id in self._locks:
            return
        path = self.path_for(session_id).with_suffix(LOCK_SUFFIX)
        key = os.path.abspath(path)
        if key in _HELD:
            fd, holders = _HELD[key]
            _HELD[key] = (fd, holders + 1)
            self._locks[session_id] = key
            return
        try:
            self.sessions_dir.mkdir(parents=True, exist_ok=True)
            acquired = _acquire(path)
        except OSError as exc:
            raise StoreError(f"cannot lock session {session_id}: {exc.strerror or exc}") from None
        if acquired is None:
            raise SessionBusy(
                f"session {session_id} is open in another interviewer{_holder(path)}; "
                "finish or quit it there first"
            )
        _HELD[key] = (acquired, 1)
        self._locks[session_id] = key

    def release(self, session_id: str) -> None:
        key = self._locks.pop(session_id, None)
        self._new.discard(session_id)
        if key is None:
            return
        fd, holders = _HELD[key]
        if holders > 1:
            _HELD[key] = (fd, holders - 1)
            return
        del _HELD[key]
        with contextlib.suppress(OSError):  # removed while still held; see _acquire (Windows keeps it)
            os.unlink(key)
        _unlock(fd)
        os.close(fd)

    def close(self) -> None:
        """Let go of every session this store has open."""
        for session_id in list(self._locks):
            self.release(session_id)

    def open_new(self, make_id: Callable[[], str] | None = None) -> str:
        """Claim and lock an id no session has. Its transcript is created on the first save and never
        written over a file of the same name; an id in use (unlikely with 32 random bits) is skipped."""
        for _ in range(10):
            session_id = make_id() if make_id else new_session_id()
            if session_id in self._locks:
                continue
            try:
                self.lock(session_id)
            except SessionBusy:
                continue
            if not os.path.lexists(self.path_for(session_id)):
                self._new.add(session_id)
                return session_id
            self.release(session_id)
        raise StoreError(f"cannot find an unused session id in {self.sessions_dir}")

    def open(self, ref: str) -> Transcript:
        """A session to continue, with its lock held. It is read again once locked: a process that had
        it open until now may have saved answers since the first read."""
        path = self.resolve(ref)
        session_id = load_transcript(path).session_id
        self.lock(session_id)
        try:
            transcript = load_transcript(path)
            if transcript.session_id != session_id:
                raise StoreError(f"{shown(path)}: changed to another session while being opened")
        except StoreError:
            self.release(session_id)
            raise
        return transcript

    # --- reading and writing transcripts ---------------------------------------------------------

    def save(self, transcript: Transcript) -> None:
        transcript.updated_at = datetime.now(UTC)
        data = transcript_json(transcript)
        session_id = transcript.session_id
        path = self.path_for(session_id)
        try:
            self.sessions_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data, create=session_id in self._new)
        except FileExistsError:
            raise StoreError(
                f"cannot save session {session_id}: a file of that name appeared meanwhile and is kept"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot save session {session_id}: {exc.strerror or exc}") from None
        self._new.discard(session_id)

    def resolve(self, ref: str) -> Path:
        """A path to a transcript file (a ref holding a path separator or ending in .json), else a session
        id or a unique prefix of one, taken literally: `*`, `?` and `[` are not patterns."""
        if _is_path(ref):
            try:
                os.stat(ref)
            except FileNotFoundError:
                raise StoreError(f"{shown(ref)}: no such transcript file") from None
            except (OSError, ValueError):
                pass  # reading it says what is wrong
            return Path(ref)
        if not valid_id(ref):
            raise StoreError(
                f"not a session id or prefix: {_ref(ref)} (ids are letters, digits, '-' and '_'; "
                "see `interviewer sessions`)",
                code=2,
            )
        exact = self.path_for(ref)
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.stat(exact).st_mode):  # no need to list the folder
                return exact
        matches = [session_id for session_id in self.session_ids() if session_id.startswith(ref)]
        if len(matches) == 1:
            return self.path_for(matches[0])
        if len(matches) > 1:
            raise StoreError(f"session id {ref!r} is ambiguous: it matches {len(matches)} sessions", code=2)
        raise StoreError(f"no session {ref!r} in {self.sessions_dir} (see `interviewer sessions`)")

    def load(self, ref: str) -> Transcript:
        return load_transcript(self.resolve(ref))

    def _entries(self) -> list[os.DirEntry[str]]:
        """The sessions folder's `.json` entries (temp files and lock files are not among them)."""
        try:
            with os.scandir(self.sessions_dir) as found:
                return sorted(
                    (e for e in found if e.name.endswith(SUFFIX) and not e.name.startswith(".")),
                    key=lambda e: e.name,
                )
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"cannot read {self.sessions_dir}: {exc.strerror or exc}") from None

    def session_ids(self) -> list[str]:
        """Ids of the regular transcript files; a FIFO or a folder named like one is no session."""
        return [
            e.name.removesuffix(SUFFIX)
            for e in self._entries()
            if valid_id(e.name.removesuffix(SUFFIX)) and _is_regular(e)
        ]

    def summaries(self) -> tuple[list[SessionSummary], list[str]]:
        """Every session, newest first, plus one line per file that could not be read."""
        out: list[SessionSummary] = []
        problems: list[str] = []
        for entry in self._entries():
            try:
                t = load_transcript(Path(entry.path))
            except StoreError as exc:
                problems.append(str(exc))
                continue
            out.append(
                SessionSummary(
                    session_id=t.session_id,
                    created_at=t.created_at,
                    updated_at=t.updated_at,
                    track=t.plan.shown_track,
                    lang=t.plan.lang,
                    provider=t.provider,
                    questions=len(t.records),
                    answered=sum(1 for r in t.records if r.feedback is not None),
                    overall=t.overall,
                    finished=t.finished,
                    answers=answered(t),
                    has_draft=bool(t.draft and t.draft.strip()),
                )
            )
        out.sort(key=lambda s: (s.created_at, s.session_id), reverse=True)
        return out, problems

    def delete(self, session_id: str) -> None:
        """Remove a session's transcript, with its lock taken (refused while another interviewer has the
        session open) and let go after. Only the transcript: reports and exports made from it stay."""
        self.lock(session_id)
        try:
            os.unlink(self.path_for(session_id))
        except FileNotFoundError:
            raise StoreError(f"no session {session_id!r} in {self.sessions_dir}") from None
        except OSError as exc:
            raise StoreError(f"cannot delete session {session_id}: {exc.strerror or exc}") from None
        finally:
            self.release(session_id)

    def latest_unfinished(self) -> SessionSummary | None:
        summaries, _ = self.summaries()
        return next((s for s in summaries if not s.finished), None)


def answered(t: Transcript) -> int:
    """How many questions have an answer with some text in it."""
    return sum(1 for r in t.records if any(turn.text.strip() for turn in r.answers()))


def _is_regular(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()  # a stat, which never blocks; reading judges the open file again
    except OSError:
        return False


def load_transcript(path: Path) -> Transcript:
    try:
        raw = read_file(path, TRANSCRIPT_LIMIT)
    except FileProblem as exc:
        raise StoreError(str(exc), exc.code) from None
    try:
        transcript = Transcript.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(file)"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise StoreError(f"{shown(path)}: not a valid transcript: {where}: {reason}") from None
    if transcript.schema_version > SCHEMA_VERSION:
        raise StoreError(
            f"{shown(path)}: schema_version {transcript.schema_version} is newer than this interviewer "
            f"supports ({SCHEMA_VERSION}); upgrade interviewer to open it"
        )
    return transcript
