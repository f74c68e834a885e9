"""Trying a question again: the plan of a new session over questions an earlier session graded, and the
earlier attempts each one carries into it."""

from __future__ import annotations

from .domain import EarlierAttempt, Plan, QuestionRecord, Transcript


class RetryError(ValueError):
    """What cannot be retried, in one line: a question the session did not ask or never graded."""


def split_ref(value: str) -> tuple[str, str | None]:
    """`SESSION_ID[:QUESTION_ID]` into its parts. Neither a session id nor a question id holds a colon, so
    the last one separates them, and a question id's `/` never reaches the session lookup."""
    ref, colon, question_id = value.rpartition(":")
    if not colon:
        return value, None
    if not ref or not question_id:
        raise RetryError(f"expected SESSION_ID or SESSION_ID:QUESTION_ID, got {value!r}")
    return ref, question_id


def attempt_of(record: QuestionRecord, transcript: Transcript) -> EarlierAttempt:
    """A graded record as an earlier attempt of whatever session retries it."""
    if record.feedback is None:
        raise ValueError(f"{record.question.id} was not graded")
    covered = record.covered()
    return EarlierAttempt(
        session_id=transcript.session_id,
        created_at=transcript.created_at,
        feedback=record.feedback,
        covered=covered,
        missed=[k.id for k in record.question.key_points if k.id not in covered],
    )


def retry_plan(
    transcript: Transcript, question_id: str | None = None
) -> tuple[Plan, dict[str, list[EarlierAttempt]]]:
    """A plan asking again the session's graded questions (or only `question_id`), in the same language,
    track and follow-up count, and per question the attempts so far, oldest first: a retry of a retry
    carries the whole chain. RetryError when there is nothing to retry."""
    sid = transcript.session_id
    if transcript.plan.review:
        raise RetryError(f"session {sid} is a review drill; `interviewer review` drills the cards due now")
    if question_id is None:
        records = [r for r in transcript.records if r.feedback is not None]
        if not records:
            raise RetryError(f"session {sid} has no graded question to retry")
    else:
        found = [r for r in transcript.records if r.question.id == question_id]
        if not found:
            asked = ", ".join(r.question.id for r in transcript.records)
            raise RetryError(f"session {sid} did not ask {question_id!r} (it asked: {asked})")
        if found[0].feedback is None:
            raise RetryError(
                f"{question_id} was never graded in session {sid}: only a graded question can be retried"
            )
        records = found[:1]
    old = transcript.plan
    plan = Plan(
        track=old.track,
        questions=len(records),
        follow_ups=old.follow_ups,
        lang=old.lang,
        seed=old.seed,
        question_ids=[r.question.id for r in records],
    )
    earlier = {r.question.id: [*r.earlier, attempt_of(r, transcript)] for r in records}
    return plan, earlier
