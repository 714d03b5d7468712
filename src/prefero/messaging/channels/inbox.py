"""The in-app inbox: delivering is marking it sent, which makes it visible to the customer
(``prefero.messaging.inbox_service`` lists sent inbox messages). Nothing leaves Prefero."""

from __future__ import annotations

from prefero.messaging.outbox import Claimed

__all__ = ["InboxSender"]


class InboxSender:
    def deliver(self, message: Claimed) -> None:
        # The row itself is the delivery; the worker's mark_sent publishes it.
        return None
