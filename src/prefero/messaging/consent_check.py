"""Consent for a message's channel, read again when the message is about to go.

The messaging policy checks consent when it queues a message, and a withdrawal cancels the
customer's waiting messages of that channel (``prefero.messaging.withdrawal``). The worker
checks once more for the messages it has just claimed, so that a withdrawal that raced with
the claim still stops the message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.messaging.kinds import CHANNEL_PURPOSE, Channel
from prefero.messaging.outbox import Claimed
from prefero.types import Purpose

__all__ = ["withdrawn"]


def withdrawn(session: Session, messages: Sequence[Claimed], *, settings: Settings
              ) -> dict[int, str]:
    """The claimed messages whose channel's consent is not in force now, by id, with why:
    one consent query per purpose in the batch."""
    by_purpose: dict[Purpose, set[str]] = defaultdict(set)
    for message in messages:
        by_purpose[CHANNEL_PURPOSE[Channel(message.channel)]].add(message.customer_id)
    consented = {purpose: purpose_consents(session, customers, purpose=purpose,
                                           settings=settings)
                 for purpose, customers in by_purpose.items()}
    refused: dict[int, str] = {}
    for message in messages:
        purpose = CHANNEL_PURPOSE[Channel(message.channel)]
        if not consented[purpose][message.customer_id]:
            refused[message.id] = f"consent for {purpose} withdrawn before sending"
    return refused
