"""A fake OpenAI-compatible server on 127.0.0.1 for tests: scripted replies, SSE streaming, injected faults.

With nothing scripted it answers sensibly on its own: a fresh follow-up question, or a valid grade that
quotes the candidate's first answer. Hostile modes: raw bodies that are not JSON or not SSE, a server that
never answers, a single-slot server that cuts a running request off when the next arrives, a model that
runs on until `max_tokens`, and a server that refuses one of the two output-bound parameters.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOUND_PARAMS = ("max_completion_tokens", "max_tokens")


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # None: answer automatically
    finish_reason: str = "stop"
    refusal: str | None = None
    delay: float = 0.0
    cut_stream: bool = False  # send part of a stream, then drop the connection
    stall: float = 0.0  # send part of a stream, go silent this long (a hung server), then drop the connection
    drop: bool = False  # close the connection without any response
    chunk_delay: float = 0.0  # pause between streamed chunks, to test a slow stream
    error: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)
    # Sent as it is with this status, streamed request or not: HTML from a proxy, garbage SSE, bad JSON.
    body: str | bytes | None = None
    content_type: str = "application/json"
    hang: bool = False  # accept the request, then send nothing until the client gives up
    no_done: bool = False  # a stream that never sends [DONE] and keeps the connection open
    no_usage: bool = False  # ignore `stream_options.include_usage`, as many local servers do
    # A model that does not stop: this many tokens (one streamed chunk each) unless the request bounds
    # the output lower, in which case it stops at the bound with finish_reason "length".
    runaway: int = 0


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when many clients call at once, and the retry waits 1 s.
    request_queue_size = 128


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def step(self) -> str:
        return "follow_up" if FakeOpenAI.is_follow_up(self.body) else "grade"

    @property
    def bound(self) -> int | None:
        """The output bound the request carried, under either parameter name."""
        return next((self.body[p] for p in BOUND_PARAMS if p in self.body), None)


class _Slot:
    """One request in flight; `cut` ends it early (a newer request took the slot, or the server closed)."""

    def __init__(self, step: str) -> None:
        self.step = step
        self.cut = threading.Event()


class FakeOpenAI:
    def __init__(self, models: tuple[str, ...] = ("fake-model",), single_slot: bool = False) -> None:
        self.models = models
        self.models_status = 200
        self.models_reply: Reply | None = None  # a hostile answer to GET /models
        # Parameters refused with a 400 naming them, as OpenAI's newer models refuse `max_tokens`.
        self.unsupported: set[str] = set()
        # Like a llama.cpp server with one slot: a new chat request cuts off the one running.
        self.single_slot = single_slot
        self.interrupted: list[str] = []  # the step of every request that was cut off that way
        self.most_at_once = 0  # the most chat requests in flight at one time
        self.script: deque[Reply] = deque()
        self.requests: list[Seen] = []
        # (perf_counter(), text) of the chunks of the latest follow-up stream (grading streams too, alongside)
        self.chunks_sent: list[tuple[float, str]] = []
        self._asked = 0
        self._lock = threading.Lock()
        self._running: list[_Slot] = []
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval: shutting down waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def cli_args(self) -> list[str]:
        """The command-line options that point a run at this server and its first model."""
        return ["--provider", "openai", "--base-url", self.base_url, "--model", self.models[0]]

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Requests that hang or wait end at once, so no handler thread outlives the test.
        self._closing.set()
        with self._lock:
            for slot in self._running:
                slot.cut.set()
        self._server.shutdown()
        self._server.server_close()

    def then(self, *replies: Reply) -> FakeOpenAI:
        self.script.extend(replies)
        return self

    def chat_requests(self) -> list[Seen]:
        # `in`, not `endswith`: the SDK appends the path after a query string left in a base URL.
        return [r for r in self.requests if "chat/completions" in r.path]

    def bounds_seen(self) -> list[int | None]:
        return [r.bound for r in self.chat_requests()]

    # --- automatic answers ---------------------------------------------------------------------

    @staticmethod
    def is_follow_up(body: dict[str, Any]) -> bool:
        messages = body.get("messages") or [{}]
        return "decide the next step" in str(messages[0].get("content"))

    def auto_content(self, body: dict[str, Any]) -> str:
        system = body["messages"][0]["content"]
        korean = "Korean" in system
        if self.is_follow_up(body):
            with self._lock:
                self._asked += 1
                n = self._asked
            text = (
                f"그 부분을 조금 더 자세히 설명해 주시겠어요? ({n})"
                if korean
                else f"Could you go deeper on that? ({n})"
            )
            return json.dumps(
                {"action": "ask", "kind": "follow_up", "target": None, "text": text, "reason": "probe"},
                ensure_ascii=False,
            )
        question = body["messages"][1]["content"]
        thread = body["messages"][-1]["content"]
        ids = re.findall(r"^- ([a-z0-9-]+) \(weight \d+%\)", question, re.MULTILINE)
        answers = re.findall(r"<candidate_answer>\n(.*?)\n</candidate_answer>", thread, re.DOTALL)
        quote = answers[0].strip().split("\n")[0][:40].strip() if answers else ""
        criteria = [
            {
                "criterion_id": cid,
                "score": 3 if quote else 1,
                "evidence": [quote] if quote else [],
                "rationale": "ok",
            }
            for cid in ids
        ]
        strengths = ["설명이 구체적입니다."] if korean else ["The explanation is concrete."]
        return json.dumps(
            {"criteria": criteria, "strengths": strengths, "gaps": [], "missed": []}, ensure_ascii=False
        )

    @staticmethod
    def runaway_pieces(body: dict[str, Any], reply: Reply) -> tuple[list[str], str]:
        """The chunks of a reply that never closes its JSON, and why it ended."""
        bound = Seen("", {}, body).bound
        tokens = reply.runaway if bound is None else min(bound, reply.runaway)
        start = '{"action": "ask", "kind": "follow_up", "target": null, "text": "And'
        return [start, *[" more" for _ in range(tokens - 1)]], "length"

    # --- the single slot -------------------------------------------------------------------------

    def _enter(self, step: str, chat: bool = True) -> _Slot:
        slot = _Slot(step)
        with self._lock:
            if self._closing.is_set():
                slot.cut.set()
            if not chat:  # a model list: neither takes the slot nor counts
                self._running.append(slot)
                return slot
            running = [r for r in self._running if r.step != "models"]
            if self.single_slot:
                for other in running:
                    other.cut.set()
                    self.interrupted.append(other.step)
            self._running.append(slot)
            self.most_at_once = max(self.most_at_once, len(running) + 1)
        return slot

    def _leave(self, slot: _Slot) -> None:
        with self._lock:
            self._running.remove(slot)

    # --- HTTP ----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def handle(self) -> None:
                # A client that timed out or gave up has closed its end: expected here, not an error.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_GET(self) -> None:
                fake.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, {}))
                if "models" not in self.path:
                    return self._json(404, {"error": {"message": "not found"}})
                if fake.models_reply is not None:
                    slot = fake._enter("models", chat=False)
                    try:
                        self._hostile(fake.models_reply, slot)
                    finally:
                        fake._leave(slot)
                    return None
                if fake.models_status != 200:
                    return self._json(fake.models_status, {"error": {"message": "models unavailable"}})
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in fake.models]
                self._json(200, {"object": "list", "data": data})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                fake.requests.append(seen)
                if self._refuse_params(body):
                    return  # before the script: a refused parameter does not use up a scripted reply
                with fake._lock:
                    reply = fake.script.popleft() if fake.script else Reply()
                slot = fake._enter(seen.step)
                try:
                    self._answer(body, reply, slot)
                finally:
                    fake._leave(slot)

            def _refuse_params(self, body: dict[str, Any]) -> bool:
                refused = [p for p in BOUND_PARAMS if p in body and p in fake.unsupported]
                if refused:
                    other = next(p for p in BOUND_PARAMS if p != refused[0])
                    message = (
                        f"Unsupported parameter: '{refused[0]}' is not supported with this model. "
                        f"Use '{other}' instead."
                    )
                    error = {
                        "message": message,
                        "type": "invalid_request_error",
                        "param": refused[0],
                        "code": "unsupported_parameter",
                    }
                    self._json(400, {"error": error})
                return bool(refused)

            def _answer(self, body: dict[str, Any], reply: Reply, slot: _Slot) -> None:
                if reply.delay and slot.cut.wait(reply.delay):
                    return self._cut()
                if self._hostile(reply, slot):
                    return
                if reply.drop:
                    return self._cut()
                if reply.status != 200:
                    headers = {"retry-after-ms": "0", **reply.headers}
                    return self._json(
                        reply.status, {"error": {"message": reply.error, "type": "fake"}}, headers
                    )
                if reply.runaway:
                    pieces, finish = fake.runaway_pieces(body, reply)
                    content = "".join(pieces)
                else:
                    content = reply.content if reply.content is not None else fake.auto_content(body)
                    pieces = [content[i : i + 7] for i in range(0, len(content), 7)] or [""]
                    finish = reply.finish_reason
                prompt_tokens = sum(len(str(m.get("content") or "")) for m in body.get("messages", [])) // 4
                completion_tokens = len(pieces) if reply.runaway else len(content) // 4
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                    "prompt_tokens_details": {"cached_tokens": prompt_tokens // 2},
                }
                if body.get("stream"):
                    return self._stream(body, pieces, finish, reply, usage, slot)
                if reply.runaway and reply.chunk_delay and slot.cut.wait(reply.chunk_delay * len(pieces)):
                    return self._cut()
                message = {"role": "assistant", "content": content, "refusal": reply.refusal}
                choice = {"index": 0, "message": message, "finish_reason": finish}
                self._json(200, self._envelope(body, "chat.completion", [choice], usage))

            def _hostile(self, reply: Reply, slot: _Slot) -> bool:
                """Answer with a raw body or not at all; False when the reply is an ordinary one."""
                if reply.hang:
                    self._linger(slot)
                    return True
                if reply.body is None:
                    return False
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return True

            def _linger(self, slot: _Slot) -> None:
                """Say nothing until the client hangs up, the slot is taken or the server closes."""
                self.wfile.flush()
                while not slot.cut.wait(0.02):
                    with contextlib.suppress(OSError):
                        readable, _, _ = select.select([self.connection], [], [], 0)
                        if readable and not self.connection.recv(1, socket.MSG_PEEK):
                            break
                self._cut()

            def _cut(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _stream(
                self,
                body: dict[str, Any],
                pieces: list[str],
                finish: str,
                reply: Reply,
                usage: dict[str, Any],
                slot: _Slot,
            ) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                if reply.cut_stream or reply.stall:
                    pieces = pieces[: max(1, len(pieces) // 2)]
                sent: list[tuple[float, str]] = []
                if fake.is_follow_up(body):
                    fake.chunks_sent = sent
                for piece in pieces:
                    if reply.chunk_delay and slot.cut.wait(reply.chunk_delay):
                        return self._cut()
                    if slot.cut.is_set():
                        return self._cut()
                    sent.append((time.perf_counter(), piece))
                    delta: dict[str, Any] = {"content": piece}
                    if reply.refusal:
                        delta = {"refusal": reply.refusal}
                    self._event(self._envelope(body, "chat.completion.chunk", [{"index": 0, "delta": delta}]))
                if reply.cut_stream or reply.stall:
                    slot.cut.wait(reply.stall)
                    return self._cut()
                final = {"index": 0, "delta": {}, "finish_reason": finish}
                self._event(self._envelope(body, "chat.completion.chunk", [final]))
                if (body.get("stream_options") or {}).get("include_usage") and not reply.no_usage:
                    self._event(self._envelope(body, "chat.completion.chunk", [], usage))
                if reply.no_done:
                    return self._linger(slot)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, data: dict[str, Any]) -> None:
                self.wfile.write(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()

            @staticmethod
            def _envelope(
                body: dict[str, Any], kind: str, choices: list[Any], usage: dict[str, Any] | None = None
            ) -> dict[str, Any]:
                out = {
                    "id": "fake-1",
                    "object": kind,
                    "created": 0,
                    "model": body.get("model"),
                    "choices": choices,
                }
                if usage is not None:
                    out["usage"] = usage
                return out

            def _json(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler
