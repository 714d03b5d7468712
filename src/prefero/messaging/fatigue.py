"""Fatigue: messages the customer leaves unopened lower how often the shop writes to them.

The rule, as the preference center states it: a message sent more than ``IGNORED_AFTER`` ago
and never opened (``engaged_at`` null) is *ignored*. Reading a channel's sent messages newest
first, the ignored ones in a row before the newest opened one form a streak (messages younger
than ``IGNORED_AFTER`` are not judged yet and are skipped). Every ``STREAK`` ignored in a row
halve that channel's daily cap, never below ``FLOOR``; opening any message of the channel
ends the streak and restores the cap. The overall daily cap follows the same rule over the
messages of every judged channel. A cap the customer set to 0 stays 0.

Only channels that tell when a message was opened are judged (``JUDGED``): the inbox, where
opening a message records it. An e-mail, a push or the shop's own sender report nothing back
(Prefero puts no tracking pixel in e-mails), so their silence is not taken for being ignored:
their own caps are never lowered, and the overall cap follows what the inbox shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from prefero.db.reads import read
from prefero.messaging.kinds import Channel
from prefero.messaging.models import OutboxMessage

__all__ = ["FLOOR", "IGNORED_AFTER", "JUDGED", "STREAK", "Streaks", "fatigued",
           "ignored_streaks"]

IGNORED_AFTER = timedelta(days=3)
STREAK = 3
FLOOR = 1
# How far back the streak is read: enough sent messages to halve any cap down to the floor.
_LOOK_BACK = 60
#: The channels whose openings are recorded (``OutboxMessage.engaged_at``).
JUDGED = frozenset({Channel.INBOX})
_JUDGED_NAMES = frozenset(channel.value for channel in JUDGED)


class Streaks:
    """Ignored messages in a row, per channel and over all channels."""

    def __init__(self, per_channel: dict[Channel, int], overall: int) -> None:
        self.per_channel = per_channel
        self.overall = overall

    def of(self, channel: Channel) -> int:
        return self.per_channel.get(channel, 0)


def fatigued(cap: int, streak: int) -> int:
    """The cap after ``streak`` ignored messages in a row.

    >>> [fatigued(4, s) for s in (0, 2, 3, 6, 9, 30)], fatigued(0, 9)
    ([4, 4, 2, 1, 1, 1], 0)
    """
    if cap <= 0:
        return 0
    return max(FLOOR, cap >> (streak // STREAK))


def _streak(sent: Iterable[tuple[datetime, datetime | None]], *, now: datetime) -> int:
    """Ignored in a row among (sent_at, engaged_at), newest first."""
    count = 0
    for sent_at, engaged_at in sent:
        if engaged_at is not None:
            break
        if now - sent_at >= IGNORED_AFTER:
            count += 1
    return count


# Built once (see prefero.db.reads): read on every offer that may send.
_SENT_NEWEST_FIRST = (
    select(OutboxMessage.channel, OutboxMessage.sent_at, OutboxMessage.engaged_at)
    .where(OutboxMessage.customer_id == bindparam("customer_id"),
           OutboxMessage.channel.in_(sorted(_JUDGED_NAMES)),
           OutboxMessage.status == "sent", OutboxMessage.sent_at.is_not(None),
           OutboxMessage.sent_at <= bindparam("now"))
    .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
    .limit(_LOOK_BACK))


def ignored_streaks(session: Session, *, customer_id: str, now: datetime) -> Streaks:
    """The customer's streaks of ignored messages at ``now``."""
    rows = read(session, _SENT_NEWEST_FIRST, {"customer_id": customer_id, "now": now}).all()
    by_channel: dict[Channel, list[tuple[datetime, datetime | None]]] = {}
    everything: list[tuple[datetime, datetime | None]] = []
    for channel, sent_at, engaged_at in rows:
        if sent_at is None:  # filtered above; here for the type checker
            continue
        pair: tuple[datetime, datetime | None] = (sent_at, engaged_at)
        everything.append(pair)
        by_channel.setdefault(Channel(channel), []).append(pair)
    return Streaks({channel: _streak(pairs, now=now) for channel, pairs in by_channel.items()},
                   _streak(everything, now=now))
