"""The triggers a message can answer and the channels it can go by.

Each channel is allowed by a consent purpose of its own (``CHANNEL_PURPOSE``): a customer who
accepts e-mails has not thereby accepted push notifications.
"""

from __future__ import annotations

from enum import StrEnum

from prefero.types import Purpose

__all__ = ["CHANNELS", "CHANNEL_PURPOSE", "TRIGGERS", "Channel", "Trigger"]


class Trigger(StrEnum):
    PRICE_DROP = "price_drop"
    BACK_IN_STOCK = "back_in_stock"
    NEW_FROM_FOLLOWED = "new_from_followed"
    ABANDONED_CART = "abandoned_cart"
    REPLENISHMENT = "replenishment"
    STALE_PREFERENCE = "stale_preference"
    BOX_READY = "box_ready"
    QUIZ_FOLLOW_UP = "quiz_follow_up"


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"
    INBOX = "inbox"
    #: The shop's own sender (SMS, a messenger...): Prefero hands the message over by a
    #: signed webhook and the shop delivers it.
    WEBHOOK = "webhook"


TRIGGERS: tuple[Trigger, ...] = tuple(Trigger)
CHANNELS: tuple[Channel, ...] = tuple(Channel)

CHANNEL_PURPOSE: dict[Channel, Purpose] = {
    Channel.EMAIL: "marketing_email",
    Channel.PUSH: "marketing_push",
    Channel.INBOX: "marketing_inbox",
    Channel.WEBHOOK: "marketing_webhook",
}
