"""Deciding whether, when and by which channel an offered message goes, and queueing it.

PLACEHOLDER (scaffold): sends on every channel whose consent is in force, at once, with
a plain rendering. The customer's terms (triggers switched on, caps, quiet hours, preferred
send time, fatigue) and the wording replace it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.messaging.kinds import CHANNEL_PURPOSE, CHANNELS
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import MessageOffer, dedup_key

__all__ = ["offer"]


def offer(session: Session, message: MessageOffer, *, now: datetime,
          settings: Settings) -> list[OutboxMessage]:
    """The outbox rows ``message`` became (none when the customer's terms rule it out, or
    when the same occasion was queued before). Commits nothing."""
    consents = current_consents(session, customer_id=message.customer_id, settings=settings)
    queued: list[OutboxMessage] = []
    for channel in CHANNELS:
        if not consents[CHANNEL_PURPOSE[channel]]:
            continue
        key = dedup_key(customer_id=message.customer_id, trigger=message.trigger,
                        subject_key=message.subject_key, occasion=message.occasion,
                        channel=channel)
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
            continue
        row = OutboxMessage(dedup_key=key, customer_id=message.customer_id,
                            channel=channel.value, trigger=message.trigger.value,
                            subject_key=message.subject_key, payload=dict(message.params),
                            send_at=now, next_attempt_at=now, created_at=now)
        session.add(row)
        queued.append(row)
    session.flush()
    return queued
