"""The built wheel carries the bank and prompts; the core stays free of UI and network libraries."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_neither_textual_nor_openai() -> None:
    code = (
        "import sys\n"
        "import interviewer.engine, interviewer.bank, interviewer.llm.offline, interviewer.store\n"
        "bad = sorted(m for m in ('textual', 'openai', 'rich') if m in sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


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
