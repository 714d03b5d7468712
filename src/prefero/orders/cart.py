"""The demo shop's cart, kept in the signed session: product ids in the order they were
added (what the recommendation placements read as the cart) and, beside them, what makes a
line more than a product: the saved configuration it stands for, the size chosen.

The functions work on the session's mapping and never on a request, so that the shop's pages
and the tests share them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_CART", "CartEntry", "add_entry", "cart_ids", "clear_cart", "entries",
           "remove_entry"]

#: The cart lives in the signed cookie, which browsers cap at about 4 kB.
MAX_CART = 40
_IDS = "cart"
_DETAILS = "cart_details"


@dataclass(frozen=True)
class CartEntry:
    """One line of the cart: a product, maybe as a saved configuration, maybe in a size."""

    product_id: str
    configuration_id: int | None = None
    size: str | None = None


def cart_ids(data: Mapping[str, Any]) -> list[str]:
    """The products in the cart, in the order they were added.

    >>> cart_ids({"cart": ["p-1", 7, "p-2"]})
    ['p-1', 'p-2']
    """
    raw = data.get(_IDS)
    return [p for p in raw if isinstance(p, str)] if isinstance(raw, list) else []


def _details(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    raw = data.get(_DETAILS)
    if not isinstance(raw, dict):
        return {}
    return {key: value for key, value in raw.items()
            if isinstance(key, str) and isinstance(value, dict)}


def entries(data: Mapping[str, Any]) -> list[CartEntry]:
    """The cart's lines with their details; a detail of the wrong type reads as absent (the
    session is signed, but an older version of the shop may have written it).

    >>> entries({"cart": ["p-1"], "cart_details": {"p-1": {"size": "M"}}})
    [CartEntry(product_id='p-1', configuration_id=None, size='M')]
    """
    details = _details(data)
    found = []
    for product_id in cart_ids(data):
        detail = details.get(product_id, {})
        configuration = detail.get("configuration_id")
        size = detail.get("size")
        found.append(CartEntry(
            product_id=product_id,
            configuration_id=configuration if type(configuration) is int else None,
            size=size if isinstance(size, str) else None))
    return found


def add_entry(data: MutableMapping[str, Any], entry: CartEntry) -> bool:
    """Put a line in the cart, or change the details of the product's line already there
    (one line per product: choosing another size or configuration replaces the choice).
    False when the cart is full and the product not in it.

    >>> cart: dict[str, Any] = {}
    >>> add_entry(cart, CartEntry("p-1", size="M")), add_entry(cart, CartEntry("p-1", size="L"))
    (True, True)
    >>> entries(cart)
    [CartEntry(product_id='p-1', configuration_id=None, size='L')]
    """
    ids = cart_ids(data)
    if entry.product_id not in ids:
        if len(ids) >= MAX_CART:
            return False
        data[_IDS] = [*ids, entry.product_id]
    details = _details(data)
    detail = {key: value for key, value in (("configuration_id", entry.configuration_id),
                                            ("size", entry.size)) if value is not None}
    if detail:
        details[entry.product_id] = detail
    else:
        details.pop(entry.product_id, None)
    data[_DETAILS] = details
    return True


def remove_entry(data: MutableMapping[str, Any], product_id: str) -> bool:
    """Take a product's line out of the cart; False when it was not there."""
    ids = cart_ids(data)
    if product_id not in ids:
        return False
    data[_IDS] = [p for p in ids if p != product_id]
    details = _details(data)
    details.pop(product_id, None)
    data[_DETAILS] = details
    return True


def clear_cart(data: MutableMapping[str, Any]) -> None:
    """Empty the cart (after an order)."""
    data[_IDS] = []
    data[_DETAILS] = {}
