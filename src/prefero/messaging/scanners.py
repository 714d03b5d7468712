"""The registry of trigger scanners the messages worker runs on its schedule.

A scanner looks at what changed (prices, stock, new products, carts left, purchase
cadences, stale preferences, boxes due) and hands ``MessageOffer``s to
``prefero.messaging.service.offer``. Scanners must be idempotent: the worker may run one
again after a crash, and the offers' dedup keys keep repeated occasions out of the outbox.
Each owner adds its scanner to ``registered`` with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from prefero.config import Settings

__all__ = ["Scanner", "registered"]

#: (session, now, settings) -> how many offers it made. The worker commits after each.
Scanner = Callable[[Session, datetime, Settings], int]


def registered() -> dict[str, Scanner]:
    """Every scanner by name, in the order the worker runs them.

    Imported when asked for rather than at module load: the scanners import the services
    they read (catalogue, customers, boxes), some of which offer messages themselves.
    """
    scanners: dict[str, Scanner] = {}
    # One line per owner: scanners["price_drop"] = price_drop.scan
    from prefero.messaging.triggers.registry import catalogue_and_cart
    scanners.update(catalogue_and_cart())
    from prefero.messaging.triggers import stale_preferences
    scanners[stale_preferences.NAME] = stale_preferences.scan
    from prefero.boxes import scanners as boxes
    scanners["box_ready"] = boxes.box_ready
    scanners["replenishment"] = boxes.replenishment
    return scanners
