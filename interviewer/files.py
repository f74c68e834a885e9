"""Reading files anyone can put in the app's way: regular files only, never blocking, refused when too big.

A path is opened without blocking and judged by `fstat` on the open descriptor, so a FIFO, a device or a
file swapped in after a check is refused instead of hanging the app or filling its memory, and the size
limit holds before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from .untrusted import one_line

MB = 1024 * 1024
# Each limit leaves ample room over what the app writes or ships, and is checked before reading.
TRANSCRIPT_LIMIT = 64 * MB  # a transcript keeps a 10 MB answer whole; the largest real ones are ~1 MB
BANK_LIMIT = 4 * MB  # the largest shipped bank file is 0.4 MB
DATASET_LIMIT = 16 * MB  # the shipped labelled set is 0.2 MB
CACHE_LIMIT = 64 * MB  # the bank cache (1.6 MB for the shipped bank), eval runs and cached eval results
SMALL_LIMIT = 1 * MB  # preferences and other few-line files the app writes for itself
PROFILE_LIMIT = 4 * MB  # a résumé: ~10 KB as text; as a PDF with embedded fonts and a photo, rarely over 2 MB

MAX_PROBLEMS = 50  # problems printed for one command; the rest are counted

# Not every platform has these flags; where one is missing, opening works as before without it.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# libyaml's C loader is several times faster; fall back to pure Python where PyYAML was built without it.
_LOADER: type[yaml.CSafeLoader | yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ALIAS_BEFORE = b" \t\r\n[{,"
_ALIAS_AFTER_NOT = b" \t\r\n,[]{}"


class FileProblem(Exception):
    """One line naming the file and what is wrong; `code` is the exit code the command line uses."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def shown(path: Path | str) -> str:
    """A path as problem lines print it: on one line, any control character as a visible escape."""
    return one_line(str(path))


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is a FileProblem."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FileProblem(f"{shown(path)}: cannot read: {reason}", code=1) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
            raise FileProblem(f"{shown(path)}: not a regular file ({kind})")
        too_big = FileProblem(f"{shown(path)}: {_size(info.st_size)} is over the {_size(limit)} limit")
        if info.st_size > limit:
            raise too_big
        chunks: list[bytes] = []
        total = 0
        # The size from fstat is a hint (a file may grow while read): stop once past the limit.
        while chunk := os.read(fd, min(limit + 1 - total, max(info.st_size, 1 << 16) + 1)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_big
        return b"".join(chunks)
    except OSError as exc:
        raise FileProblem(f"{shown(path)}: cannot read: {exc.strerror or exc}", code=1) from None
    finally:
        os.close(fd)


def read_text(path: Path, limit: int) -> str:
    raw = read_file(path, limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{shown(path)}: not UTF-8 text (byte {exc.start + 1})") from None


def load_yaml(path: Path, raw: bytes) -> Any:
    """Parse YAML that needs no anchors or aliases: an alias lets a few bytes expand into gigabytes of
    strings downstream, so any anchor or alias is refused, naming its line."""
    try:
        if _may_hold_alias(raw):
            for event in yaml.parse(raw, Loader=_LOADER):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                    line = f"line {event.start_mark.line + 1}: " if event.start_mark else ""
                    raise FileProblem(
                        f"{shown(path)}: {line}YAML anchors and aliases (&name, *name) are not allowed "
                        "here; write the text out in full"
                    )
        return yaml.load(raw, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FileProblem(f"{shown(path)}: not valid YAML{where}: {reason}") from None
    except RecursionError:  # the pure-Python loader on deeply nested collections
        raise FileProblem(f"{shown(path)}: not valid YAML: nested too deeply") from None


def _may_hold_alias(raw: bytes) -> bool:
    """A quick byte scan: can `&` or `*` start a node anywhere? Most files fail it, and skip the exact
    (slower) check. `a&b` and `x * y` in text cannot be anchors or aliases."""
    for mark in (b"&", b"*"):
        at = raw.find(mark)
        while at != -1:
            if raw[at - 1 : at] in _ALIAS_BEFORE and raw[at + 1 : at + 2] not in _ALIAS_AFTER_NOT:
                return True
            at = raw.find(mark, at + 1)
    return False


def capped(problems: list[str], limit: int = MAX_PROBLEMS) -> list[str]:
    """At most `limit` problems, then one line counting the rest."""
    if len(problems) <= limit:
        return problems
    return [*problems[:limit], f"... and {len(problems) - limit} more problems"]
