"""One gate per model endpoint, shared by every backend in the process.

Many local servers run one request at a time and cut a running stream off when the next request arrives
(llama.cpp with one slot does), so background grading must not overlap the candidate's next follow-up.
The gate lets at most `size` requests through at once, and a waiting follow-up goes before waiting grades:
the candidate is waiting for the follow-up, grading runs in the background.
"""

from __future__ import annotations

import asyncio
import heapq
import ipaddress
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from ..redact import redact_url

URGENT, BACKGROUND = 0, 1
LOCAL_SIZE, REMOTE_SIZE = 1, 4


def is_local(url: str | None) -> bool:
    """A server on this machine or the local network: loopback, private and link-local addresses,
    `localhost`, `.local` names and single-label names (they resolve only on a local network)."""
    if not url:
        return False  # the SDK's default endpoint, api.openai.com
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host
    return ip.is_loopback or ip.is_private or ip.is_link_local


def default_size(url: str | None) -> int:
    return LOCAL_SIZE if is_local(url) else REMOTE_SIZE


class Gate:
    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def slot(self, priority: int) -> AsyncIterator[None]:
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    def resize(self, size: int) -> None:
        self.size = size
        self._wake()

    async def _acquire(self, priority: int) -> None:
        if self.busy < self.size and not self._waiting:
            self.busy += 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._release()  # the slot came just as the caller gave up: pass it on
            else:
                self._waiting = [w for w in self._waiting if w[2] is not granted]
                heapq.heapify(self._waiting)
            raise

    def _release(self) -> None:
        self.busy -= 1
        self._wake()

    def _wake(self) -> None:
        while self.busy < self.size and self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():
                granted.set_result(None)
                self.busy += 1


_GATES: dict[str, Gate] = {}


def server_key(url: str | None) -> str:
    """The server a URL points at, without credentials, path or query: one server, one gate."""
    if not url:
        return "default"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return redact_url(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}:{port or ''}"


def gate_for(base_url: str | None, size: int | None) -> Gate:
    """The gate of this endpoint's server; `size` None means the default for its host."""
    wanted = size or default_size(base_url)
    key = server_key(base_url)
    gate = _GATES.get(key)
    if gate is None:
        gate = _GATES[key] = Gate(wanted)
    elif gate.size != wanted:
        gate.resize(wanted)
    return gate
