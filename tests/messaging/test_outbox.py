"""The outbox's claims and marks, on SQLite and PostgreSQL: due messages only, a lease that
brings back what a dead worker held, fenced marks, backoff, dead letters, and concurrent
workers that never claim the same row."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from outbox_rows import queue, statuses
from prefero.messaging import outbox
from prefero.messaging.models import OutboxMessage
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEASE = 60.0


def _claim(runtime: Runtime, *, now: datetime = NOW, limit: int = 10,
           max_attempts: int = 3) -> list[outbox.Claimed]:
    with runtime.session(write=True) as session:
        return outbox.claim(session, now=now, limit=limit, lease_seconds=LEASE,
                            max_attempts=max_attempts)


def _row(runtime: Runtime, message_id: int) -> OutboxMessage:
    with runtime.session() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_claim_takes_due_messages_only_and_leases_them(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        due = queue(session, count=3, at=NOW - timedelta(minutes=1), prefix="due")
        later = queue(session, count=2, at=NOW + timedelta(minutes=1), prefix="later")
    claimed = _claim(runtime)
    assert sorted(message.id for message in claimed) == sorted(due)
    assert all(message.attempt == 1 for message in claimed)
    assert all(message.lease_until == NOW + timedelta(seconds=LEASE) for message in claimed)
    assert claimed[0].payload["subject"].startswith("Subject")
    with runtime.session() as session:
        assert set(statuses(session, due).values()) == {"sending"}
        assert set(statuses(session, later).values()) == {"pending"}
    # Claimed once: a second claim at the same moment finds nothing.
    assert _claim(runtime) == []


def test_the_batch_limit_holds_and_the_oldest_due_goes_first(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        newer = queue(session, count=3, at=NOW - timedelta(minutes=1), prefix="newer")
        older = queue(session, count=2, at=NOW - timedelta(minutes=5), prefix="older")
    assert [message.id for message in _claim(runtime, limit=2)] == older
    assert sorted(message.id for message in _claim(runtime, limit=5)) == newer


def test_a_lapsed_lease_brings_a_message_back_and_fences_the_old_claim(
        runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        [message_id] = queue(session, at=NOW)
    [first] = _claim(runtime)
    # The lease has not lapsed: nobody else may take it.
    assert _claim(runtime, now=NOW + timedelta(seconds=LEASE - 1)) == []
    # The worker died; after the lease, another worker claims it again.
    [second] = _claim(runtime, now=NOW + timedelta(seconds=LEASE))
    assert (second.id, second.attempt) == (message_id, 2)
    with runtime.session(write=True) as session:
        # The first worker wakes up late: its marks change nothing.
        assert not outbox.mark_sent(session, first, now=NOW)
        assert outbox.mark_failed(session, first, now=NOW, error="x", max_attempts=3,
                                  base_seconds=1) == ""
        assert outbox.mark_sent(session, second, now=NOW + timedelta(seconds=LEASE + 1))
    row = _row(runtime, message_id)
    assert (row.status, row.sent_at, row.lease_until) == (
        "sent", NOW + timedelta(seconds=LEASE + 1), None)


def test_failures_back_off_then_go_to_the_dead_letters(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        [message_id] = queue(session, at=NOW)
    now = NOW
    waits = []
    for attempt in (1, 2):
        [message] = _claim(runtime, now=now)
        assert message.attempt == attempt
        with runtime.session(write=True) as session:
            assert outbox.mark_failed(session, message, now=now, error=f"down {attempt}",
                                      max_attempts=3, base_seconds=10,
                                      rng=random.Random(attempt)) == "pending"
        row = _row(runtime, message_id)
        waits.append((row.next_attempt_at - now).total_seconds())
        assert row.last_error == f"down {attempt}"
        # Not due before its backoff is over.
        assert _claim(runtime, now=row.next_attempt_at - timedelta(seconds=1)) == []
        now = row.next_attempt_at
    assert 5 <= waits[0] <= 10 and 10 <= waits[1] <= 20
    [message] = _claim(runtime, now=now)
    with runtime.session(write=True) as session:
        assert outbox.mark_failed(session, message, now=now, error="still down",
                                  max_attempts=3, base_seconds=10) == "dead"
    row = _row(runtime, message_id)
    assert (row.status, row.attempts, row.last_error) == ("dead", 3, "still down")
    assert _claim(runtime, now=now + timedelta(days=2)) == []
    with runtime.session(write=True) as session:
        assert outbox.retry_dead(session, now=now) == 1
    [again] = _claim(runtime, now=now)
    assert (again.id, again.attempt) == (message_id, 1)


def test_a_message_whose_worker_dies_every_time_is_buried(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        [message_id] = queue(session, at=NOW)
    now = NOW
    for _ in range(2):
        assert len(_claim(runtime, now=now, max_attempts=2)) == 1
        now += timedelta(seconds=LEASE)  # the worker was killed holding it
    assert _claim(runtime, now=now, max_attempts=2) == []
    row = _row(runtime, message_id)
    assert row.status == "dead"
    assert row.last_error == "the worker stopped during every attempt"


def test_a_released_message_is_due_at_once_and_keeps_its_attempts(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        queue(session, at=NOW)
    [message] = _claim(runtime)
    with runtime.session(write=True) as session:
        assert outbox.release(session, message)
    [again] = _claim(runtime)
    assert again.attempt == 1


def test_cancel_withdraws_pending_messages_of_the_channels_named(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        email = queue(session, customer_id="c1", channel="email", count=2, at=NOW, prefix="e")
        inbox = queue(session, customer_id="c1", channel="inbox", at=NOW, prefix="i")
        other = queue(session, customer_id="c2", channel="email", at=NOW, prefix="o")
    with runtime.session(write=True) as session:
        assert outbox.cancel_for(session, customer_id="c1", channels=("email",),
                                 reason="consent withdrawn") == 2
    with runtime.session() as session:
        found = statuses(session)
        reasons = set(session.scalars(select(OutboxMessage.last_error)
                                      .where(OutboxMessage.id.in_(email))))
    assert [found[i] for i in email] == ["cancelled", "cancelled"]
    assert [found[i] for i in inbox + other] == ["pending", "pending"]
    assert reasons == {"consent withdrawn"}


def test_concurrent_workers_never_claim_the_same_message(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        ids = queue(session, count=120, at=NOW)
    taken: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(slot: int) -> None:
        start.wait()
        try:
            while batch := _claim(runtime, limit=7):
                taken[slot].extend(message.id for message in batch)
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    every = [message_id for slot in taken for message_id in slot]
    assert len(every) == len(set(every)) and sorted(every) == sorted(ids)


def test_postgres_skips_rows_another_claim_holds(runtime: Runtime) -> None:
    """Two claims in flight at once: the second skips the rows the first has locked rather
    than waiting for them or taking them too."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the threads above cover it")
    with runtime.session(write=True) as session:
        ids = queue(session, count=6, at=NOW)
    first = runtime.sessions()
    try:
        held = outbox.claim(first, now=NOW, limit=4, lease_seconds=LEASE, max_attempts=3)
        # Not committed yet: its rows are still locked and still 'pending' to others.
        other = _claim(runtime)
        first.commit()
    finally:
        first.close()
    assert {m.id for m in held}.isdisjoint({m.id for m in other})
    assert sorted(m.id for m in held + other) == ids


@given(attempt=st.integers(1, 60), base=st.floats(0.01, 86_400.0),
       jitter=st.floats(0.5, 1.0))
def test_backoff_grows_with_the_attempts_and_stays_within_a_day(
        attempt: int, base: float, jitter: float) -> None:
    delay = outbox.backoff(attempt=attempt, base_seconds=base, jitter=jitter)
    assert 0 < delay <= outbox.MAX_BACKOFF_SECONDS
    following = outbox.backoff(attempt=attempt + 1, base_seconds=base, jitter=jitter)
    assert following >= delay
