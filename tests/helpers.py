"""Small builders shared by the tests."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from interviewer.domain import Turn

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`interviewer ARGS` in a child process, as a user runs it; `env` is added to this one's."""
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=timeout,
    )


def answer_turn(text: str) -> Turn:
    return Turn(role="candidate", kind="answer", text=text, at=datetime.now(UTC))


def bi(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


def anchors() -> dict[int, dict[str, str]]:
    return {1: bi("없음", "nothing"), 3: bi("일부", "some of it"), 5: bi("전부", "all of it")}


def question_data(qid: str = "backend/idempotency") -> dict[str, object]:
    """A small valid question, as it would be written in a bank file."""
    category = qid.split("/")[0]
    return {
        "id": qid,
        "category": category,
        "tracks": ["mlse", "backend"],
        "difficulty": 3,
        "text": bi(
            "결제 API를 멱등하게 만들려면 어떻게 하시겠어요?", "How would you make a payment API idempotent?"
        ),
        "rubric": [
            {
                "id": "mechanism",
                "name": bi("멱등성 메커니즘", "Idempotency mechanism"),
                "weight": 60,
                "key_points": ["idempotency-key", "stored-result"],
                "anchors": anchors(),
            },
            {
                "id": "edge-cases",
                "name": bi("경계 상황", "Edge cases"),
                "weight": 40,
                "key_points": ["concurrent-duplicates"],
                "anchors": anchors(),
            },
        ],
        "key_points": [
            {
                "id": "idempotency-key",
                "text": bi(
                    "클라이언트가 요청마다 고유한 멱등 키를 보내고 서버는 그 키로 중복을 알아본다.",
                    "The client sends a unique idempotency key and the server detects repeats by it.",
                ),
                "cues": {"ko": ["멱등 키", "idempotency key"], "en": ["idempotency key", "request id"]},
                "follow_up": bi(
                    "같은 요청이 두 번 오면 어떻게 알아보나요?", "How do you recognise a repeated request?"
                ),
                "deepen": bi("그 키는 얼마나 보관하나요?", "How long do you keep those keys?"),
                "misconceptions": [
                    {
                        "id": "key-from-server",
                        "claim": bi(
                            "멱등 키는 서버가 요청을 받은 뒤에 새로 만듭니다.",
                            "The server generates a new idempotency key for every request it receives.",
                        ),
                        "cues": {"ko": ["서버가 & 멱등 키 & 만들"], "en": ["server generate"]},
                        "correction": bi(
                            "키는 클라이언트가 한 번 만들어 재시도에도 그대로 보냅니다.",
                            "the client creates the key once and resends the same key on every retry.",
                        ),
                        "probe": bi(
                            "서버가 키를 만든다면, 재시도한 요청은 어떻게 같은 요청으로 알아볼까요?",
                            "If the server makes the key, how does it recognise a retry as the same request?",
                        ),
                    }
                ],
            },
            {
                "id": "stored-result",
                "text": bi(
                    "첫 처리 결과를 저장해 두었다가 재시도에는 같은 응답을 돌려준다.",
                    "The server stores the first result and returns the same response to retries.",
                ),
                "cues": {"ko": ["결과를 저장", "같은 응답"], "en": ["stores & result", "same response"]},
                "follow_up": bi(
                    "재시도한 클라이언트는 무엇을 받아야 하나요?", "What should a retrying client get back?"
                ),
                "deepen": bi("저장소가 실패하면요?", "What if that store fails?"),
                "hint": bi(
                    "첫 요청과 재시도가 각각 무엇을 보게 되는지 비교해 보세요.",
                    "Compare what the first call and the retry each get to see.",
                ),
            },
            {
                "id": "concurrent-duplicates",
                "text": bi(
                    "동시에 도착한 중복 요청은 키에 대한 락이나 유니크 제약으로 하나만 처리한다.",
                    "Concurrent duplicates are serialised with a lock or a unique constraint on the key.",
                ),
                "cues": {
                    "ko": ["락", "유니크 제약", "unique constraint"],
                    "en": ["lock", "unique constraint"],
                },
                "follow_up": bi("두 요청이 동시에 오면요?", "What if both copies arrive at the same moment?"),
                "deepen": bi("락은 어디에 두나요?", "Where does that lock live?"),
            },
        ],
        "model_answer": bi(
            "클라이언트가 멱등 키를 보내고, 서버는 결과를 저장해 두었다가 "
            "같은 응답을 돌려주며, 동시 중복은 락으로 막습니다.",
            "The client sends an idempotency key; the server stores the result and returns "
            "the same response, and a lock on the key handles concurrent duplicates.",
        ),
    }
