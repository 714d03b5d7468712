"""Shared type aliases and enumerations."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

__all__ = [
    "PURPOSES",
    "Basis",
    "CustomerId",
    "EventType",
    "Level",
    "Placement",
    "ProductId",
    "Purpose",
    "UtcDatetime",
]

ProductId = str
CustomerId = str

Level = Literal["off", "declared", "balanced", "full"]
Placement = Literal["home", "product", "cart", "checkout", "search"]
#: What placed a recommended item, or most of a row's: the customer's declared preferences,
#: their behaviour, the page's products (``context``), a search, the shop's own ordering
#: (``editorial``: popular, trending, new) or the labelled exploration slot.
Basis = Literal["declared", "behaviour", "context", "search", "editorial", "exploration"]
Purpose = Literal["tracking", "personalization", "context", "marketing_email", "marketing_push",
                  "marketing_inbox", "marketing_webhook", "fit"]
PURPOSES: tuple[Purpose, ...] = (
    "tracking",
    "personalization",
    "context",
    "marketing_email",
    "marketing_push",
    "marketing_inbox",
    "marketing_webhook",
    # Body measurements and fit wishes: sensitive, used for sizes and made-to-measure only.
    "fit",
)


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; a time that UTC cannot express is a validation error, not a crash.

    ``0001-01-01T00:00:00+14:00`` is a valid ISO-8601 time whose UTC form lies before year 1,
    which Python's datetime cannot hold (OverflowError).

    >>> from datetime import timedelta, timezone
    >>> to_utc(datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))).isoformat()
    '2026-01-01T00:00:00+00:00'
    """
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range", "the time is out of range once converted to UTC") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]
"""An input time with a zone, converted to UTC on the way in (API conventions: UTC)."""


class EventType(StrEnum):
    VIEW = "view"
    ADD_TO_CART = "add_to_cart"
    REMOVE_FROM_CART = "remove_from_cart"
    PURCHASE = "purchase"
    SEARCH = "search"
    RATING = "rating"
    REC_CLICK = "rec_click"
    REC_DISMISS = "rec_dismiss"
    #: Money back for an order's items (or the whole order, without a product): the
    #: purchase stays interest the customer showed, but no longer evidence of what is
    #: bought together (training leaves refunded lines out of the baskets).
    REFUND = "refund"
    #: Goods sent back, with why (``reason``: too_small, too_large, not_as_described,
    #: changed_mind). Kept apart from refunds: a return says how a size fitted, a refund
    #: moves money; a shop may send both for one parcel.
    RETURN = "return"
