"""A fake OpenAI-compatible server on 127.0.0.1 for tests: scripted replies, SSE streaming, injected faults.

With nothing scripted it answers sensibly on its own: a fresh follow-up question, or a valid grade that
quotes the candidate's first answer.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections when many clients call at once, and the retry waits 1 s.
    request_queue_size = 128


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAI:
    def __init__(self, models: tuple[str, ...] = ("fake-model",)) -> None:
        self.models = models
        self.models_status = 200
        self.script: deque[Reply] = deque()
        self.requests: list[Seen] = []
        # (perf_counter(), text) of the chunks of the latest follow-up stream (grading streams too, alongside)
        self.chunks_sent: list[tuple[float, str]] = []
        self._asked = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval: shutting down waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def then(self, *replies: Reply) -> FakeOpenAI:
        self.script.extend(replies)
        return self

    def chat_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- automatic answers ---------------------------------------------------------------------

    @staticmethod
    def is_follow_up(body: dict[str, Any]) -> bool:
        return "decide the next step" in body["messages"][0]["content"]

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
                if not self.path.endswith("/models"):
                    return self._json(404, {"error": {"message": "not found"}})
                if fake.models_status != 200:
                    return self._json(fake.models_status, {"error": {"message": "models unavailable"}})
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in fake.models]
                self._json(200, {"object": "list", "data": data})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                with fake._lock:
                    reply = fake.script.popleft() if fake.script else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if reply.status != 200:
                    headers = {"retry-after-ms": "0", **reply.headers}
                    return self._json(
                        reply.status, {"error": {"message": reply.error, "type": "fake"}}, headers
                    )
                content = reply.content if reply.content is not None else fake.auto_content(body)
                prompt_tokens = sum(len(m.get("content") or "") for m in body.get("messages", [])) // 4
                usage = {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(content) // 4,
                    "total_tokens": prompt_tokens + len(content) // 4,
                    "prompt_tokens_details": {"cached_tokens": prompt_tokens // 2},
                }
                if body.get("stream"):
                    return self._stream(body, content, reply, usage)
                message = {"role": "assistant", "content": content, "refusal": reply.refusal}
                choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
                self._json(200, self._envelope(body, "chat.completion", [choice], usage))

            def _stream(
                self, body: dict[str, Any], content: str, reply: Reply, usage: dict[str, Any]
            ) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                pieces = [content[i : i + 7] for i in range(0, len(content), 7)] or [""]
                if reply.cut_stream or reply.stall:
                    pieces = pieces[: max(1, len(pieces) // 2)]
                sent: list[tuple[float, str]] = []
                if fake.is_follow_up(body):
                    fake.chunks_sent = sent
                for piece in pieces:
                    if reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                    sent.append((time.perf_counter(), piece))
                    delta: dict[str, Any] = {"content": piece}
                    if reply.refusal:
                        delta = {"refusal": reply.refusal}
                    self._event(self._envelope(body, "chat.completion.chunk", [{"index": 0, "delta": delta}]))
                if reply.cut_stream or reply.stall:
                    time.sleep(reply.stall)
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                final = {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
                self._event(self._envelope(body, "chat.completion.chunk", [final]))
                if (body.get("stream_options") or {}).get("include_usage"):
                    self._event(self._envelope(body, "chat.completion.chunk", [], usage))
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
