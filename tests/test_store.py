"""Transcripts on disk: atomic writes, lookup by id or prefix, listing."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from interviewer.bank import load_bank
from interviewer.domain import Plan, Transcript
from interviewer.engine import new_transcript
from interviewer.llm.offline import OfflineBackend
from interviewer.store import Store, StoreError, load_transcript


def transcript(session_id: str, minutes_ago: int = 0, finished: bool = False) -> Transcript:
    t = new_transcript(Plan(questions=2, seed=3), load_bank(), OfflineBackend(), session_id=session_id)
    t.created_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    t.finished = finished
    return t


def test_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path)
    t = transcript("20260101-000000-aaaa")
    store.save(t)
    loaded = store.load("20260101-000000-aaaa")
    assert loaded.model_dump() == t.model_dump()
    assert loaded.schema_version == 1


def test_a_crash_mid_write_leaves_the_previous_transcript(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    t = transcript("20260101-000000-aaaa")
    store.save(t)
    before = store.path_for(t.session_id).read_bytes()

    def crash(fd: int) -> None:
        raise KeyboardInterrupt  # the process dies after writing the temp file, before the rename

    monkeypatch.setattr(os, "fsync", crash)
    t.finished = True
    with pytest.raises(KeyboardInterrupt):
        store.save(t)
    monkeypatch.undo()
    assert store.path_for(t.session_id).read_bytes() == before
    assert not load_transcript(store.path_for(t.session_id)).finished
    assert [p.name for p in store.sessions_dir.iterdir()] == [f"{t.session_id}.json"]  # no temp file left


def test_resolve_by_prefix_and_path(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for sid in ("20260101-000000-aaaa", "20260101-000000-aabb", "20260202-000000-cccc"):
        store.save(transcript(sid))
    assert store.load("20260202").session_id == "20260202-000000-cccc"
    assert store.load(str(store.path_for("20260101-000000-aabb"))).session_id == "20260101-000000-aabb"
    with pytest.raises(StoreError, match="ambiguous: it matches 2 sessions"):
        store.load("20260101-000000-aa")
    with pytest.raises(StoreError, match="no session 'nope'"):
        store.load("nope")


def test_summaries_newest_first_and_broken_files_reported(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save(transcript("20260101-000000-aaaa", minutes_ago=10, finished=True))
    store.save(transcript("20260101-000000-bbbb", minutes_ago=5))
    store.save(transcript("20260101-000000-cccc", minutes_ago=20))
    (store.sessions_dir / "broken.json").write_text("{not json")
    summaries, problems = store.summaries()
    assert [s.session_id for s in summaries] == [
        "20260101-000000-bbbb",
        "20260101-000000-aaaa",
        "20260101-000000-cccc",
    ]
    assert len(problems) == 1 and "broken.json: not a valid transcript" in problems[0]
    latest = store.latest_unfinished()
    assert latest is not None and latest.session_id == "20260101-000000-bbbb"


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(
        StoreError, match=r"cannot write to the data dir .*--data-dir or INTERVIEWER_DATA_DIR"
    ):
        Store(blocker / "data").check_writable()


def test_transcript_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    t = transcript("20260101-000000-aaaa")
    t.schema_version = 99
    store.save(t)
    with pytest.raises(StoreError, match="schema_version 99 is newer than this interviewer supports"):
        store.load(t.session_id)


def test_write_checks_of_two_instances_at_once_do_not_collide(tmp_path: Path) -> None:
    stores = [Store(tmp_path), Store(tmp_path)]
    failures: list[Exception] = []
    start = threading.Barrier(2)

    def check(store: Store) -> None:
        start.wait()
        for _ in range(200):
            try:
                store.check_writable()
            except StoreError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=check, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert list((tmp_path / "sessions").iterdir()) == []  # no probe left behind


def test_a_saved_transcript_is_the_same_document_as_a_whole_dump(tmp_path: Path) -> None:
    """Saves reuse each question snapshot's JSON; the file must still be exactly the transcript."""
    import json

    from interviewer.bank import load_bank
    from interviewer.domain import Plan
    from interviewer.engine import new_transcript
    from interviewer.llm.offline import OfflineBackend
    from interviewer.store import transcript_json
    from tests.helpers import answer_turn

    t = new_transcript(Plan(questions=3, lang="ko", seed=2), load_bank(), OfflineBackend(None))
    t.records[0].turns.append(answer_turn('첫 답변입니다. "따옴표"와 {중괄호}, 백슬래시 \\ 도 있습니다.'))
    first = transcript_json(t)
    t.records[1].turns.append(answer_turn("second answer"))  # a changed record, the same snapshots
    second = transcript_json(t)
    assert json.loads(first) != json.loads(second)
    assert json.loads(second) == json.loads(t.model_dump_json())
    store = Store(tmp_path)
    store.save(t)
    assert store.load(t.session_id) == t
