"""A property of the outbox under any interleaving of deliveries, failures and workers that
die (before delivering, or after delivering but before marking): every message ends sent
or dead, none is marked sent without having been delivered, none is claimed while another
claim's lease on it still runs, and attempts never pass the maximum. SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from outbox_rows import queue
from prefero.customers.models import Customer
from prefero.messaging import outbox
from prefero.messaging.models import OutboxMessage
from prefero.runtime import Runtime

START = datetime(2026, 12, 1, tzinfo=UTC)
LEASE = 60.0
MAX_ATTEMPTS = 4
#: What befalls one claimed message: delivered and marked; delivered, then the worker
#: dies before the mark; the receiver fails; the worker dies before delivering.
FATES = ("sent", "delivered_then_killed", "failed", "killed")


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       weights=st.tuples(*(st.integers(0, 5) for _ in FATES)).filter(lambda w: w[0] > 0))
def test_whatever_happens_each_message_ends_sent_or_dead_and_never_sent_undelivered(
        runtime: Runtime, count: int, seed: int, weights: tuple[int, ...]) -> None:
    with runtime.session(write=True) as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Customer))
        ids = queue(session, count=count, at=START)
    rng = random.Random(seed)
    now = START
    delivered: Counter[int] = Counter()
    leased_until: dict[int, datetime] = {}
    for _step in range(200):
        with runtime.session(write=True) as session:
            batch = outbox.claim(session, now=now, limit=rng.randint(1, 3),
                                 lease_seconds=LEASE, max_attempts=MAX_ATTEMPTS)
        for message in batch:
            # Never claimed while a dead worker's claim on it still ran.
            assert now >= leased_until.get(message.id, START)
            assert message.attempt <= MAX_ATTEMPTS
            leased_until[message.id] = message.lease_until
            fate = rng.choices(FATES, weights=weights)[0]
            if fate in ("sent", "delivered_then_killed"):
                delivered[message.id] += 1
            with runtime.session(write=True) as session:
                if fate == "sent":
                    assert outbox.mark_sent(session, message, now=now)
                elif fate == "failed":
                    outbox.mark_failed(session, message, now=now, error="down",
                                       max_attempts=MAX_ATTEMPTS, base_seconds=10, rng=rng)
            if fate in ("sent", "failed"):
                del leased_until[message.id]  # the claim ended with its mark, not its lease
        with runtime.session() as session:
            left = session.scalar(select(OutboxMessage.id).where(
                OutboxMessage.status.in_(("pending", "sending"))).limit(1))
        if left is None:
            break
        now += timedelta(seconds=rng.choice((1, 30, LEASE, 600, 86_400)))
    with runtime.session() as session:
        rows = {row.id: row for row in session.scalars(select(OutboxMessage))}
    assert set(rows) == set(ids)
    for message_id, row in rows.items():
        assert row.status in ("sent", "dead"), (message_id, row.status)
        assert row.attempts <= MAX_ATTEMPTS
        if row.status == "sent":
            assert delivered[message_id] >= 1
        else:
            assert row.last_error
