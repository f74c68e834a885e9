"""Credentials inside a base URL never reach the screen, a transcript, a report or a cache file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI, Reply
from tests.hostile import Sandbox, sandbox  # noqa: F401

USER, PASSWORD, KEY, TOKEN = "alice", "pw-s3cr3t-9481", "k3y-5ecret-2207", "t0ken-5ecret-7731"
SECRETS = (PASSWORD, KEY, TOKEN)
FORMS = {
    "user-and-password": "http://{u}:{p}@{host}/v1",
    "api-key-query": "http://{host}/v1?api-key={k}",
    "token-query": "http://{host}/v1?access_token={t}",
    "everything": "http://{u}:{p}@{host}/v1?api-key={k}&token={t}&api-version=2024-06-01",
}
ANSWERS = "Threads share the heap; processes have their own memory.\n.\nLocks protect shared state.\n.\n"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def url(server: FakeOpenAI, form: str) -> str:
    host = server.base_url.removeprefix("http://").removesuffix("/v1")
    return FORMS[form].format(u=USER, p=PASSWORD, k=KEY, t=TOKEN, host=host)


def leaked(box: Sandbox, *texts: str) -> list[str]:
    """Every place a secret shows up: the given output, and every file under the sandbox and the cache."""
    found = [f"output: {s}" for text in texts for s in SECRETS if s in text]
    for root in (box.root, Path(os.environ["XDG_CACHE_HOME"])):
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                found += [f"{path}: {s}" for s in SECRETS if s.encode() in data]
    return found


@pytest.mark.parametrize("form", FORMS)
def test_doctor_never_prints_the_credentials(sandbox: Sandbox, server: FakeOpenAI, form: str) -> None:  # noqa: F811
    result = sandbox.run("doctor", "--base-url", url(server, form), "--model", "fake-model")
    assert result.code == 0, result.err
    assert "***" in result.out
    assert not leaked(sandbox, result.out, result.err)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("server_state", ["healthy", "failing"])
def test_an_interview_keeps_the_credentials_out_of_everything(
    sandbox: Sandbox,  # noqa: F811
    server: FakeOpenAI,
    form: str,
    server_state: str,
) -> None:
    if server_state == "failing":  # the fallback notices and recorded faults name the endpoint
        server.models_status = 503
        server.then(*(Reply(status=500, error=f"upstream {url(server, form)} failed") for _ in range(20)))
    result = sandbox.run(
        "practice", "--plain", "--questions", "1", "--follow-ups", "1", "--lang", "en",
        "--provider", "openai", "--base-url", url(server, form), "--model", "fake-model",
        stdin=ANSWERS,
    )  # fmt: skip
    assert result.code == 0, result.err
    (session,) = [p.stem for p in sandbox.sessions.glob("*.json")]
    report = sandbox.run("report", session)
    as_json = sandbox.run("report", session, "--format", "json")
    replay = sandbox.run("replay", session)
    assert not leaked(sandbox, result.out, result.err, report.out, as_json.out, replay.out)


def test_the_setup_screen_shows_the_endpoint_without_its_credentials(tmp_path: Path) -> None:
    from textual.pilot import Pilot
    from textual.widgets import Static

    from interviewer.tui.app import InterviewerApp
    from interviewer.tui.prefs import SetupChoices, save_choices
    from tests.tui_support import context, drive

    secret_url = f"http://{USER}:{PASSWORD}@127.0.0.1:9/v1?api-key={KEY}"
    ctx = context(tmp_path, provider="openai", base_url=secret_url, model="m")
    save_choices(tmp_path / "prefs.json", SetupChoices(categories=["cs"], lang="en", provider="openai"))
    app = InterviewerApp(ctx)
    shown: list[str] = []

    async def script(pilot: Pilot[int]) -> None:
        await pilot.pause()
        shown.append(str(app.screen.query_one("#backend-status", Static).render()))

    drive(app, script)
    assert "127.0.0.1:9" in shown[0] and "***" in shown[0]
    assert not [s for s in SECRETS if s in shown[0]], shown[0]
