"""What a trigger hands to the messaging service: an occasion to tell one customer something.

A trigger (``prefero.messaging.triggers``, the taste box, fresh preferences...) decides that
there *is* something the customer asked to hear about and describes it as a
``MessageOffer``; ``offer`` then decides whether, when and by which channels it goes, under
the customer's terms (consent per channel, the trigger switched on, caps, quiet hours, the
preferred send time, fatigue), renders it in the customer's language with the sentence that
says why it was sent, and writes it to the outbox in the caller's transaction.

The dedup key is computed here from (customer, trigger, subject, occasion, channel), so a
scanner that runs twice over the same change offers the same keys and the outbox's unique
index keeps one of each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from prefero.messaging.kinds import Channel, Trigger

__all__ = ["MessageOffer", "dedup_key"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageOffer:
    customer_id: str
    trigger: Trigger
    #: What it is about: a product id, "brand:Acme", a box id, a preference...
    subject_key: str
    #: What makes this occasion distinct from the last one about the same subject: the new
    #: price, the restock's date, the box's delivery number. Same occasion, same message.
    occasion: str
    #: Values the wording needs (product title, old and new price as shown, brand...), as text.
    params: Mapping[str, str] = field(default_factory=dict)
    #: Products the message shows, in order (links, pictures).
    product_ids: tuple[str, ...] = ()
    #: When the occasion arose; caps and quiet hours are read against ``offer``'s ``now``.
    occurred_at: datetime | None = None


def dedup_key(*, customer_id: str, trigger: Trigger, subject_key: str, occasion: str,
              channel: Channel) -> str:
    """A stable 64-character key for one occasion on one channel.

    >>> len(dedup_key(customer_id="c", trigger=Trigger.PRICE_DROP, subject_key="p-1",
    ...               occasion="19.99", channel=Channel.EMAIL))
    64
    """
    text = "\x1f".join((customer_id, trigger.value, subject_key, occasion, channel.value))
    return hashlib.sha256(text.encode()).hexdigest()
