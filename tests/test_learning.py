"""The learning loop: review cards from graded answers, FSRS scheduling on a fixed clock, rebuild equal to
the incremental state, review drills in plain mode, progress, `--focus weak`, and a hostile database."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fsrs import Rating

from interviewer.domain import PointOutcome, Transcript
from interviewer.learning.cards import FILENAME, CardStore
from interviewer.learning.drill import end_of_day
from interviewer.learning.schedule import Review, rating, replay
from interviewer.learning.sync import catch_up, events_of, rebuild
from interviewer.store import Store, load_transcript, transcript_json, write_atomic

from .helpers import ROOT, question_data
from .hostile import Sandbox, one_line_error
from .hostile import sandbox as sandbox  # the fixture

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
QID = "backend/idempotency"
WEAK = "I would just retry the call and hope it goes through."
STRONG = (
    "The client sends an idempotency key with every request, and the server stores the result of the first "
    "call and returns the same response to retries. Concurrent duplicates are handled with a unique "
    "constraint on the key, so only one of them is processed."
)


def outcome(status: str, deepened: bool = False) -> PointOutcome:
    return PointOutcome.model_validate({"key_point_id": "k", "status": status, "deepened": deepened})


# --- scheduling on a fixed clock --------------------------------------------------------------------


def test_each_outcome_maps_to_the_rating_the_issue_names() -> None:
    assert rating(outcome("wrong")) == Rating.Again
    assert rating(outcome("missing")) == Rating.Again
    assert rating(outcome("mentioned")) == Rating.Hard
    assert rating(outcome("explained")) == Rating.Good
    assert rating(outcome("explained", deepened=True)) == Rating.Easy


def test_a_missed_point_is_due_the_next_day_and_comes_back_later_each_time_it_is_explained() -> None:
    missed = replay([Review(T0, Rating.Again)])
    assert missed is not None and missed.due == T0 + timedelta(days=1)
    reviews = [Review(T0, Rating.Again)]
    gaps = []
    at = T0
    for _ in range(4):
        card = replay(reviews)
        assert card is not None
        gaps.append(card.due - at)
        at = card.due
        reviews.append(Review(at, Rating.Good))
    assert gaps[0] == timedelta(days=1)
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps[1:])), gaps
    # Missing it again brings it back the next day, however long the interval had grown.
    lapsed = replay([*reviews, Review(at + timedelta(days=30), Rating.Again)])
    assert lapsed is not None and lapsed.due == at + timedelta(days=31)


def test_a_point_always_explained_never_becomes_a_card_and_order_of_arrival_does_not_matter() -> None:
    assert replay([Review(T0, Rating.Good), Review(T0 + timedelta(days=3), Rating.Easy)]) is None
    reviews = [
        Review(T0 + timedelta(days=d), r) for d, r in ((0, Rating.Good), (2, Rating.Again), (5, Rating.Hard))
    ]
    forward, backward = replay(reviews), replay(list(reversed(reviews)))
    assert forward is not None and backward is not None
    assert (forward.due, forward.stability) == (backward.due, backward.stability)
    # The explained answer before the first miss does not count: the card starts at the miss.
    assert forward.due == replay(reviews[1:]).due  # type: ignore[union-attr]


def test_a_card_is_due_on_its_day_whatever_the_hour() -> None:
    late = datetime(2026, 3, 2, 23, 59).astimezone()
    assert end_of_day(late) == datetime(2026, 3, 3).astimezone()


# --- through the real command line ------------------------------------------------------------------


def bank_file(box: Sandbox) -> Path:
    path = box.root / "bank.yaml"
    if not path.exists():
        path.write_text(yaml.safe_dump([question_data(QID)], allow_unicode=True), encoding="utf-8")
    return path


def practise(box: Sandbox, answer: str, lang: str = "en") -> Transcript:
    """One interview of the one question, answered with `answer` and no follow-up."""
    result = box.run(
        "practice", "--plain", "--bank", str(bank_file(box)), "--question", QID, "--follow-ups", "0",
        "--lang", lang, stdin=f"{answer}\n.\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    return newest(box)


def newest(box: Sandbox) -> Transcript:
    paths = sorted(box.sessions.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return load_transcript(paths[-1])


def age(box: Sandbox, transcript: Transcript, days: float) -> None:
    """Move a saved session `days` into the past, as if it had been answered then."""
    shift = timedelta(days=days)
    t = transcript.model_copy(deep=True)
    t.created_at -= shift
    t.updated_at -= shift
    for rec in t.records:
        for turn in rec.turns:
            turn.at -= shift
    write_atomic(box.sessions / f"{t.session_id}.json", transcript_json(t))


def cards(box: Sandbox) -> CardStore:
    return CardStore(box.data)


def test_missed_points_become_cards_due_the_next_day_and_a_drill_brings_them_back(sandbox: Sandbox) -> None:
    weak = practise(sandbox, WEAK)
    assert [p.status for p in weak.records[0].points] == ["missing", "missing", "missing"]
    # Answered today: nothing is due yet.
    nothing = sandbox.run("review", "--plain", "--bank", str(bank_file(sandbox)))
    assert nothing.code == 0 and "Nothing is due today" in nothing.out and "next is due on" in nothing.out
    age(sandbox, weak, 1)
    drill = sandbox.run(
        "review", "--plain", "--bank", str(bank_file(sandbox)), "--limit", "2", "--lang", "en",
        stdin=f"{STRONG}\n.\n/idk\n",
    )  # fmt: skip
    assert drill.code == 0, drill.err
    out = drill.out
    assert " · review · " in out  # the session is labelled a review, not a track
    assert out.count("A strong answer says:") == 2
    assert "✓ Explained" in out and "✗ The point was not in the answer" in out
    assert "Reviewed 2 card(s): ✓ 1 explained" in out
    assert "1 card(s) still due today" in out  # three were due, two were drilled
    # The drill is a session of its own, and it moved the explained card out and the missed one to tomorrow.
    review = newest(sandbox)
    assert review.plan.review and [r.review_of for r in review.records] == [QID, QID]
    by_point = {c.key_point_id: c for c in cards(sandbox).cards()}
    explained, missed = (review.records[i].points[0].key_point_id for i in (0, 1))
    now = datetime.now(UTC)
    assert by_point[explained].due - now > timedelta(days=1)
    assert timedelta(hours=23) < by_point[missed].due - now <= timedelta(days=1)
    retry = sandbox.run("practice", "--plain", "--retry", review.session_id)
    one_line_error(retry, 2, "review drill", "interviewer review")


def test_rebuild_from_transcripts_equals_the_state_built_one_session_at_a_time(sandbox: Sandbox) -> None:
    for days, answer in ((9, WEAK), (6, STRONG), (4, "The client sends an idempotency key."), (1, WEAK)):
        age(sandbox, practise(sandbox, answer), days)
    age(sandbox, practise(sandbox, STRONG, lang="ko"), 0.5)
    store = Store(sandbox.data)
    paths = list(sandbox.sessions.glob("*.json"))
    random.Random(7).shuffle(paths)  # folded in any order, as sessions in two terminals would be
    incremental = CardStore(sandbox.root / "incremental")
    for path in paths:
        t = load_transcript(path)
        points, scores = events_of(t)
        incremental.fold(t.session_id, "", points, scores)
    built = cards(sandbox)
    result = rebuild(built, store)
    assert result.folded == 5 and result.outcomes == 15
    assert built.snapshot_rows() == incremental.snapshot_rows()
    assert len(built.snapshot_rows()) == 3
    # Folding again changes nothing, and a catch-up over unchanged files reads none of them.
    assert catch_up(built, store).folded == 0
    assert built.snapshot_rows() == incremental.snapshot_rows()


def test_progress_shows_the_change_after_a_better_second_attempt(sandbox: Sandbox) -> None:
    age(sandbox, practise(sandbox, WEAK), 3)
    age(sandbox, practise(sandbox, STRONG), 1)
    result = sandbox.run("progress", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    (category,) = report["categories"]
    assert category["category"] == "backend"
    scores = [s["score"] for s in category["sessions"]]
    assert (
        len(scores) == 2 and scores[1] > scores[0] and category["change"] == round(scores[1] - scores[0], 2)
    )
    points = {p["key_point_id"]: p for p in report["points"]}
    assert {p["mastery"] for p in points.values()} == {1.0}
    assert {p["change"] for p in points.values()} == {1.0}
    assert [a["status"] for a in points["idempotency-key"]["attempts"]] == ["missing", "explained"]
    plain = sandbox.run("progress", "--lang", "en")
    assert plain.code == 0 and "backend" in plain.out and "+" in plain.out
    assert any(ch in plain.out for ch in "▁▂▃▄▅▆▇█")


def test_focus_weak_asks_the_questions_with_cards_first(sandbox: Sandbox) -> None:
    age(sandbox, practise(sandbox, WEAK), 2)
    extra = question_data("backend/other-question")
    path = sandbox.root / "two.yaml"
    path.write_text(yaml.safe_dump([question_data(QID), extra], allow_unicode=True), encoding="utf-8")
    result = sandbox.run(
        "practice", "--plain", "--bank", str(path), "--focus", "weak", "--questions", "1", "--lang", "en",
        stdin="/end\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert newest(sandbox).plan.question_ids == [QID]
    empty = sandbox.root / "empty-data"
    sandbox.env(INTERVIEWER_DATA_DIR=str(empty))
    fresh = sandbox.run(
        "practice", "--plain", "--bank", str(path), "--focus", "weak", "--questions", "1", stdin="/end\n",
        allowed=(empty,),
    )  # fmt: skip
    assert fresh.code == 0 and "no weak key points recorded yet" in fresh.err


def test_a_deleted_session_leaves_the_cards_with_it(sandbox: Sandbox) -> None:
    weak = practise(sandbox, WEAK)
    assert sandbox.run("progress").code == 0
    assert len(cards(sandbox).cards()) == 3
    assert sandbox.run("sessions", "delete", weak.session_id, "--yes").code == 0
    assert cards(sandbox).cards() == []


# --- a hostile or broken database -------------------------------------------------------------------


def test_an_unreadable_database_is_one_line_and_rebuild_repairs_it(sandbox: Sandbox) -> None:
    practise(sandbox, WEAK)
    (sandbox.data / FILENAME).write_bytes(b"this is not a database" * 100)
    broken = sandbox.run("progress")
    one_line_error(broken, 1, FILENAME, "--rebuild")
    repaired = sandbox.run("review", "--rebuild")
    assert repaired.code == 0 and "1 transcript(s)" in repaired.out and "3 card(s)" in repaired.out
    assert sandbox.run("progress").code == 0


def test_a_database_from_a_newer_version_or_behind_a_link_is_refused(sandbox: Sandbox) -> None:
    path = sandbox.data / FILENAME
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    one_line_error(sandbox.run("progress"), 1, "newer interviewer")
    path.unlink()
    outside = sandbox.root / "elsewhere.sqlite3"
    path.symlink_to(outside)
    one_line_error(sandbox.run("progress"), 1, "symbolic link")
    assert not outside.exists()


# --- crashes and two processes ------------------------------------------------------------------------

_FOLD_FOREVER = """
import sys
from pathlib import Path
from interviewer.learning.cards import CardStore
from interviewer.learning.sync import rebuild
from interviewer.store import Store
data = Path(sys.argv[1])
cards, store = CardStore(data), Store(data)
print("ready", flush=True)
while True:
    rebuild(cards, store)
"""

_CATCH_UP = """
import sys
from pathlib import Path
from interviewer.learning.cards import CardStore
from interviewer.learning.sync import catch_up
from interviewer.store import Store
data = Path(sys.argv[1])
print(catch_up(CardStore(data), Store(data)).folded)
"""


def many_sessions(box: Sandbox, n: int) -> None:
    """`n` saved sessions, copies of real ones with their own ids and days."""
    weak, strong = practise(box, WEAK), practise(box, STRONG)
    for i in range(n - 2):
        t = (weak if i % 3 else strong).model_copy(deep=True)
        t.session_id = f"20260101-000000-{i:04d}"
        write_atomic(box.sessions / f"{t.session_id}.json", transcript_json(t))
        age(box, t, n - i)


def test_the_database_survives_sigkill_mid_write(sandbox: Sandbox) -> None:
    many_sessions(sandbox, 12)
    store = Store(sandbox.data)
    expected = CardStore(sandbox.root / "expected")
    rebuild(expected, store)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in (0.05, 0.2, 0.45):
        child = subprocess.Popen(
            [sys.executable, "-c", _FOLD_FOREVER, str(sandbox.data)], stdout=subprocess.PIPE, env=env
        )
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        with sqlite3.connect(sandbox.data / FILENAME) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # What a killed rebuild leaves is the last committed state: empty before the first commit, else
        # complete; never half of one.
        rows = cards(sandbox).snapshot_rows()
        assert rows in ([], expected.snapshot_rows())
    catch_up(cards(sandbox), store)
    assert cards(sandbox).snapshot_rows() == expected.snapshot_rows()


def test_two_processes_catching_up_at_once_both_finish_with_the_same_state(sandbox: Sandbox) -> None:
    many_sessions(sandbox, 10)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CATCH_UP, str(sandbox.data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0, 0], [err for _, err in outs]
    assert sum(int(out) for out, _ in outs) >= 10  # each file read by one of them at least
    expected = CardStore(sandbox.root / "expected")
    rebuild(expected, Store(sandbox.data))
    assert cards(sandbox).snapshot_rows() == expected.snapshot_rows()


def test_a_drill_graded_by_a_model_through_the_real_sdk(sandbox: Sandbox) -> None:
    """The one-point question goes to the model like any other; the offline judge still reads the claims,
    so a model that credits everything cannot mark a wrong claim explained."""
    from .fake_openai import FakeOpenAI

    age(sandbox, practise(sandbox, WEAK), 1)
    sandbox.env(OPENAI_API_KEY="sk-test")
    wrong = "The server generates a new idempotency key for every request it receives."
    with FakeOpenAI() as server:
        drill = sandbox.run(
            "review", "--plain", "--bank", str(bank_file(sandbox)), "--limit", "2", "--lang", "en",
            *server.cli_args, stdin=f"{STRONG}\n.\n{wrong}\n.\n",
        )  # fmt: skip
        graded = [s for s in server.chat_requests() if not FakeOpenAI.is_follow_up(s.body)]
    assert drill.code == 0, drill.err
    review = newest(sandbox)
    # Two cards, and the model's first grade of the wrong claim was sent back: it credited the claim.
    assert review.provider == "openai" and len(graded) == 3
    assert all(c.provider == "openai" and not c.fallback for r in review.records for c in r.calls)
    assert "crediting a wrong claim" in review.records[1].calls[0].faults[0]
    statuses = {r.points[0].key_point_id: r.points[0].status for r in review.records}
    # The most overdue cards come in key point order: concurrent duplicates, then the idempotency key.
    assert statuses == {"concurrent-duplicates": "explained", "idempotency-key": "wrong"}
    assert '✗ A wrong claim: "The server generates' in drill.out


def test_the_cards_export_to_a_file_anki_imports_with_stable_ids(sandbox: Sandbox) -> None:
    practise(sandbox, "<b>no idea</b>")
    path = sandbox.root / "deck.txt"
    first = sandbox.run("review", "--export", str(path), "--bank", str(bank_file(sandbox)), allowed=(path,))
    assert first.code == 0 and "3 card(s) written" in first.out, first.err
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:6] == [f"#{h}" for h in ("separator:tab", "html:true", "notetype:Basic", "deck:interviewer",
                                           "guid column:1", "tags column:4")]  # fmt: skip
    rows = [line.split("\t") for line in lines[6:]]
    assert len(rows) == 3 and all(len(r) == 4 for r in rows)
    assert all(r[3] == "interviewer backend missing" for r in rows)
    assert any("How do you recognise a repeated request?" in r[1] for r in rows)
    again = sandbox.run("review", "--export", str(path), "--bank", str(bank_file(sandbox)), allowed=(path,))
    assert again.code == 0 and [line.split("\t")[0] for line in path.read_text().splitlines()[6:]] == [
        r[0] for r in rows
    ]
    one_line_error(sandbox.run("review", "--export", str(sandbox.root / "deck.apkg")), 2, ".txt or .tsv")


def test_a_korean_drill_speaks_korean(sandbox: Sandbox) -> None:
    age(sandbox, practise(sandbox, "잘 모르겠지만 그냥 다시 요청하면 될 것 같습니다.", lang="ko"), 1)
    drill = sandbox.run(
        "review", "--plain", "--bank", str(bank_file(sandbox)), "--limit", "1", "--lang", "ko", stdin="/idk\n"
    )
    assert drill.code == 0, drill.err
    assert (
        " · 복습 · " in drill.out
        and "좋은 답변은:" in drill.out
        and "✗ 이 포인트가 답변에 없었습니다" in drill.out
    )
    assert (
        "복습한 카드 1개: ✓ 0 · △ 0 · ✗ 1" in drill.out and "오늘 복습할 카드가 2개 남았습니다" in drill.out
    )
    progress = sandbox.run("progress", "--lang", "ko")
    assert progress.code == 0 and "카테고리" in progress.out and "가장 약한 핵심 포인트" in progress.out


def test_a_drill_killed_after_its_first_card_keeps_that_card_reviewed(sandbox: Sandbox) -> None:
    age(sandbox, practise(sandbox, WEAK), 1)
    catch_up(cards(sandbox), Store(sandbox.data))
    before = {c.key_point_id: c.due for c in cards(sandbox).cards()}
    assert len(before) == 3
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = ["review", "--plain", "--bank", str(bank_file(sandbox)), "--lang", "en"]
    child = subprocess.Popen(
        [sys.executable, "-m", "interviewer", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(f"{STRONG}\n.\n")
    child.stdin.flush()
    for line in child.stdout:  # the first card's verdict is on screen: its answer is saved
        if line.startswith("A strong answer says:"):
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    with sqlite3.connect(sandbox.data / FILENAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    drill = newest(sandbox)
    assert drill.plan.review and not drill.finished and drill.records[0].points
    # The next look at the cards folds the unfinished drill in: the first card moved, the others did not.
    catch_up(cards(sandbox), Store(sandbox.data))
    after = {c.key_point_id: c.due for c in cards(sandbox).cards()}
    first = drill.records[0].points[0].key_point_id
    assert after[first] > before[first]
    assert {k: v for k, v in after.items() if k != first} == {k: v for k, v in before.items() if k != first}
    # And the drill resumes where it stopped: the next card, its verdict, the summary.
    resumed = sandbox.run("resume", "--plain", drill.session_id, stdin="/idk\n/idk\n")
    assert resumed.code == 0, resumed.err
    assert " · review · " in resumed.out and resumed.out.count("A strong answer says:") == 2
    assert "Reviewed 3 card(s): ✓ 1 explained" in resumed.out


@pytest.mark.parametrize(
    ("tamper", "readable"),
    [
        ("UPDATE cards SET due = 'not a date'", False),
        ("UPDATE outcomes SET at = 5", False),
        ("UPDATE outcomes SET status = 'brilliant'", True),  # an outcome this version does not know
        ("UPDATE questions SET snapshot = '{\"id\": 1}'", True),  # the bank's question is used
    ],
)
def test_a_tampered_database_is_one_line_or_read_around(
    sandbox: Sandbox, tamper: str, readable: bool
) -> None:
    age(sandbox, practise(sandbox, WEAK), 1)
    assert sandbox.run("progress").code == 0
    with sqlite3.connect(sandbox.data / FILENAME) as conn:
        conn.execute(tamper)
    for argv in (("progress",), ("progress", "--json"), ("review", "--plain", "--limit", "1")):
        result = sandbox.run(*argv, stdin="/idk\n")
        if readable:
            assert result.code == 0, result.err
        elif argv[0] == "progress":  # reads every row
            one_line_error(result, 1, FILENAME, "--rebuild")
        else:  # a drill may read around the row, until it folds its card back in
            assert result.code == 0 or one_line_error(result, 1, FILENAME, "--rebuild")
    assert sandbox.run("review", "--rebuild").code == 0
    assert sandbox.run("progress").code == 0
    with sqlite3.connect(sandbox.data / FILENAME) as conn:
        conn.execute(tamper)
    for argv in (("progress",), ("progress", "--json"), ("review", "--plain", "--limit", "1")):
        result = sandbox.run(*argv, stdin="/idk\n")
        if result.code != 0:
            one_line_error(result, 1, FILENAME, "--rebuild")
    assert sandbox.run("review", "--rebuild").code == 0
    assert sandbox.run("progress").code == 0
