"""Bank loading: the shipped bank is valid, and every kind of error is one line naming file, id and field."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from interviewer.bank import BankError, load_bank
from interviewer.cli import main
from interviewer.domain import Plan
from tests.helpers import question_data, run_cli

SEED_IDS = {
    "ml-theory/cross-entropy",
    "ml-theory/loss-function",
    "mlops/deployment-strategies",
    "system-design/movie-reservation",
    "system-design/gpu-fair-share",
    "project/stack-depth",
    "project/business-impact",
    "behavioral/career-storyline",
    "cs/process-vs-thread",
    "cs/tcp-vs-udp",
    "cs/database-index",
}


def test_shipped_bank_is_valid_and_holds_the_seed_questions() -> None:
    bank = load_bank()
    assert set(bank.questions) >= SEED_IDS
    for q in bank.questions.values():
        # A stack question is a ladder of three rungs at least: why this tool, its internals, its failures.
        assert len(q.key_points) >= (3 if q.category == "stack" else 4), q.id
        assert 3 <= len(q.rubric) <= 5, q.id


def write(path: Path, items: list[Any]) -> Path:
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def validate(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str]]:
    code = main(["bank", "validate", *map(str, paths)])
    return code, [line for line in capsys.readouterr().err.splitlines() if line]


def test_valid_extra_file_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "mine.yaml", [question_data()])
    assert main(["bank", "validate", str(path)]) == 0
    assert "1 file(s) checked" in capsys.readouterr().out


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()

ERROR_CASES = {
    "unknown field": (_set("hint", "x"), "hint: unknown field"),
    "unknown nested field": (_set("rubric.0.anchor", "x"), "rubric[mechanism].anchor: unknown field"),
    "bad slug": (
        _set("key_points.0.id", "Key Point"),
        "key_points[Key Point].id: 'Key Point' must be lower-case",
    ),
    "category mismatch": (_set("category", "cs"), "category: must equal the id's prefix 'backend'"),
    "weights": (_set("rubric.0.weight", 50), "rubric: weights sum to 90, must be 100"),
    "missing language": (_set("text", {"ko": "질문"}), "text.en: missing required field"),
    "empty text": (_set("model_answer.ko", "  "), "model_answer.ko: String should have at least 1 character"),
    "cues without a language": (
        _set("key_points.0.cues", {"en": ["key"]}),
        "key_points[idempotency-key].cues.ko: missing required field",
    ),
    "empty cue list": (
        _set("key_points.1.cues.en", []),
        "key_points[stored-result].cues.en: List should have at least 1 item",
    ),
    "no follow-up": (
        _set("key_points.2.follow_up", _DELETE),
        "key_points[concurrent-duplicates].follow_up: missing required field",
    ),
    "no deepen": (_set("key_points.2.deepen", _DELETE), "key_points[concurrent-duplicates].deepen: missing"),
    "anchors": (
        _set("rubric.1.anchors", {1: {"ko": "a", "en": "a"}}),
        "rubric[edge-cases].anchors: must be given",
    ),
    "unknown key point": (
        _set("rubric.1.key_points", ["nope"]),
        "rubric[edge-cases].key_points: unknown key point ids ['nope']",
    ),
    "orphan key point": (
        _set("rubric.1.key_points", ["stored-result"]),
        "key_points[concurrent-duplicates]: belongs to no rubric criterion",
    ),
    "duplicate key point": (
        _set("key_points.2.id", "stored-result"),
        "key_points[stored-result].id: duplicate id",
    ),
    "symbol-only cue": (
        _set("key_points.0.cues.en", ["% & key"]),
        "key_points[idempotency-key].cues.en: '% & key' has a part with no letters or digits",
    ),
    "difficulty": (_set("difficulty", 7), "difficulty: Input should be less than or equal to 5"),
    "track": (_set("tracks", ["frontend"]), "tracks[0]: Input should be 'mlse', 'mle' or 'backend'"),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_each_error_names_file_id_and_field(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, expected = ERROR_CASES[case]
    data = copy.deepcopy(question_data())
    mutate(data)
    path = write(tmp_path / "mine.yaml", [data])
    code, lines = validate(capsys, path)
    assert code == 2
    assert lines, "no error printed"
    assert any(f"{path}: backend/idempotency: {expected}" in line for line in lines), lines


def test_bad_question_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = question_data()
    data["id"] = "Backend/Idempotency!"
    path = write(tmp_path / "mine.yaml", [data])
    code, lines = validate(capsys, path)
    assert code == 2
    assert (
        f"{path}: Backend/Idempotency!: id: 'Backend/Idempotency!' must look like <category>/<slug>"
        in lines[0]
    )


def test_duplicate_ids_across_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path / "a.yaml", [question_data()])
    b = write(tmp_path / "b.yaml", [question_data()])
    code, lines = validate(capsys, a, b)
    assert code == 2
    assert lines == [f"interviewer: {b}: backend/idempotency: id: duplicate; already defined in {a}"]


def test_duplicate_of_a_shipped_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "a.yaml", [question_data("cs/tcp-vs-udp")])
    code, lines = validate(capsys, path)
    assert code == 2 and "cs/tcp-vs-udp: id: duplicate; already defined in" in lines[0]


def test_broken_yaml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("- id: backend/x\n  text: {ko: [unclosed\n", encoding="utf-8")
    code, lines = validate(capsys, path)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(f"interviewer: {path}: not valid YAML (line ")


def test_file_that_is_not_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("id: backend/x\n", encoding="utf-8")
    code, lines = validate(capsys, path)
    assert code == 2 and lines == [f"interviewer: {path}: the file must be a list of questions, found a dict"]


def test_item_without_id_is_named_by_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = question_data()
    del data["id"]
    path = write(tmp_path / "mine.yaml", [data])
    code, lines = validate(capsys, path)
    assert code == 2 and f"interviewer: {path}: item 1: id: missing required field" in lines


def test_missing_path_and_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = validate(capsys, tmp_path / "nope.yaml", tmp_path)
    assert code == 2
    assert lines == [
        f"interviewer: {tmp_path / 'nope.yaml'}: no such file or folder",
        f"interviewer: {tmp_path}: no .yaml files in this folder",
    ]


def test_every_problem_is_reported_not_just_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = question_data()
    data["difficulty"] = 0
    data["extra"] = 1
    path = write(tmp_path / "mine.yaml", [data])
    code, lines = validate(capsys, path)
    assert code == 2 and len(lines) == 2


def test_cli_error_has_no_traceback(tmp_path: Path) -> None:
    data = question_data()
    data["rubric"][0]["weight"] = 10  # type: ignore[index]
    path = write(tmp_path / "mine.yaml", [data])
    proc = run_cli("bank", "validate", str(path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"interviewer: {path}: backend/idempotency: rubric: weights sum to 50, must be 100"
    ]


def test_selection_is_seeded_and_interleaves_categories() -> None:
    bank = load_bank()
    plan = Plan(track="mlse", questions=4, seed=7)
    first = [q.id for q in bank.select(plan)]
    assert first == [q.id for q in bank.select(plan)]
    assert len({qid.split("/")[0] for qid in first}) == 4
    assert all("mlse" in bank.get(qid).tracks for qid in first)
    others = {tuple(q.id for q in bank.select(plan.model_copy(update={"seed": s}))) for s in range(10)}
    assert len(others) > 1


def test_selection_respects_category_and_difficulty() -> None:
    bank = load_bank()
    picked = bank.select(
        Plan(track="backend", categories=["cs"], questions=10, min_difficulty=2, max_difficulty=2)
    )
    assert picked and all(q.category == "cs" and q.difficulty == 2 for q in picked)


def test_warm_load_reads_the_cache_and_notices_edits(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.yaml", [question_data()])
    cache = tmp_path / "cache"
    first = load_bank([path], include_builtin=False, cache_dir=cache)
    assert len(list(cache.glob("bank-*.json"))) == 1
    assert load_bank([path], include_builtin=False, cache_dir=cache).questions == first.questions
    data = question_data()
    data["difficulty"] = 5
    write(path, [data])
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    assert (
        load_bank([path], include_builtin=False, cache_dir=cache).get("backend/idempotency").difficulty == 5
    )
    data["difficulty"] = 9
    write(path, [data])
    with pytest.raises(BankError):  # a broken edit is reported, never hidden by the cache
        load_bank([path], include_builtin=False, cache_dir=cache)


def test_the_shipped_bank_stays_cached_while_ones_own_file_changes(tmp_path: Path) -> None:
    data = question_data("custom/mine")
    data["category"] = "custom"
    path = write(tmp_path / "mine.yaml", [data])
    cache = tmp_path / "cache"
    load_bank([path], cache_dir=cache)
    (shipped,) = cache.glob("bank-shipped-*.json")
    written = shipped.stat().st_mtime_ns
    data["difficulty"] = 5
    write(path, [data])
    os.utime(path, ns=(1, 1))
    assert load_bank([path], cache_dir=cache).get("custom/mine").difficulty == 5
    assert shipped.stat().st_mtime_ns == written  # read, not parsed and written again
    assert len(list(cache.glob("bank-own-*.json"))) == 1


def test_a_shipped_file_named_again_is_read_once() -> None:
    from interviewer.resources import builtin_bank_dir

    shipped = load_bank()
    again = load_bank([builtin_bank_dir() / "cs.yaml", builtin_bank_dir()])
    assert set(again.questions) == set(shipped.questions)
