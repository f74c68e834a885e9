"""The OpenAI-compatible backend with the real SDK against a fake server on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from interviewer.bank import Bank, load_bank
from interviewer.domain import Plan, Transcript
from interviewer.engine import Engine, new_transcript
from interviewer.events import Answer, Event, Prompt, QuestionGraded, TextDelta
from interviewer.llm.openai import OpenAIBackend
from interviewer.llm.structured import ModeMemory
from interviewer.settings import Settings
from interviewer.store import Store
from tests.fake_openai import FakeOpenAI
from tests.helpers import question_data

SECRET = "sk-test-0123456789abcdefghijklmnop"
ANSWERS = [
    "The client sends an idempotency key so the server can recognise a repeated request.",
    "The server stores the first response and returns it again for every retry of the request.",
]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def bank(tmp_path: Path) -> Bank:
    path = tmp_path / "bank.yaml"
    items = [question_data(f"backend/q{i}") for i in range(6)]
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    return load_bank([path], include_builtin=False)


def backend(server: FakeOpenAI, tmp_path: Path, **settings: object) -> OpenAIBackend:
    config: dict[str, object] = {
        "provider": "openai",
        "base_url": server.base_url,
        "api_key": SECRET,
        "model": "fake-model",
        "max_retries": 0,
        "timeout_s": 5,
    }
    config.update(settings)
    return OpenAIBackend(Settings(**config), "test-session", ModeMemory(tmp_path / "modes.json"))  # type: ignore[arg-type]


def interview(
    bank: Bank, be: OpenAIBackend, tmp_path: Path, answers: list[str], questions: int = 1, follow_ups: int = 1
) -> tuple[Transcript, list[Event]]:
    plan = Plan(track="backend", questions=questions, follow_ups=follow_ups, lang="en", seed=1)
    engine = Engine(new_transcript(plan, bank, be, session_id="test-session"), be, Store(tmp_path / "data"))

    async def go() -> list[Event]:
        events = [e async for e in engine.start()]
        for a in answers:
            if engine.finished:
                break
            events += [e async for e in engine.submit(Answer(text=a))]
        return events

    events = asyncio.run(go())
    return engine.transcript, events


def test_interview_with_streamed_follow_ups(server: FakeOpenAI, bank: Bank, tmp_path: Path) -> None:
    t, events = interview(bank, backend(server, tmp_path), tmp_path, ANSWERS)
    assert t.finished and [a.text for a in t.records[0].answers()] == ANSWERS
    deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
    follow = next(e for e in events if isinstance(e, Prompt) and e.kind == "follow_up")
    assert deltas == follow.text == "Could you go deeper on that? (1)"
    graded = next(e for e in events if isinstance(e, QuestionGraded))
    assert graded.feedback.overall == 3
    calls = t.records[0].calls
    assert [c.step for c in calls] == ["follow_up", "grade"]
    assert all(c.mode == "json_schema" and not c.faults and c.prompt_tokens for c in calls)
    assert (
        t.provider == "openai"
        and t.model == "fake-model"
        and set(t.prompt_hashes)
        == {
            "interviewer",
            "follow_up",
            "grade",
        }
    )
    # The candidate's answer sits last, inside the data block, and carries the session as cache key.
    request = server.chat_requests()[0].body
    assert request["prompt_cache_key"] == "test-session"
    assert request["messages"][-1]["content"].endswith(
        f"<candidate_answer>\n{ANSWERS[0]}\n</candidate_answer>"
    )
    assert request["response_format"]["type"] == "json_schema"


def test_plain_mode_against_the_server_never_leaks_the_key(server: FakeOpenAI, tmp_path: Path) -> None:
    args = [
        "practice",
        "--plain",
        "--provider",
        "openai",
        "--base-url",
        server.base_url,
        "--model",
        "fake-model",
    ]
    args += ["--questions", "2", "--follow-ups", "1", "--lang", "en", "--seed", "3"]
    env = {
        **os.environ,
        "OPENAI_API_KEY": SECRET,
        "INTERVIEWER_DATA_DIR": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    stdin = "".join(f"answer number {i} about the topic in several words here.\n.\n" for i in range(4))
    proc = subprocess.run(
        [sys.executable, "-m", "interviewer", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "openai (fake-model)" in proc.stdout and "Could you go deeper on that? (1)" in proc.stdout
    assert "tokens:" in proc.stdout
    (path,) = (tmp_path / "data" / "sessions").glob("*.json")
    t = Transcript.model_validate_json(path.read_bytes())
    assert t.finished and sum(len(r.answers()) for r in t.records) == 4
    for text in (path.read_text(), proc.stdout, proc.stderr):
        assert SECRET not in text
    assert all(r.headers.get("authorization") == f"Bearer {SECRET}" for r in server.chat_requests())


def test_prompt_tokens_stay_flat_across_six_questions(server: FakeOpenAI, bank: Bank, tmp_path: Path) -> None:
    answers = [f"{ANSWERS[0]} ({i})" for i in range(6)]
    t, _ = interview(bank, backend(server, tmp_path), tmp_path, answers, questions=6, follow_ups=0)
    tokens = [c.prompt_tokens or 0 for r in t.records for c in r.calls]
    assert len(tokens) == 6 and max(tokens) <= 1.1 * min(tokens)
    # Each call carries its own question only, never the threads of earlier ones.
    for seen in server.chat_requests():
        text = json.dumps(seen.body["messages"])
        assert sum(f"Question {r.question.id} " in text for r in t.records) == 1
