"""What every channel shares: the message as a channel sees it, and how delivery fails."""

from __future__ import annotations

from typing import Protocol

from prefero.messaging.outbox import Claimed

__all__ = ["DeliveryFailed", "RefusedForGood", "Sender"]


class DeliveryFailed(Exception):
    """This attempt failed and another may succeed (a timeout, a 5xx, a mail server that
    said "try again later"): retried after the backoff."""


class RefusedForGood(DeliveryFailed):
    """The receiver refused the message itself (an SMTP 5xx for the recipient, a 4xx from a
    webhook): retrying would be refused the same way, so it goes to the dead letters."""


class Sender(Protocol):
    """Hands one claimed message to its channel; returns once the receiver accepted it
    (then it is marked sent) or raises ``DeliveryFailed``."""

    def deliver(self, message: Claimed) -> None: ...
