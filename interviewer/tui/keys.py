"""Footer key labels in the language of the screen being shown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.dom import DOMNode
from textual.screen import Screen

from ..domain import Lang

_KO = {
    "Quit": "나가기",
    "Start": "시작",
    "History": "기록",
    "Submit": "제출",
    "Hint": "힌트",
    "Skip": "넘기기",
    "Don't know": "모르겠음",
    "End": "종료",
    "Score": "점수",
    "Model answers": "모범 답안",
    "Export .md": ".md 저장",
    "Back": "뒤로",
    "Report": "리포트",
    "Resume": "이어하기",
    "Pick questions": "문제 고르기",
    "Why": "의도",
    "Try again": "다시 풀기",
    "Don't wait": "기다리지 않기",
    "Mark": "선택",
    "Review": "복습",
}


def speak(screen: Screen[Any], lang: Lang) -> None:
    """Label the screen's keys and the app's in `lang`; call when the screen becomes active."""
    for node in (screen, screen.app):
        _relabel(node, lang)
    screen.refresh_bindings()


def _relabel(node: DOMNode, lang: Lang) -> None:
    # Textual gives each node a copy of its class's bindings, descriptions included, and no public way
    # to change a description; start again from the class's copy so switching back restores English.
    merged = type(node)._merged_bindings
    if merged is None:
        return
    bindings = merged.copy()
    if lang == "ko":
        bindings.key_to_bindings = {
            key: [replace(b, description=_KO.get(b.description, b.description)) for b in found]
            for key, found in bindings.key_to_bindings.items()
        }
    node._bindings = bindings
