"""`interviewer doctor`: do once what an interview does, on a tiny question, and say what failed and why.

Each check is shown as it starts and as it ends (a silent server costs at most one check's bound, with a
line every few seconds); the checks are the model list, then a real follow-up request and a real grade
request through the same backend path, output bound and validation an interview uses. The advice names the
failure: a slow server, a server that is not running, a network problem, the key, the model name, a proxy
answering in the server's place, or a model that does not follow the output format.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit

import openai
from pydantic import BaseModel

from .domain import CallRecord, Lang, Question, Turn
from .llm.base import FollowUpRequest, GradeRequest, Outcome
from .llm.gate import is_local
from .llm.openai import OpenAIBackend
from .redact import redact_url
from .settings import Settings
from .untrusted import one_line

T = TypeVar("T")
Emit = Callable[[str], None]

LIST_BOUND_S = 10.0  # the model list is one small request: a server that takes longer is not well
# The client's own timeout ends the list request first, with an error that says where it stopped.
LIST_MARGIN_S = 1.0
HEARTBEAT_S = 5.0  # while a check waits, a line this often, so a silent server is never a silent screen
_SERVERS = (
    "Ollama: `ollama serve`; llama.cpp: `llama-server -m MODEL.gguf --port 8080`; "
    "vLLM: `vllm serve MODEL --port 8000`"
)


def _bi(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


# Small enough to answer in a few tokens, with one point the answer covers and one it leaves for a follow-up.
QUESTION = Question.model_validate(
    {
        "id": "doctor/http-404",
        "category": "doctor",
        "tracks": ["mlse", "mle", "backend"],
        "difficulty": 1,
        "text": _bi("HTTP 상태 코드 404는 무엇을 뜻하나요?", "What does the HTTP status code 404 mean?"),
        "rubric": [
            {
                "id": "meaning",
                "name": _bi("의미", "Meaning"),
                "weight": 100,
                "key_points": ["not-found", "versus-gone"],
                "anchors": {
                    1: _bi("틀리거나 답이 없다", "wrong or missing"),
                    3: _bi("찾을 수 없다는 뜻만 말한다", "says only that it means not found"),
                    5: _bi("410과의 차이까지 말한다", "also tells it apart from 410"),
                },
            }
        ],
        "key_points": [
            {
                "id": "not-found",
                "text": _bi(
                    "서버가 요청한 리소스를 찾을 수 없다는 뜻이다.",
                    "The server cannot find the requested resource.",
                ),
                "cues": {"ko": ["찾을 수 없"], "en": ["not find", "not found"]},
                "follow_up": _bi("404는 무엇을 알려 주나요?", "What does a 404 tell the client?"),
                "deepen": _bi("리소스가 없다는 것을 어떻게 알 수 있나요?", "How can the server tell?"),
            },
            {
                "id": "versus-gone",
                "text": _bi(
                    "410은 리소스가 영구히 사라졌다는 뜻이고 404는 그렇다고 말하지 않는다.",
                    "410 says the resource is gone for good; 404 does not say whether it will come back.",
                ),
                "cues": {"ko": ["410"], "en": ["410", "gone"]},
                "follow_up": _bi("404와 410은 어떻게 다른가요?", "How does 404 differ from 410?"),
                "deepen": _bi(
                    "클라이언트는 410을 받으면 어떻게 하나요?", "What should a client do on a 410?"
                ),
            },
        ],
        "model_answer": _bi(
            "요청한 리소스를 찾을 수 없다는 뜻이며, 410과 달리 영구히 사라졌다고 말하지는 않습니다.",
            "The requested resource was not found; unlike 410 it does not say it is gone for good.",
        ),
    }
)
ANSWER = _bi(
    "서버가 요청한 리소스를 찾을 수 없다는 뜻입니다.", "It means the server could not find the resource."
)


class Report(BaseModel):
    lines: list[str]
    fix: str | None = None  # one line; set when a check failed

    @property
    def healthy(self) -> bool:
        return self.fix is None


class _Failed(Exception):
    """A check failed; the message is the one-line advice."""


def _where(settings: Settings) -> str:
    if settings.provider != "auto":
        return f"set with --provider or INTERVIEWER_PROVIDER={settings.provider}"
    if settings.api_key:
        return "auto: an API key is configured"
    if settings.base_url:
        return "auto: a base URL is configured"
    return "auto: no API key or base URL is configured"


async def diagnose(
    settings: Settings,
    backend_factory: Callable[[Settings], OpenAIBackend],
    emit: Emit | None = None,
    lang: Lang = "en",
) -> Report:
    """Run the checks, passing each line to `emit` as soon as it is known; the report holds them all."""
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if emit is not None:
            emit(line)

    provider = settings.resolved_provider()
    say(f"provider: {provider} ({_where(settings)})")
    if provider == "offline":
        say("the offline backend needs no endpoint; set OPENAI_API_KEY or --base-url to use a model")
        return Report(lines=lines)
    backend = backend_factory(settings)
    try:
        await _Doctor(settings, backend, say, lang).run()
    except _Failed as failed:
        return Report(lines=lines, fix=str(failed))
    finally:
        await backend.close()
    return Report(lines=lines)


class _Doctor:
    def __init__(self, settings: Settings, backend: OpenAIBackend, say: Emit, lang: Lang) -> None:
        self.settings = settings
        self.backend = backend
        self.say = say
        self.lang = lang
        self.url = redact_url(backend.base_url)
        self.model = backend.model or ""
        self.wait_s = settings.wait_s
        self.list_s = min(LIST_BOUND_S, settings.timeout_s, settings.wait_s)

    async def run(self) -> None:
        self.say(f"endpoint: {self.url}")
        self.say(f"model: {one_line(self.model)}")
        if self.settings.stream is None:
            self.say(
                "streaming: on in interviews, off in eval and regrade (--no-stream for servers without it)"
            )
        else:
            where = "set with --[no-]stream, INTERVIEWER_STREAM or stream in the config"
            self.say(f"streaming: {'on' if self.settings.stream else 'off'} everywhere ({where})")
        self.say(
            f"bounds: the model list {self.list_s:g} s, each request {self.wait_s:g} s (wait_s), "
            f"{self.list_s + LIST_MARGIN_S + 2 * self.wait_s:g} s in all"
        )
        await self.models()
        now = datetime.now(UTC)
        turns = [
            Turn(role="interviewer", kind="question", text=QUESTION.text(self.lang), at=now),
            Turn(role="candidate", kind="answer", text=ANSWER[self.lang], at=now),
        ]
        follow_up = await self.step(
            "follow-up",
            self.backend.follow_up(
                FollowUpRequest(question=QUESTION, turns=turns, lang=self.lang, remaining=1)
            ),
        )
        grade = await self.step(
            "grade", self.backend.grade(GradeRequest(question=QUESTION, turns=turns, lang=self.lang))
        )
        self.say(f"will use: {self.mode(follow_up, grade)}")

    # --- the model list ---------------------------------------------------------------------------

    async def models(self) -> None:
        self.say(f"model list: asking (at most {self.list_s:g} s)…")
        client = self.backend.client.with_options(max_retries=0, timeout=self.list_s)
        started = time.monotonic()
        try:
            raw = await self.within(client.models.with_raw_response.list(), self.list_s + LIST_MARGIN_S)
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            self.say(f"reachable: yes, but the key was refused (HTTP {exc.status_code})")
            raise _Failed(
                f"{self.url} rejected the API key (HTTP {exc.status_code}): set OPENAI_API_KEY"
            ) from None
        except openai.APIStatusError as exc:
            note = (
                "not offered by this server (fine for some local servers)"
                if exc.status_code == 404
                else f"the server answered HTTP {exc.status_code}; trying the requests anyway"
            )
            self.say(f"reachable: yes ({time.monotonic() - started:.1f} s)")
            self.say(f"model list: {note}")
            return
        except (openai.APIConnectionError, TimeoutError) as exc:
            self.say(f"reachable: no ({_kind(exc)})")
            raise _Failed(self.unreachable(exc)) from None
        response = raw.http_response
        self.say(f"reachable: yes ({time.monotonic() - started:.1f} s)")
        try:
            listed = [str(m["id"]) for m in response.json()["data"]]
        except ValueError:
            kind = one_line(response.headers.get("content-type", "no content type").split(";")[0])
            raise _Failed(
                f"something other than the API answered at {self.url} (a 200 reply in {kind}, not JSON): "
                "a proxy, a login page or a web app in the server's place? Check --base-url (most servers "
                "want it to end in /v1) and any HTTP(S)_PROXY setting"
            ) from None
        except (KeyError, TypeError):
            self.say("model list: not in the usual shape; skipped")
            return
        if listed and self.model not in listed:
            shown = one_line(", ".join(listed[:8]))
            raise _Failed(f"model {self.model!r} is not served here; choose one with --model ({shown})")
        self.say("model listed: yes" if listed else "model list: empty")

    def unreachable(self, exc: BaseException) -> str:
        host = one_line(urlsplit(self.backend.base_url).hostname or "")
        causes = _causes(exc)
        if any(isinstance(c, socket.gaierror) for c in causes):
            return (
                f"cannot look up {host}: a network problem (no connection, DNS, VPN or proxy settings), "
                "or a typo in --base-url"
            )
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            if is_local(self.backend.base_url):
                return f"nothing is listening at {self.url}: is the server running? ({_SERVERS})"
            return f"{host} refused the connection: check the host and port in --base-url"
        if any(isinstance(c, ssl.SSLError) for c in causes):
            return (
                f"the TLS handshake with {host} failed: http:// instead of https://, or a proxy in between?"
            )
        if isinstance(exc, TimeoutError):  # the doctor's own bound: where it stopped is not known
            return (
                f"no answer from {self.url} in {self.list_s + LIST_MARGIN_S:g} s: a server that is busy or "
                "stuck, or a network that drops the connection"
            )
        if isinstance(exc, openai.APITimeoutError) and not _connecting(causes):
            return (
                f"the server at {self.url} accepted the connection but did not answer in {self.list_s:g} s: "
                "it is busy or stuck (a single-slot server still on an earlier request?)"
            )
        if is_local(self.backend.base_url):
            return f"cannot connect to {self.url}: is the server running and listening there? ({_SERVERS})"
        return f"cannot reach {host}: a network problem (offline, a firewall, VPN or proxy?)"

    # --- the real requests ------------------------------------------------------------------------

    async def step(self, name: str, work: Awaitable[Outcome[T]]) -> CallRecord:
        self.say(f"{name}: a real {name} request on a tiny question (at most {self.wait_s:g} s)…")
        try:
            outcome = await self.within(work, self.wait_s)
        except TimeoutError:
            self.say(f"{name}: no answer in {self.wait_s:g} s")
            raise _Failed(
                f"the server did not answer the {name} request in {self.wait_s:g} s: it is slow or busy (a "
                "large model on a CPU, or a single-slot server still on another request?); try a smaller "
                "model, or raise wait_s and timeout_s in the config"
            ) from None
        except Exception as exc:  # a check reports what broke; it never crashes
            self.say(f"{name}: failed ({type(exc).__name__})")
            raise _Failed(
                f"the {name} request failed unexpectedly ({type(exc).__name__}): see the server's log"
            ) from None
        call = outcome.calls[-1]
        kinds = _kinds(call.faults)
        if call.fallback:
            self.say(f"{name}: failed ({one_line(', '.join(kinds))})")
            raise _Failed(self.advice(name, call))
        recovered = f"; recovered from {one_line(', '.join(kinds))}" if kinds else ""
        self.say(f"{name}: ok in {call.latency_s:.1f} s, output mode {call.mode}{recovered}")
        return call

    def advice(self, name: str, call: CallRecord) -> str:
        """One line for the last thing that went wrong in a step the offline backend had to take."""
        last = call.faults[-1] if call.faults else "failed"
        kind, _, detail = last.partition(":")
        detail = one_line(detail.strip())[:160]
        if kind == "timeout":
            return (
                f"the server is slow: the {name} request timed out after {self.settings.timeout_s:g} s; "
                "try a smaller model, or raise timeout_s and wait_s in the config"
            )
        if kind == "connection":
            return (
                f"the connection to {self.url} broke during the {name} request: is the server still running?"
            )
        if kind == "auth":
            return f"{self.url} rejected the API key for the {name} request: set OPENAI_API_KEY"
        status = int(kind[5:]) if kind.startswith("http_") and kind[5:].isdigit() else None
        if status == 404:
            return (
                f"the server does not know model {self.model!r} (HTTP 404): choose one it serves with --model"
            )
        if kind == "rate_limited":
            return "the endpoint is rate limiting (HTTP 429): wait a minute, or check the account's quota"
        if status is not None and status >= 500:
            return f"the server failed on the {name} request (HTTP {status}): see the server's log"
        if kind in ("not_json_body", "not_sse_body"):
            return (
                f"something between you and the server (a proxy?) answered the {name} request with a page "
                f"({detail}) that is not the API's JSON: check --base-url and any HTTP(S)_PROXY setting"
            )
        if kind in ("stream_cut", "stream_unended", "bad_stream"):
            what = "was garbled" if kind == "bad_stream" else "did not come to its end"
            return (
                f"the streamed {name} reply {what}: the server or a proxy in between mishandles streams; "
                "try --no-stream (stream = false in the config)"
            )
        if kind == "refusal":
            return f"the model refused the {name} request: try another model"
        if kind == "length":
            bound = getattr(self.settings.max_tokens, name.replace("-", "_"), None)
            return (
                f"the model's {name} reply ran past its output bound ({bound} tokens): raise "
                f"max_tokens.{name.replace('-', '_')} in the config, or use a model that answers briefly"
            )
        if kind in ("schema", "semantic"):
            return (
                f"the model's {name} reply was JSON of the wrong shape ({detail}): try a larger or "
                "instruction-tuned model"
            )
        if kind == "invalid_json":
            said = one_line((call.raw or "").strip())[:60]
            return (
                f"the model did not answer the {name} request in JSON (it said {said!r}): try a larger or "
                'instruction-tuned model, or output_mode = "prompt"'
            )
        if status is not None or " refused (HTTP " in kind:
            return (
                f"the server refused the {name} request ({one_line(last)[:160]}): an older server may not "
                "take some parameters; see its log"
            )
        return f"the {name} request failed ({one_line(last)[:160]}): see the server's log"

    def mode(self, follow_up: CallRecord, grade: CallRecord) -> str:
        chosen = grade.mode or follow_up.mode
        if self.settings.output_mode != "auto":
            return f"{self.settings.output_mode} (set in the configuration)"
        if chosen == "json_schema":
            return "json_schema (the strictest mode this server accepts)"
        refused = [f for f in follow_up.faults + grade.faults if "json_schema" in f or "json_object" in f]
        return f"{chosen} (stricter modes failed here: {one_line(', '.join(dict.fromkeys(refused)))[:160]})"

    async def within(self, work: Awaitable[T], bound: float) -> T:
        """`work`, or TimeoutError after `bound` seconds; a line every few seconds while it is silent."""
        task = asyncio.ensure_future(work)
        started = time.monotonic()
        try:
            while True:
                left = started + bound - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                done, _ = await asyncio.wait({task}, timeout=min(HEARTBEAT_S, left))
                if done:
                    return task.result()
                waited = time.monotonic() - started
                if waited < bound:
                    self.say(f"  … still waiting ({waited:.0f} s of at most {bound:g} s)")
        finally:
            if not task.done():
                task.cancel()  # closing the connection frees a single-slot server for the next check
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


def _kinds(faults: list[str]) -> list[str]:
    return list(dict.fromkeys(f.split(":")[0] for f in faults))


def _kind(exc: BaseException) -> str:
    return "timeout" if isinstance(exc, TimeoutError | openai.APITimeoutError) else "connection failed"


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what caused it, down to the operating system's error."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _connecting(causes: list[BaseException]) -> bool:
    """Whether the time ran out before a connection was made (the HTTP client names its error so)."""
    return any(type(c).__name__ == "ConnectTimeout" for c in causes)
