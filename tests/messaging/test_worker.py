"""The messages worker: each message marked right after its delivery, failures retried and
buried, unconfigured channels named in the dead letter, scanners that fail skipped, and a
stop that hands the rest of the batch back. Time comes from a controllable clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outbox_rows import queue, statuses
from prefero.bench.message_receivers import http_receiver, smtp_receiver
from prefero.config import Settings
from prefero.customers.models import ConsentRecord
from prefero.messaging.channels import DeliveryFailed, Sender
from prefero.messaging.models import OutboxMessage
from prefero.messaging.outbox import Claimed
from prefero.messaging.worker import Worker
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Recording:
    """A sender that records deliveries, fails the first ``failures`` of them, and can
    advance the clock as if each delivery took ``takes``."""

    def __init__(self, clock: Clock, *, failures: int = 0,
                 takes: timedelta = timedelta(0)) -> None:
        self.clock = clock
        self.failures = failures
        self.takes = takes
        self.delivered: list[str] = []
        self.seen_in_database: list[str] = []

    def deliver(self, message: Claimed) -> None:
        self.clock.now += self.takes
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("receiver down")
        self.delivered.append(message.dedup_key)


def _worker(runtime: Runtime, clock: Clock, senders: dict[str, Sender]) -> Worker:
    return Worker(runtime, channel_senders=senders, scanners={}, clock=clock,
                  rng=random.Random(0))


def _error(runtime: Runtime, message_id: int) -> str | None:
    with runtime.session() as session:
        return session.scalar(select(OutboxMessage.last_error)
                              .where(OutboxMessage.id == message_id))


def test_each_message_is_marked_sent_right_after_its_own_delivery(runtime: Runtime) -> None:
    clock = Clock()
    with runtime.session(write=True) as session:
        ids = queue(session, count=3, at=NOW)

    class Watching(Recording):
        def deliver(self, message: Claimed) -> None:
            # When a message goes out, every earlier one of the batch is already sent.
            with runtime.session() as session:
                self.seen_in_database.append(",".join(sorted(set(statuses(session).values()))))
            super().deliver(message)

    sender = Watching(clock)
    report = _worker(runtime, clock, {"inbox": sender}).run_once()
    assert (report.claimed, report.sent) == (3, 3)
    assert sender.seen_in_database == ["sending", "sending,sent", "sending,sent"]
    with runtime.session() as session:
        assert set(statuses(session, ids).values()) == {"sent"}


def test_a_failing_receiver_is_retried_after_the_backoff_then_delivered(
        runtime: Runtime) -> None:
    clock = Clock()
    with runtime.session(write=True) as session:
        [message_id] = queue(session, at=NOW)
    sender = Recording(clock, failures=1)
    worker = _worker(runtime, clock, {"inbox": sender})
    assert worker.run_once().retrying == 1
    assert _error(runtime, message_id) == "receiver down"
    assert worker.run_once().claimed == 0  # backing off
    clock.now += timedelta(seconds=runtime.settings.message_backoff_seconds)
    assert worker.run_once().sent == 1
    assert len(sender.delivered) == 1


def test_a_receiver_down_for_good_buries_the_message(settings: Settings) -> None:
    runtime = Runtime(settings.model_copy(update={"message_max_attempts": 2}))
    clock = Clock()
    with runtime.session(write=True) as session:
        [message_id] = queue(session, at=NOW)
    worker = _worker(runtime, clock, {"inbox": Recording(clock, failures=99)})
    assert worker.run_once().retrying == 1
    clock.now += timedelta(days=1)
    assert worker.run_once().dead == 1
    with runtime.session() as session:
        assert statuses(session) == {message_id: "dead"}
    runtime.close()


def test_a_channel_that_is_not_configured_sends_its_message_to_the_dead_letters(
        runtime: Runtime) -> None:
    clock = Clock()
    with runtime.session(write=True) as session:
        [message_id] = queue(session, channel="push", at=NOW)
    assert _worker(runtime, clock, {}).run_once().dead == 1
    assert _error(runtime, message_id) == (
        "the push channel is not configured: set PREFERO_PUSH_URL")


def test_messages_the_lease_would_not_cover_are_handed_back(runtime: Runtime) -> None:
    clock = Clock()
    with runtime.session(write=True) as session:
        queue(session, count=4, at=NOW)
    lease = runtime.settings.message_lease_seconds
    # Each delivery takes 45 % of the lease: the third would start with too little left.
    sender = Recording(clock, takes=timedelta(seconds=lease * 0.45))
    report = _worker(runtime, clock, {"inbox": sender}).run_once()
    assert (report.sent, report.handed_back) == (2, 2)
    with runtime.session() as session:
        assert sorted(statuses(session).values()) == ["pending", "pending", "sent", "sent"]
        attempts = session.scalars(select(OutboxMessage.attempts)
                                   .where(OutboxMessage.status == "pending")).all()
    assert list(attempts) == [0, 0]  # handed back, not counted as tried


def test_a_stop_finishes_the_message_in_hand_and_hands_the_rest_back(
        runtime: Runtime) -> None:
    clock = Clock()
    with runtime.session(write=True) as session:
        queue(session, count=3, at=NOW)
    worker = _worker(runtime, clock, {})

    class Stopping(Recording):
        def deliver(self, message: Claimed) -> None:
            super().deliver(message)
            worker.stopping.set()  # SIGTERM arrives during the first delivery

    worker.senders["inbox"] = Stopping(clock)
    report = worker.run_once()
    assert (report.sent, report.handed_back) == (1, 2)


def test_a_failing_scanner_is_logged_and_the_others_still_run(runtime: Runtime) -> None:
    clock = Clock()
    ran: list[str] = []

    def broken(session: Session, now: datetime, settings: Settings) -> int:
        raise RuntimeError("scanner bug")

    def working(session: Session, now: datetime, settings: Settings) -> int:
        ran.append(now.isoformat())
        queue(session, customer_id="c9", at=now)  # committed after the scanner
        return 1

    worker = Worker(runtime, channel_senders={"inbox": Recording(clock)}, clock=clock,
                    scanners={"broken": broken, "working": working})
    report = worker.run_once()
    assert report.scanned == {"working": 1}
    assert "scanner bug" in report.scanner_errors["broken"]
    assert report.sent == 1  # what the scanner queued went out in the same round
    worker.run_once()
    assert len(ran) == 1  # not due again before message_scan_seconds
    clock.now += timedelta(seconds=runtime.settings.message_scan_seconds)
    worker.run_once()
    assert len(ran) == 2


def test_real_receivers_get_each_channel_once(runtime: Runtime) -> None:
    secret = "w" * 40
    clock = Clock()
    with smtp_receiver() as smtp, http_receiver(secret) as hooks:
        settings = runtime.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "webhook_url": hooks.url,
            "push_url": hooks.url, "webhook_secret": secret})
        with runtime.session(write=True) as session:
            for channel in ("email", "push", "webhook", "inbox"):
                queue(session, channel=channel, count=2, at=NOW, prefix=channel)
        worker_runtime = Runtime(settings)
        report = Worker(worker_runtime, scanners={}, clock=clock).run_once()
        worker_runtime.close()
    assert (report.claimed, report.sent) == (8, 8)
    assert len(smtp.keys) == 2 and set(smtp.keys.values()) == {1}
    assert len(hooks.keys) == 4 and hooks.bad_signatures == 0
    assert {body["channel"] for body in hooks.bodies.values()} == {"push", "webhook"}


def test_a_message_whose_consent_was_withdrawn_after_queueing_is_never_sent(
        runtime: Runtime) -> None:
    clock = Clock()
    with runtime.session(write=True) as session:
        kept = queue(session, customer_id="keeps", at=NOW, prefix="a")
        dropped = queue(session, customer_id="withdraws", at=NOW, prefix="b")
        # Straight into the ledger, as a withdrawal racing with the claim would land: the
        # service's own cancellation (tests/messaging/test_withdrawal.py) is not involved.
        session.add(ConsentRecord(customer_id="withdraws", purpose="marketing_inbox",
                                  granted=False, policy_version="test"))
    sender = Recording(clock)
    report = _worker(runtime, clock, {"inbox": sender}).run_once()
    assert (report.claimed, report.sent, report.cancelled) == (2, 1, 1)
    assert len(sender.delivered) == 1
    with runtime.session() as session:
        assert statuses(session, kept + dropped) == {kept[0]: "sent", dropped[0]: "cancelled"}
    assert "marketing_inbox withdrawn" in (_error(runtime, dropped[0]) or "")
