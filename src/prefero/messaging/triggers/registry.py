"""The scanners of this package, by name, in the order the worker runs them."""

from __future__ import annotations

from prefero.messaging.scanners import Scanner
from prefero.messaging.triggers import (
    abandoned_cart,
    back_in_stock,
    new_from_followed,
    price_drop,
    quiz_follow_up,
)

__all__ = ["catalogue_and_cart"]


def catalogue_and_cart() -> dict[str, Scanner]:
    """price_drop, back_in_stock, new_from_followed, abandoned_cart, quiz_follow_up."""
    return {price_drop.NAME: price_drop.scan, back_in_stock.NAME: back_in_stock.scan,
            new_from_followed.NAME: new_from_followed.scan,
            abandoned_cart.NAME: abandoned_cart.scan, quiz_follow_up.NAME: quiz_follow_up.scan}
