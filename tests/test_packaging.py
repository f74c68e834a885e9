"""The built wheel carries the bank and prompts; the core stays free of UI and network libraries."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "interviewer"

# What the core may not load, even indirectly: the screens (Textual and its renderer) and the model client.
UI_AND_NETWORK = ("textual", "rich", "openai", "httpx")

# Modules outside the core, each for a reason; any other module is checked, a new one included.
NOT_CORE = {
    "interviewer.__main__": "runs the program when imported",
    "interviewer.cli": "the front end: its commands load the screens and the client when they run",
    "interviewer.commands": "the command families, checked by the command tests below",
    "interviewer.tui": "the full-screen interface is built on Textual",
    "interviewer.llm.openai": "the OpenAI-compatible backend is the model client",
    "interviewer.doctor": "checks the endpoint with the model client's own errors",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _excluded(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in NOT_CORE)


CORE = sorted(n for n in map(_module_name, PACKAGE.rglob("*.py")) if not _excluded(n))


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    """The modules loaded after `code` in a fresh interpreter whose per-user folders are under `tmp_path`
    (a package is listed whenever any of its modules is)."""
    report = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {**os.environ, **{f"XDG_{d}_HOME": str(tmp_path / d) for d in ("CACHE", "CONFIG", "DATA")}}
    proc = subprocess.run(
        [sys.executable, "-c", code + report], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert proc.returncode == 0, proc.stderr
    loaded: list[str] = json.loads(proc.stdout.splitlines()[-1])
    return loaded


def test_the_core_modules_are_found_by_walking_the_package() -> None:
    assert "interviewer.engine" in CORE and "interviewer.wiring" in CORE
    assert not any(n.startswith(("interviewer.tui", "interviewer.commands")) for n in CORE)


# One interpreter forks a child per module, which imports it alone and reports what is loaded. The parent
# first loads what every core module needs anyway (Pydantic, the domain) and checks that none of the
# libraries looked for came with it, so each child shows what its module adds: the same check as a fresh
# interpreter per module, without paying for Pydantic's import sixty times.
_EACH_IN_A_CHILD = """
import json, os, sys
import interviewer.domain, pydantic_settings, yaml
assert not [m for m in UI_AND_NETWORK if m in sys.modules], sys.modules
out = {}
for name in sys.argv[1:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            __import__(name)
            data = sorted(sys.modules)
        except BaseException as exc:
            data = {"error": repr(exc)}
        with os.fdopen(w, "w") as f:
            f.write(json.dumps(data))
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        out[name] = json.loads(f.read())
    os.waitpid(pid, 0)
print(json.dumps(out))
"""


@functools.cache
def _loaded_by_each_core_module() -> dict[str, list[str]]:
    home = Path(tempfile.mkdtemp(prefix="interviewer-imports-"))
    env = {**os.environ, **{f"XDG_{d}_HOME": str(home / d) for d in ("CACHE", "CONFIG", "DATA")}}
    proc = subprocess.run(
        [sys.executable, "-c", f"UI_AND_NETWORK = {UI_AND_NETWORK!r}\n{_EACH_IN_A_CHILD}", *CORE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    loaded: dict[str, list[str]] = json.loads(proc.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_ui_or_network_library(module: str) -> None:
    loaded = _loaded_by_each_core_module()[module]
    assert isinstance(loaded, list), f"`import {module}` failed: {loaded}"
    assert [m for m in UI_AND_NETWORK if m in loaded] == [], f"`import {module}` loads them"


# What a command that starts no interview must not pay for: the screens, the client, the encoder's numpy,
# and the engine, all imported inside the `run` that needs them.
HEAVY = ("textual", "rich", "openai", "httpx", "numpy", "interviewer.engine", "interviewer.tui")


@pytest.mark.parametrize("argv", [["--help"], ["bank", "list"]], ids=" ".join)
def test_help_and_bank_list_load_no_ui_client_or_encoder(argv: list[str], tmp_path: Path) -> None:
    code = (
        "import contextlib, io\n"
        "from interviewer.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        code = main({argv!r})\n"
        "    except SystemExit as exc:\n"
        "        code = exc.code\n"
        "assert code == 0, code\n"
    )
    loaded = _loaded_after(code, tmp_path)
    assert [m for m in HEAVY if m in loaded] == []


def test_wheel_installs_and_validates_its_bank_from_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # No build isolation: hatchling comes from the dev extras, so nothing is downloaded.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("interviewer-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    target = subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies come from this environment via a .pth file; the package itself only from the wheel.
    Path(target, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(bin_dir / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import interviewer, pathlib; print(pathlib.Path(interviewer.__file__).parent)",
        ],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(Path(target))
    assert (Path(where) / "question_bank" / "cs.yaml").is_file()
    assert (Path(where) / "question_bank" / "README.md").is_file()
    assert (Path(where) / "prompts").is_dir()

    proc = subprocess.run(
        [str(bin_dir / "interviewer"), "bank", "validate"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK: ")
