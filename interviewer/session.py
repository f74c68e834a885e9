"""Opening an interview, new or resumed: the one way both front ends get an engine over a locked session."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from .bank import Bank
from .domain import EarlierAttempt, Lang, Plan, Transcript
from .engine import Engine, new_transcript
from .learning.cards import CardStore
from .learning.drill import ReviewPlan, review_plan
from .llm.base import Backend
from .settings import Settings
from .store import Store

# Settings and a session id in, a backend out: the command line's wiring, or a test's.
MakeBackend = Callable[[Settings, str], Backend]


def start(
    store: Store,
    plan: Plan,
    bank: Bank,
    settings: Settings,
    make_backend: MakeBackend,
    session_ids: Callable[[], str] | None = None,
    earlier: Mapping[str, list[EarlierAttempt]] | None = None,
    review_of: Mapping[str, str] | None = None,
    sources: Mapping[str, str] | None = None,
) -> Engine:
    """A new session, its id (from `session_ids`, else a random one) claimed and locked until `store`
    releases it; its file is written on the first save. EngineError when no question matches the plan;
    nothing is left locked on any failure. `earlier`: by question id, the attempts a retry answers again
    (see retry.py), which the new records carry. `review_of`: in a review drill, by drill question id, the
    bank question its card belongs to (see learning/drill.py). `sources`: for questions made from a
    profile, the excerpt each came from (see profile/plan.py)."""
    session_id = store.open_new(session_ids)
    try:
        backend = make_backend(settings, session_id)
        transcript = new_transcript(plan, bank, backend, session_id=session_id)
        for record in transcript.records:
            record.earlier = list((earlier or {}).get(record.question.id, []))
            record.review_of = (review_of or {}).get(record.question.id)
            record.source = (sources or {}).get(record.question.id)
    except BaseException:
        store.release(session_id)
        raise
    return Engine(transcript, backend, store, wait_s=settings.wait_s)


def recorded_backend(transcript: Transcript) -> dict[str, str]:
    """The provider and model a session went on with last: a resumed session keeps them unless told
    otherwise."""
    recorded = {"provider": transcript.provider, "model": transcript.model or ""}
    return {k: v for k, v in recorded.items() if v}


def resume(store: Store, transcript: Transcript, settings: Settings, make_backend: MakeBackend) -> Engine:
    """An engine for an unfinished session, locked until `store` releases it (StoreError while another
    process has it open). `transcript` should come from `store.open`, which reads it again once locked."""
    store.lock(transcript.session_id)
    try:
        backend = make_backend(settings, transcript.session_id)
    except BaseException:
        store.release(transcript.session_id)
        raise
    return Engine(transcript, backend, store, wait_s=settings.wait_s)


def start_review(
    store: Store,
    cards: CardStore,
    bank: Bank,
    settings: Settings,
    make_backend: MakeBackend,
    lang: Lang,
    now: datetime,
    limit: int,
    session_ids: Callable[[], str] | None = None,
) -> tuple[Engine, ReviewPlan] | None:
    """A drill over the cards due today, at most `limit`; None when none is due. Locked like any new
    session. Fold the transcripts not read yet in first (learning.sync.catch_up)."""
    made = review_plan(cards, bank, lang, now, limit)
    if made is None:
        return None
    engine = start(store, made.plan, made.bank, settings, make_backend, session_ids, review_of=made.review_of)
    return engine, made
