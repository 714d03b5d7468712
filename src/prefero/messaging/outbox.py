"""The outbox's state machine: claim due messages, then mark each sent, failed or dead.

Why the database and not a job runner: a message must be queued in the *same* transaction
as the change that caused it (a price saved, a box composed), or a crash between the two
loses it or sends it for a change that was rolled back. procrastinate shares the
transaction but is PostgreSQL-only, and Prefero's default is embedded SQLite; huey, rq and
dramatiq keep their queue in Redis or a store of their own, which no database transaction
covers. The outbox table is a few columns and three short statements, it works the same on
both databases, and ``prefero messages status`` can read it with SQL.

A claim marks due rows ``sending`` with a lease (``lease_until``) and counts the attempt, in
one short statement: on PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``, so
concurrent workers never claim the same row; SQLite has one writer at a time, so the
``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`` is already exclusive. A worker
killed mid-send leaves its rows ``sending``; once the lease lapses they are due again, so
nothing is lost, and the receiver recognises a redelivery by the dedup key.

``attempts`` doubles as the claim's fencing token: ``mark_sent``/``mark_failed`` change a row
only while it still carries the attempt its worker claimed, so a worker that outlived its
lease cannot overwrite what the worker that reclaimed the row did.

>>> backoff(attempt=1, base_seconds=30, jitter=1.0), backoff(attempt=3, base_seconds=30, jitter=0.5)
(30.0, 60.0)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from prefero.messaging.models import OutboxMessage

__all__ = [
    "MAX_BACKOFF_SECONDS",
    "Claimed",
    "backoff",
    "cancel_for",
    "claim",
    "mark_dead",
    "mark_failed",
    "mark_sent",
    "release",
    "retry_dead",
]

#: However many attempts failed, the next one comes within a day.
MAX_BACKOFF_SECONDS = 86_400.0
#: ``last_error`` is for an operator to read, not a log: long SMTP transcripts are cut.
_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """A claimed message, detached from the session that claimed it: delivery happens
    outside any transaction, so that no row lock is held while a mail server answers."""

    id: int
    attempt: int
    dedup_key: str
    customer_id: str
    channel: str
    trigger: str
    subject_key: str
    locale: str
    payload: dict[str, Any]
    lease_until: datetime


def _due(now: datetime, max_attempts: int) -> Any:
    waiting = and_(OutboxMessage.status == "pending", OutboxMessage.send_at <= now,
                   OutboxMessage.next_attempt_at <= now)
    # A worker died holding it: due again once its lease lapsed, while attempts are left.
    abandoned = and_(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now,
                     OutboxMessage.attempts < max_attempts)
    return or_(waiting, abandoned)


def claim(session: Session, *, now: datetime, limit: int, lease_seconds: float,
          max_attempts: int) -> list[Claimed]:
    """Claim up to ``limit`` due messages, oldest due first: each becomes ``sending`` until
    ``now + lease_seconds`` and counts one more attempt. Commits nothing: the caller commits
    at once, so that the claim's locks are held for one statement's time.

    Messages whose worker died during their last allowed attempt are buried first
    (``dead``), so that a message that kills every worker that touches it stops coming back.
    """
    _bury_abandoned(session, now=now, max_attempts=max_attempts)
    lease_until = now + timedelta(seconds=lease_seconds)
    picked = (select(OutboxMessage.id).where(_due(now, max_attempts))
              .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for.
        picked = picked.with_for_update(skip_locked=True)
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(picked.scalar_subquery()))
        .values(status="sending", lease_until=lease_until,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.dedup_key,
                   OutboxMessage.customer_id, OutboxMessage.channel, OutboxMessage.trigger,
                   OutboxMessage.subject_key, OutboxMessage.locale, OutboxMessage.payload,
                   OutboxMessage.next_attempt_at)
        .execution_options(synchronize_session=False)).all()
    claimed = [Claimed(id=row.id, attempt=row.attempts, dedup_key=row.dedup_key,
                       customer_id=row.customer_id, channel=row.channel, trigger=row.trigger,
                       subject_key=row.subject_key, locale=row.locale,
                       payload=dict(row.payload or {}), lease_until=lease_until)
               for row in sorted(rows, key=lambda row: (row.next_attempt_at, row.id))]
    return claimed


def _bury_abandoned(session: Session, *, now: datetime, max_attempts: int) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until <= now,
               OutboxMessage.attempts >= max_attempts)
        .values(status="dead", lease_until=None,
                last_error=func.coalesce(OutboxMessage.last_error,
                                         "the worker stopped during every attempt"))
        .execution_options(synchronize_session=False))


def _fenced(message: Claimed) -> Any:
    return and_(OutboxMessage.id == message.id, OutboxMessage.status == "sending",
                OutboxMessage.attempts == message.attempt)


def mark_sent(session: Session, message: Claimed, *, now: datetime) -> bool:
    """Record the delivery. False when the row is no longer this claim's (its lease lapsed
    and another worker took it): nothing changes then."""
    result = session.execute(
        update(OutboxMessage).where(_fenced(message))
        .values(status="sent", sent_at=now, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, message: Claimed) -> bool:
    """Hand a claimed message back undelivered (the worker is stopping, or its lease is about
    to lapse before it got there): due again at once, its attempt not counted."""
    result = session.execute(
        update(OutboxMessage).where(_fenced(message))
        .values(status="pending", lease_until=None, attempts=OutboxMessage.attempts - 1)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backoff(*, attempt: int, base_seconds: float, jitter: float) -> float:
    """Seconds before the retry that follows failed attempt number ``attempt`` (from 1):
    ``base_seconds`` doubled per earlier attempt, capped at a day, times ``jitter`` (drawn
    from [0.5, 1]) so that messages that failed together (a mail server down) do not all
    come back in the same second."""
    delay = min(base_seconds * 2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS)
    return delay * jitter


def mark_failed(session: Session, message: Claimed, *, now: datetime, error: str,
                max_attempts: int, base_seconds: float,
                rng: random.Random | None = None) -> str:
    """Record a failed delivery: ``pending`` again after the backoff, or ``dead`` once
    ``max_attempts`` were made. Returns the new status ("" when the row is no longer this
    claim's)."""
    if message.attempt >= max_attempts:
        return "dead" if mark_dead(session, message, error=error) else ""
    jitter = (rng or random).uniform(0.5, 1.0)
    retry_at = now + timedelta(seconds=backoff(attempt=message.attempt,
                                               base_seconds=base_seconds, jitter=jitter))
    result = session.execute(
        update(OutboxMessage).where(_fenced(message))
        .values(status="pending", next_attempt_at=retry_at, lease_until=None,
                last_error=error[:_ERROR_LENGTH])
        .execution_options(synchronize_session=False))
    return "pending" if result.rowcount else ""  # type: ignore[attr-defined]


def mark_dead(session: Session, message: Claimed, *, error: str) -> bool:
    """Into the dead-letter state at once: a failure no retry can mend (the channel is
    not configured, the receiver refused the message itself)."""
    result = session.execute(
        update(OutboxMessage).where(_fenced(message))
        .values(status="dead", lease_until=None, last_error=error[:_ERROR_LENGTH])
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_cancelled(session: Session, message: Claimed, *, reason: str) -> bool:
    """Withdraw a claimed message before delivery (its channel's consent was withdrawn
    after it was queued)."""
    result = session.execute(
        update(OutboxMessage).where(_fenced(message))
        .values(status="cancelled", lease_until=None, last_error=reason[:_ERROR_LENGTH])
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_for(session: Session, *, customer_id: str, channels: tuple[str, ...] | None = None,
               triggers: tuple[str, ...] | None = None, reason: str) -> int:
    """Withdraw the customer's messages not yet handed to a worker (``pending``), all of
    them or those of some channels or triggers (consent withdrawn, a trigger unsubscribed).
    A message being sent right now is past recalling. Returns how many were cancelled."""
    conditions = [OutboxMessage.customer_id == customer_id, OutboxMessage.status == "pending"]
    if channels is not None:
        conditions.append(OutboxMessage.channel.in_(channels))
    if triggers is not None:
        conditions.append(OutboxMessage.trigger.in_(triggers))
    result = session.execute(
        update(OutboxMessage).where(*conditions)
        .values(status="cancelled", last_error=reason[:_ERROR_LENGTH])
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def retry_dead(session: Session, *, now: datetime, ids: tuple[int, ...] | None = None) -> int:
    """Give dead letters (all, or those of ``ids``) a fresh set of attempts, due now; the
    last error stays readable until the next attempt. Returns how many were requeued."""
    conditions = [OutboxMessage.status == "dead"]
    if ids is not None:
        conditions.append(OutboxMessage.id.in_(ids))
    result = session.execute(
        update(OutboxMessage).where(*conditions)
        .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
