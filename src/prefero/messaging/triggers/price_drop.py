"""price_drop: a product's effective price fell (a price cut or a sale starting).

Heard by whoever watches the product for its price, follows its brand or category, or
declared a like for them, and only when the product passes their hard rules (``never``,
budget...: ``prefero.messaging.triggers.audience``). The occasion is the new price, so the
same drop is offered once, and a further cut is a new occasion.

``MessageOffer.params`` (all text):

- ``product_id``, ``title``, ``brand``, ``category`` (the last segment of its path)
- ``old_price``, ``new_price``, ``price`` (= ``new_price``): decimal strings ("19.99")
- ``currency``: ISO 4217 code
- ``because``: ``watch`` (they asked about this product), ``follow`` (its brand or
  category), ``like`` (a declared like for its brand or category)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from prefero.catalog.changes import ProductChange
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.messaging.kinds import Trigger
from prefero.messaging.triggers.audience import money
from prefero.messaging.triggers.product_alerts import scan_product_changes

__all__ = ["NAME", "scan"]

NAME = "price_drop"


def _describe(change: ProductChange, product: Product) -> tuple[str, dict[str, str]]:
    old = money(change.old_price) if change.old_price is not None else ""
    new = money(change.new_price) if change.new_price is not None else ""
    return new, {"old_price": old, "new_price": new}


def scan(session: Session, now: datetime, settings: Settings) -> int:
    """Offer a message for each price drop since the last scan; how many offers were made.

    >>> scan(session, now, settings)  # doctest: +SKIP
    2
    """
    return scan_product_changes(session, now, settings, scanner=NAME, kind="price_drop",
                                trigger=Trigger.PRICE_DROP, watch="price",
                                describe=_describe)
