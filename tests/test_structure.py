"""The TUI's layout: screens know nothing of one another, and the app alone decides what is shown next."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TUI = Path(__file__).resolve().parent.parent / "interviewer" / "tui"
# Every module that defines a Screen; `app.py` alone may import them.
SCREENS = sorted(
    p.stem for p in TUI.glob("*.py") if "(Screen[" in p.read_text() or "(ModalScreen[" in p.read_text()
)


def imported_tui_modules(path: Path) -> set[str]:
    """The `interviewer.tui` modules `path` imports anywhere, function bodies and TYPE_CHECKING included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("interviewer.tui."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("interviewer.tui."))
    return found


def test_the_screens_are_found() -> None:
    assert {"setup", "interview", "feedback", "history"} <= set(SCREENS)


@pytest.mark.parametrize("screen", SCREENS)
def test_a_screen_imports_no_other_screen_nor_the_app(screen: str) -> None:
    imported = imported_tui_modules(TUI / f"{screen}.py")
    # Context, the dataclass of services a screen is given, is read for its type only.
    forbidden = (imported & set(SCREENS) - {screen}) | ({"app"} & imported)
    if forbidden == {"app"}:
        source = (TUI / f"{screen}.py").read_text(encoding="utf-8")
        assert "from .app import Context\n" in source and "InterviewerApp" not in source, screen
        forbidden = set()
    assert not forbidden, (
        f"{screen}.py imports {sorted(forbidden)}: post a message from tui/messages.py instead"
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_a_screen_opens_only_its_own_dialogs(screen: str) -> None:
    """No screen pushes, switches or pops another, nor reads the stack: it may only open a modal dialog
    defined beside it (as F10's question is) and dismiss itself."""
    tree = ast.parse((TUI / f"{screen}.py").read_text(encoding="utf-8"))
    dialogs = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(b).startswith("ModalScreen") for b in node.bases)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("switch_screen", "pop_screen", "screen_stack"):
            pytest.fail(f"{screen}.py uses {node.attr}: post a message from tui/messages.py instead")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "push_screen"
        ):
            opened = node.args[0] if node.args else None
            name = (
                opened.func.id if isinstance(opened, ast.Call) and isinstance(opened.func, ast.Name) else None
            )
            assert name in dialogs, f"{screen}.py pushes {ast.unparse(node)}: post a message instead"


def test_sessions_are_opened_in_one_place() -> None:
    """Both front ends get their engine from `interviewer/session.py`: how a session is claimed, locked and
    given a backend is written once."""
    package = TUI.parent
    opening = ("Engine(", "new_transcript(", ".open_new(")
    elsewhere = [
        f"{path.relative_to(package)}: {call}"
        for path in package.rglob("*.py")
        if path.name not in ("session.py", "engine.py", "store.py")
        for call in opening
        if call in path.read_text(encoding="utf-8")
    ]
    assert not elsewhere
