"""back_in_stock: a product that was out of stock can be ordered again.

Heard by whoever watches the product for its stock, follows its brand or category, or
declared a like for them, and only when it passes their hard rules. The occasion is the day
of the restock: a product that flickers in and out within a day is announced once.

``MessageOffer.params`` (all text):

- ``product_id``, ``title``, ``brand``, ``category`` (the last segment of its path)
- ``price``: its effective price as a decimal string, ``currency``
- ``because``: ``watch``, ``follow`` or ``like`` (as for ``price_drop``)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from prefero.catalog.changes import ProductChange
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.messaging.kinds import Trigger
from prefero.messaging.triggers.product_alerts import scan_product_changes

__all__ = ["NAME", "scan"]

NAME = "back_in_stock"


def _describe(change: ProductChange, product: Product) -> tuple[str, dict[str, str]]:
    return change.changed_at.date().isoformat(), {}


def scan(session: Session, now: datetime, settings: Settings) -> int:
    """Offer a message for each return to stock since the last scan; how many offers.

    >>> scan(session, now, settings)  # doctest: +SKIP
    1
    """
    return scan_product_changes(session, now, settings, scanner=NAME, kind="back_in_stock",
                                trigger=Trigger.BACK_IN_STOCK, watch="stock",
                                describe=_describe)
