"""Replay, re-grade and labelled-dataset evaluation, through the real CLI and files on disk."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from interviewer.cli import main
from interviewer.evaluation import metrics as m
from tests.fake_openai import FakeOpenAI, Reply
from tests.helpers import run_cli

DATA = Path(__file__).parent / "data" / "eval-small.yaml"


def test_metrics_on_known_values() -> None:
    assert m.quadratic_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == 1.0
    assert m.quadratic_kappa([5, 4, 3, 2, 1], [1, 2, 3, 4, 5]) < 0
    assert m.exact([1, 2, 3], [1, 2, 4]) == pytest.approx(2 / 3)
    assert m.within_one([1, 2, 5], [2, 2, 3]) == pytest.approx(2 / 3)
    assert m.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert m.spearman([1, 1, 2], [3, 3, 1]) == pytest.approx(-1.0)
    assert m.mae([1.5, 3.0], [1, 4]) == pytest.approx(0.75)
    assert m.percentile([1, 2, 3, 4], 0.5) == pytest.approx(2.5)
    assert math.isnan(m.exact([], []))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_offline_writes_json_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "run.json", tmp_path / "run.md"
    code, stdout, _ = run(capsys, "eval", str(DATA), "--out", str(out), "--report", str(report), "--no-cache")
    assert code == 0
    assert "quadratic weighted kappa" in stdout and "by language" in stdout
    data = json.loads(out.read_text())
    assert data["metrics"]["items"] == 4
    item = next(i for i in data["items"] if i["id"] == "t-strong")
    assert item["question_id"] == "cs/process-vs-thread" and item["label"]["overall"] == 5
    assert set(item["predicted"]) == {"overall", "criteria"} and item["predicted"]["overall"] >= 4
    assert set(item["follow_up"]) == {"action", "target", "text"}
    idk = next(i for i in data["items"] if i["id"] == "t-idk")
    assert idk["predicted"]["overall"] == 1
    assert "## By tag" in report.read_text()


def test_fail_under_gates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", str(DATA), "--no-cache", "--fail-under", "exact=1.01")
    assert code == 1 and "fail-under: exact" in err
    code, _, _ = run(capsys, "eval", str(DATA), "--no-cache", "--fail-under", "within_one=0.5")
    assert code == 0


def test_replay_backend_rescores_without_calls_and_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "a.json"
    assert run(capsys, "eval", str(DATA), "--no-cache", "--out", str(first))[0] == 0
    relabelled = tmp_path / "relabelled.yaml"
    items = yaml.safe_load(DATA.read_text())
    items[1]["label"]["overall"] = 3
    relabelled.write_text(yaml.safe_dump(items, allow_unicode=True))
    second = tmp_path / "b.json"
    code, _, _ = run(
        capsys, "eval", str(relabelled), "--backend", "replay", "--replay", str(first), "--out", str(second)
    )
    assert code == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    assert [i["predicted"] for i in a["items"]] == [i["predicted"] for i in b["items"]]
    assert a["metrics"]["mae"] != b["metrics"]["mae"]
    code, out, _ = run(capsys, "eval", "compare", str(first), str(second))
    assert code == 0 and "metric deltas" in out and "items that changed: 0" in out


def test_results_are_cached_per_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with FakeOpenAI() as server:
        args = [
            "eval",
            str(DATA),
            "--backend",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            "fake-model",
        ]
        assert run(capsys, *args)[0] == 0
        calls = len(server.chat_requests())
        assert calls == 8  # a grade and a follow-up decision per item
        # Nobody watches a bulk run, so it does not stream unless told to.
        assert not any(r.body.get("stream") for r in server.chat_requests())
        assert run(capsys, *args)[0] == 0
        assert len(server.chat_requests()) == calls  # the second run is served from the cache


@pytest.mark.parametrize(
    ("flag", "at_once"), [((), 1), (("--concurrency", "4"), 4)], ids=["default", "given"]
)
def test_eval_concurrency_given_opens_the_local_gate(
    capsys: pytest.CaptureFixture[str], flag: tuple[str, ...], at_once: int
) -> None:
    """A local server gets one request at a time unless `--concurrency N` says it can take N."""
    with FakeOpenAI() as server:
        server.then(*(Reply(delay=0.2) for _ in range(8)))
        args = ["eval", str(DATA), "--no-cache", "--backend", "openai", "--base-url", server.base_url]
        assert run(capsys, *args, "--model", "fake-model", *flag)[0] == 0
        assert server.most_at_once == at_once


def test_eval_streams_when_told_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAI() as server:
        args = ["eval", str(DATA), "--no-cache", "--backend", "openai", "--base-url", server.base_url]
        assert run(capsys, *args, "--model", "fake-model", "--stream")[0] == 0
        assert all(r.body.get("stream") for r in server.chat_requests())


def test_eval_cost_prices_cached_tokens_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[prices."fake-model"]\ninput = 2.0\ncached_input = 0.5\noutput = 8.0\n')
    monkeypatch.setenv("INTERVIEWER_CONFIG", str(config))
    out = tmp_path / "run.json"
    with FakeOpenAI() as server:  # it reports half of every prompt as cached
        args = ["eval", str(DATA), "--no-cache", "--backend", "openai", "--base-url", server.base_url]
        assert run(capsys, *args, "--model", "fake-model", "--out", str(out))[0] == 0
    items = json.loads(out.read_text())["items"]
    prompt, cached, completion = (
        sum(i[k] for i in items) for k in ("prompt_tokens", "cached_tokens", "completion_tokens")
    )
    assert 0 < cached < prompt
    expected = ((prompt - cached) * 2.0 + cached * 0.5 + completion * 8.0) / 1_000_000
    # Within rounding; pricing cached tokens at the full rate would be off by far more.
    assert json.loads(out.read_text())["metrics"]["cost_usd"] == pytest.approx(expected, abs=1e-5)
    assert abs(expected - (prompt * 2.0 + completion * 8.0) / 1_000_000) > 1e-4


def test_bad_dataset_items_get_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            [
                {
                    "id": "x1",
                    "question_id": "cs/nope",
                    "language": "en",
                    "answer": "a",
                    "label": {"overall": 3},
                },
                {
                    "id": "x2",
                    "question_id": "cs/deadlock",
                    "language": "fr",
                    "answer": "a",
                    "label": {"overall": 9},
                },
                {
                    "id": "x3",
                    "question_id": "cs/deadlock",
                    "language": "en",
                    "answer": "a",
                    "label": {"overall": 2, "criteria": {"bogus": 2}},
                },
            ]
        )
    )
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert f"interviewer: {bad}: x1: question_id: 'cs/nope' is not in the bank" in lines
    assert any(line.startswith(f"interviewer: {bad}: x2: language:") for line in lines)
    assert any(line.startswith(f"interviewer: {bad}: x2: label.overall:") for line in lines)
    assert any("x3: label.criteria: ['bogus'] are not criteria of cs/deadlock" in line for line in lines)


def _session(tmp_path: Path) -> str:
    answers = "Each process has its own address space; threads share the heap.\n.\n/end\n"
    args = ["practice", "--plain", "--questions", "1", "--lang", "en", "--category", "cs", "--seed", "2"]
    proc = run_cli(*args, "--data-dir", str(tmp_path), stdin=answers)
    assert proc.returncode == 0, proc.stderr
    (path,) = (tmp_path / "sessions").glob("*.json")
    return path.stem


def test_replay_prints_the_interview(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sid = _session(tmp_path)
    code, out, _ = run(capsys, "replay", sid, "--data-dir", str(tmp_path))
    assert code == 0
    assert "Candidate [answer]: Each process has its own address space" in out and "→ " in out


def test_regrade_with_another_backend_shows_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = _session(tmp_path)
    with FakeOpenAI() as server:
        out_file = tmp_path / "regraded.json"
        code, out, _ = run(
            capsys,
            "regrade",
            sid,
            "--data-dir",
            str(tmp_path),
            *server.cli_args,
            "--follow-ups",
            "--out",
            str(out_file),
        )
    assert code == 0
    assert f"{sid}: offline → openai (fake-model)" in out and "overall" in out and "was:" in out
    regraded = json.loads(out_file.read_text())
    assert regraded["provider"] == "openai" and regraded["records"][0]["feedback"]["overall"] == 3.0
