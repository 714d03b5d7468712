"""Withdrawing a channel's consent cancels the customer's messages waiting on that channel
in the same transaction, and leaves other channels and other customers' messages alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outbox_rows import queue, statuses
from prefero.customers.consent import record_consent
from prefero.customers.schemas import ConsentIn
from prefero.runtime import Runtime

# Queued behind quiet hours: due tomorrow morning.
LATER = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_a_withdrawal_cancels_that_channels_waiting_messages(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        inbox = queue(session, customer_id="ala", channel="inbox", at=LATER, prefix="a")
        email = queue(session, customer_id="ala", channel="email", at=LATER, prefix="b")
        other = queue(session, customer_id="bob", channel="inbox", at=LATER, prefix="c")
    with runtime.session(write=True) as session:
        record_consent(session, customer_id="ala", settings=runtime.settings,
                       consent=ConsentIn(purpose="marketing_inbox", granted=False))
    with runtime.session() as session:
        assert statuses(session, inbox + email + other) == {
            inbox[0]: "cancelled", email[0]: "pending", other[0]: "pending"}


def test_a_grant_or_another_purpose_cancels_nothing(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        ids = queue(session, customer_id="ala", channel="inbox",
                    at=LATER + timedelta(hours=1))
    with runtime.session(write=True) as session:
        for purpose, granted in (("marketing_inbox", True), ("tracking", False)):
            record_consent(session, customer_id="ala", settings=runtime.settings,
                           consent=ConsentIn(purpose=purpose, granted=granted))
    with runtime.session() as session:
        assert statuses(session, ids) == {ids[0]: "pending"}
