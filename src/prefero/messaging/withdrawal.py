"""What a withdrawn consent does to messages already waiting: the customer's pending
messages on the channels that consent allowed are cancelled in the same transaction as
the withdrawal, so nothing queued earlier goes out afterwards (a quiet-hours e-mail due at
08:00 included)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from prefero.messaging.kinds import CHANNEL_PURPOSE
from prefero.messaging.outbox import cancel_for
from prefero.types import Purpose

__all__ = ["cancel_withdrawn"]


def cancel_withdrawn(session: Session, *, customer_id: str, purpose: Purpose) -> int:
    """Cancel ``customer_id``'s pending messages on the channels ``purpose`` allows; how
    many (none for a purpose no channel needs)."""
    channels = tuple(channel.value for channel, needed in CHANNEL_PURPOSE.items()
                     if needed == purpose)
    if not channels:
        return 0
    return cancel_for(session, customer_id=customer_id, channels=channels,
                      reason=f"consent for {purpose} withdrawn")
