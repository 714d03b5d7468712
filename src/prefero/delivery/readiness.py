"""When a cart can be ready to leave the shop: the slowest item decides.

In stock: packed within ``HANDLING``; pre-order and back-order items wait ``RESTOCK``; an
out-of-stock item cannot be promised at all (``None``). A window that starts before the
cart is ready is shown, but cannot be chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.errors import FieldError, InvalidInput

__all__ = ["HANDLING", "MAX_CART", "RESTOCK", "cart_ready_at", "ready_at"]

#: Picking and packing an order whose items are on the shelf.
HANDLING = timedelta(hours=2)
#: Waiting for a pre-ordered or back-ordered item to arrive.
RESTOCK = timedelta(days=3)
#: Product ids one cart may name.
MAX_CART = 200

_LEAD: dict[str, timedelta | None] = {
    "in_stock": HANDLING,
    "preorder": RESTOCK,
    "backorder": RESTOCK,
    "out_of_stock": None,
}


def ready_at(availabilities: Sequence[str], *, now: datetime) -> datetime | None:
    """When items of these availabilities can leave together (an empty cart: after
    handling); ``None`` when one of them cannot be promised.

    >>> from datetime import UTC
    >>> ready_at(["in_stock", "backorder"], now=datetime(2026, 1, 1, tzinfo=UTC)).day
    4
    >>> ready_at(["out_of_stock"], now=datetime(2026, 1, 1, tzinfo=UTC)) is None
    True
    """
    lead = HANDLING
    for availability in availabilities:
        wait = _LEAD.get(availability, RESTOCK)
        if wait is None:
            return None
        lead = max(lead, wait)
    return now + lead


def cart_ready_at(session: Session, cart: Sequence[str], *, now: datetime) -> datetime | None:
    """``ready_at`` for the products in ``cart`` (ids, repeats allowed). An id the catalogue
    does not sell is ``InvalidInput`` at ``("cart", i)``.

    >>> cart_ready_at(session, ["sku-1"], now=now) - now  # doctest: +SKIP
    datetime.timedelta(seconds=7200)
    """
    if len(cart) > MAX_CART:
        raise InvalidInput("the cart is too long",
                           [FieldError(("cart",), f"at most {MAX_CART} product ids")])
    found = {pid: availability for pid, availability in session.execute(
        select(Product.id, Product.availability)
        .where(Product.id.in_(set(cart)), Product.active.is_(True)))}
    missing = [FieldError(("cart", i), "no such product for sale")
               for i, pid in enumerate(cart) if pid not in found]
    if missing:
        raise InvalidInput("the cart names products the shop does not sell", missing)
    return ready_at([found[pid] for pid in cart], now=now)
