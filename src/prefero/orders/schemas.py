"""An order as it is placed and as the customer's data export lists it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OrderLineIn", "OrderLineOut", "OrderOut"]


class OrderLineIn(BaseModel):
    """A line the checkout built: its price and copies already worked out by their owners
    (the catalogue, ``prefero.configurators``, ``prefero.fit``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    quantity: int = Field(default=1, ge=1, le=1000)
    unit_price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    configuration: dict[str, Any] | None = None
    size: str | None = Field(default=None, min_length=1, max_length=40)
    measurements: dict[str, Any] | None = None


class OrderLineOut(OrderLineIn):
    position: int
    return_reason: str | None = Field(
        default=None, description="Why the line was sent back: too_small, too_large, "
                                  "not_as_described or changed_mind; null while kept")
    returned_at: datetime | None = None


class OrderOut(BaseModel):
    id: str
    currency: str = Field(description="ISO 4217 code of the order's prices")
    total: Decimal = Field(description="The lines' prices times quantities, and the "
                                       "delivery's price")
    delivery: dict[str, Any] | None = Field(
        description="The delivery chosen at checkout, as the shopper saw it")
    placed_at: datetime
    lines: list[OrderLineOut]
