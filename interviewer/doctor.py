"""`interviewer doctor`: check the configured endpoint and say which output mode it will use, and why."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

import openai
from pydantic import BaseModel, ValidationError

from .llm.openai import OpenAIBackend, transport_fault
from .llm.structured import MODES, Mode, extract_json, strict_schema
from .settings import Settings


class Ping(BaseModel):
    ok: bool


class Report(BaseModel):
    lines: list[str]
    fix: str | None = None  # one line; set when the check failed

    @property
    def healthy(self) -> bool:
        return self.fix is None


def _where(settings: Settings) -> str:
    if settings.provider != "auto":
        return f"set with --provider or INTERVIEWER_PROVIDER={settings.provider}"
    if settings.api_key:
        return "auto: an API key is configured"
    if settings.base_url:
        return "auto: a base URL is configured"
    return "auto: no API key or base URL is configured"


async def diagnose(settings: Settings, backend_factory: Callable[[Settings], OpenAIBackend]) -> Report:
    provider = settings.resolved_provider()
    lines = [f"provider: {provider} ({_where(settings)})"]
    if provider == "offline":
        lines.append("the offline backend needs no endpoint; set OPENAI_API_KEY or --base-url to use a model")
        return Report(lines=lines)
    backend = backend_factory(settings)
    try:
        return await _diagnose(settings, backend, lines)
    finally:
        await backend.close()


async def _diagnose(settings: Settings, backend: OpenAIBackend, lines: list[str]) -> Report:
    client = backend.client.with_options(max_retries=0, timeout=min(15.0, settings.timeout_s))
    url, model = backend.base_url, backend.model
    lines.append(f"endpoint: {url}")
    lines.append(f"model: {model}")
    if settings.stream is None:
        lines.append(
            "streaming: on in interviews, off in eval and regrade (--no-stream for servers without it)"
        )
    else:
        where = "set with --[no-]stream, INTERVIEWER_STREAM or stream in the config"
        lines.append(f"streaming: {'on' if settings.stream else 'off'} everywhere ({where})")
    try:
        listed = [m.id async for m in client.models.list()]
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        return Report(
            lines=lines, fix=f"the endpoint rejected the key (HTTP {exc.status_code}): set OPENAI_API_KEY"
        )
    except openai.NotFoundError:
        listed = []
        lines.append("model list: not offered by this server (fine for some local servers)")
    except openai.APIError as exc:
        return Report(
            lines=[*lines, f"reachable: no ({transport_fault(exc)})"],
            fix=f"is the server running at {url}? "
            "(Ollama: `ollama serve`; llama.cpp: `llama-server`; vLLM: `vllm serve`)",
        )
    lines.append("reachable: yes")
    if listed and model not in listed:
        shown = ", ".join(listed[:8])
        return Report(
            lines=lines, fix=f"model {model!r} is not served here; choose one with --model ({shown})"
        )
    if listed:
        lines.append("model listed: yes")
    results: dict[Mode, str] = {}
    for mode in MODES:
        results[mode] = await _try_mode(client, model or "", mode)
        lines.append(f"output mode {mode}: {results[mode]}")
    working = [m for m in MODES if results[m] == "ok"]
    if not working:
        return Report(
            lines=lines, fix="no output mode produced valid JSON; try a larger or instruction-tuned model"
        )
    chosen = working[0]
    why = (
        "the strictest mode this server accepts" if chosen == "json_schema" else "stricter modes failed here"
    )
    if settings.output_mode != "auto":
        chosen, why = settings.output_mode, "set in the configuration"
    lines.append(f"will use: {chosen} ({why})")
    return Report(lines=lines)


async def _try_mode(
    client: openai.AsyncOpenAI, model: str, mode: Literal["json_schema", "json_object", "prompt"]
) -> str:
    instruction = 'Reply with the JSON object {"ok": true} and nothing else.'
    kwargs: dict[str, object] = {"model": model, "messages": [{"role": "user", "content": instruction}]}
    if mode == "json_schema":
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "Ping", "schema": strict_schema(Ping), "strict": True},
        }
    elif mode == "json_object":
        kwargs["response_format"] = {"type": "json_object"}
    try:
        completion = await client.chat.completions.create(**kwargs)  # type: ignore[call-overload]
    except openai.APIStatusError as exc:
        return f"refused (HTTP {exc.status_code})"
    except openai.APIError as exc:
        return f"failed ({transport_fault(exc)})"
    content = completion.choices[0].message.content if completion.choices else None
    try:
        data = json.loads(content or "") if mode == "json_schema" else extract_json(content or "")
        Ping.model_validate(data)
    except (ValueError, ValidationError):
        return "reply was not the requested JSON"
    return "ok"
