"""Shared type aliases and enumerations."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = [
    "PURPOSES",
    "CustomerId",
    "EventType",
    "Level",
    "Placement",
    "ProductId",
    "Purpose",
]

ProductId = str
CustomerId = str

Level = Literal["off", "declared", "balanced", "full"]
Placement = Literal["home", "product", "cart", "search"]
Purpose = Literal["tracking", "personalization", "context", "marketing_email", "marketing_push"]
PURPOSES: tuple[Purpose, ...] = (
    "tracking",
    "personalization",
    "context",
    "marketing_email",
    "marketing_push",
)


class EventType(StrEnum):
    VIEW = "view"
    ADD_TO_CART = "add_to_cart"
    REMOVE_FROM_CART = "remove_from_cart"
    PURCHASE = "purchase"
    SEARCH = "search"
    RATING = "rating"
    REC_CLICK = "rec_click"
    REC_DISMISS = "rec_dismiss"
