"""Snapshot testing for Textual screens without a plugin: compare app.export_screenshot() with a file.

Set UPDATE_SNAPSHOTS=1 to write new snapshots; a mismatch leaves `<name>.new.svg` beside the old one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from textual.app import App

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _stable(svg: str) -> str:
    # The SVG names its CSS classes after a hash that changes between runs; the picture does not.
    return re.sub(r"terminal-\d+", "terminal", svg)


def assert_snapshot(app: App[object], name: str) -> None:
    svg = _stable(app.export_screenshot(title=name))
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        if not os.environ.get("UPDATE_SNAPSHOTS") and os.environ.get("CI"):
            raise AssertionError(f"snapshot {path.name} is missing; run the tests with UPDATE_SNAPSHOTS=1")
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    if path.read_text(encoding="utf-8") != svg:
        path.with_suffix(".new.svg").write_text(svg, encoding="utf-8")
        raise AssertionError(f"{name} differs from {path}; compare with {path.with_suffix('.new.svg')}")
