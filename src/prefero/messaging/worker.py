"""The messages worker (``prefero messages work``): deliver what the outbox holds, and run
the trigger scanners on their schedule.

Each round claims a batch in one short transaction, then delivers the messages one by
one *outside* any transaction and marks each sent (or failed) in its own transaction right
after its delivery: the window in which a crash makes a message go twice is one message's
mark, not a batch's. A message whose lease is about to lapse before the worker reaches it
is handed back rather than sent late (another worker may already be reclaiming it).

Scanners run every ``message_scan_seconds``, each in its own unit of work (committed after
it); one that fails is logged and skipped until the next round, never the worker's end.
SIGTERM and SIGINT stop the worker after the message in hand; the rest of its batch is
handed back.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import TypeVar

from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.messaging import outbox
from prefero.messaging.channels import (
    DeliveryFailed,
    RefusedForGood,
    Sender,
    senders,
    unconfigured_reason,
)
from prefero.messaging.consent_check import withdrawn
from prefero.messaging.outbox import Claimed
from prefero.messaging.scanners import Scanner, registered
from prefero.runtime import Runtime

__all__ = ["Round", "Worker"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: A message is not started with less of its lease left than this share: delivery plus the
#: mark must fit in what remains.
_LEASE_MARGIN = 0.2
#: Tries of one mark (the database busy, a connection dropped) before the worker leaves the
#: message to its lease: a redelivery later is better than a worker that stops.
_MARK_TRIES = 5


@dataclass(slots=True)
class Round:
    """What one ``run_once`` did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    handed_back: int = 0
    #: Withdrawn at claim time: the channel's consent was withdrawn after queueing.
    cancelled: int = 0
    scanned: dict[str, int] = field(default_factory=dict)
    scanner_errors: dict[str, str] = field(default_factory=dict)


class Worker:
    """Delivers the outbox of ``runtime``'s database. ``clock`` and ``rng`` are the tests'
    handles on time and jitter; ``channel_senders`` and ``scanners`` default to the
    configured channels and the registered scanners."""

    def __init__(self, runtime: Runtime, *,
                 channel_senders: Mapping[str, Sender] | None = None,
                 scanners: Mapping[str, Scanner] | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 rng: random.Random | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.senders = dict(channel_senders if channel_senders is not None
                            else senders(self.settings))
        self._scanners = scanners
        self.clock = clock
        self.rng = rng or random.Random()
        self.stopping = threading.Event()
        self._next_scan: datetime | None = None

    # --- one round ---

    def run_once(self) -> Round:
        """Run the scanners if they are due, then claim one batch and deliver it."""
        report = Round()
        now = self.clock()
        if self._next_scan is None or now >= self._next_scan:
            self.scan(now, report)
            self._next_scan = now + timedelta(seconds=self.settings.message_scan_seconds)
        self.deliver_batch(report)
        return report

    def scan(self, now: datetime, report: Round) -> None:
        found = self._scanners if self._scanners is not None else registered()
        for name, scanner in found.items():
            try:
                with self.runtime.session(write=True) as session:
                    report.scanned[name] = scanner(session, now, self.settings)
            except Exception as exc:  # a scanner's bug must not stop delivery
                log.exception("scanner %s failed", name)
                report.scanner_errors[name] = repr(exc)

    def deliver_batch(self, report: Round) -> None:
        settings = self.settings
        with self.runtime.session(write=True) as session:
            batch = outbox.claim(session, now=self.clock(), limit=settings.message_batch,
                                 lease_seconds=settings.message_lease_seconds,
                                 max_attempts=settings.message_max_attempts)
            report.claimed += len(batch)
            # Consent is read again at the last moment: a message queued before the customer
            # withdrew its channel's consent is withdrawn too, never sent.
            refused = withdrawn(session, batch, settings=settings)
            for message in batch:
                if message.id in refused:
                    outbox.mark_cancelled(session, message, reason=refused[message.id])
                    report.cancelled += 1
        batch = [message for message in batch if message.id not in refused]
        margin = timedelta(seconds=settings.message_lease_seconds * _LEASE_MARGIN)
        for index, message in enumerate(batch):
            if self.stopping.is_set() or self.clock() >= message.lease_until - margin:
                report.handed_back += self._hand_back(batch[index:])
                return
            self._deliver(message, report)

    def _deliver(self, message: Claimed, report: Round) -> None:
        sender = self.senders.get(message.channel)
        if sender is None:
            if self._mark(lambda session: outbox.mark_dead(
                    session, message, error=unconfigured_reason(message.channel))):
                report.dead += 1
            return
        try:
            sender.deliver(message)
        except RefusedForGood as exc:
            refusal = str(exc)
            log.warning("message %s refused for good: %s", message.id, refusal)
            if self._mark(lambda session: outbox.mark_dead(session, message, error=refusal)):
                report.dead += 1
            return
        except Exception as exc:  # DeliveryFailed, or a sender's bug: retried either way
            error = str(exc) if isinstance(exc, DeliveryFailed) else repr(exc)
            log.warning("message %s failed (attempt %d): %s", message.id, message.attempt,
                        error)
            status = self._mark(lambda session: outbox.mark_failed(
                session, message, now=self.clock(), error=error,
                max_attempts=self.settings.message_max_attempts,
                base_seconds=self.settings.message_backoff_seconds, rng=self.rng))
            if status == "dead":
                report.dead += 1
            elif status == "pending":
                report.retrying += 1
            return
        if self._mark(lambda session: outbox.mark_sent(session, message, now=self.clock())):
            report.sent += 1

    def _hand_back(self, messages: list[Claimed]) -> int:
        def release_all(session: Session) -> int:
            return sum(outbox.release(session, message) for message in messages)

        return int(self._mark(release_all) or 0)

    def _mark(self, change: Callable[[Session], _T]) -> _T | None:
        """Run ``change`` in its own unit of work, retrying briefly while the database is
        busy; None when it never committed (the message's lease will bring it back)."""
        for attempt in range(_MARK_TRIES):
            try:
                with self.runtime.session(write=True) as session:
                    return change(session)
            except Exception:
                log.warning("could not record a delivery (try %d)", attempt + 1,
                            exc_info=True)
                time.sleep(0.2 * (attempt + 1))
        return None

    # --- the loop ---

    def run(self, *, once: bool = False) -> None:
        """Rounds until stopped (SIGTERM, SIGINT or ``stopping.set()``); an idle worker waits
        ``message_poll_seconds`` between rounds, a busy one goes straight on."""
        while not self.stopping.is_set():
            try:
                report = self.run_once()
            except Exception:  # the database away for a moment: wait and go on
                log.exception("delivery round failed")
                report = Round()
            if once:
                return
            if report.claimed < self.settings.message_batch:
                self.stopping.wait(self.settings.message_poll_seconds)

    def stop_on_signals(self) -> None:
        """SIGTERM and SIGINT finish the message in hand, hand the rest back, and stop."""
        def stop(_signum: int, _frame: FrameType | None) -> None:
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
