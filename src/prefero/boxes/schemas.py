"""What the API and the data export say about boxes (and what a client sends)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_BUDGET",
    "MAX_CADENCE_DAYS",
    "BoxChange",
    "BoxIn",
    "BoxOut",
    "DeliveryOut",
    "ExportedBox",
    "ItemOut",
    "RatingIn",
    "ThemeOut",
]

MAX_CADENCE_DAYS = 365
MAX_BUDGET = Decimal("1000000")

# Strict: a JSON ``true`` is not one day, nor one star.
Cadence = Field(ge=1, le=MAX_CADENCE_DAYS, strict=True, description="Days between deliveries",
                examples=[30])
Budget = Field(gt=0, le=MAX_BUDGET, max_digits=14, decimal_places=2,
               description="The most one delivery may cost", examples=["150.00"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoxIn(_Strict):
    theme: str = Field(min_length=1, max_length=50, description="A box the shop offers",
                       examples=["snacks"])
    cadence_days: int = Cadence
    budget: Decimal = Budget
    currency: str | None = Field(default=None, min_length=3, max_length=3,
                                 description="ISO 4217; the shop's currency when left out "
                                             "(the only one accepted)")


class BoxChange(_Strict):
    """Only the fields given change."""

    cadence_days: int | None = Field(default=None, ge=1, le=MAX_CADENCE_DAYS, strict=True)
    budget: Decimal | None = Field(default=None, gt=0, le=MAX_BUDGET, max_digits=14,
                                   decimal_places=2)
    status: Literal["active", "paused"] | None = Field(
        default=None, description="Pause or resume (cancel with DELETE)")


class RatingIn(_Strict):
    rating: int = Field(ge=1, le=5, strict=True,
                        description="1 (not for me) to 5 stars (send it again)")


class ThemeOut(BaseModel):
    key: str
    name: str
    categories: list[str]


class BoxOut(BaseModel):
    id: int
    theme: str
    name: str = Field(description="The box's name, in English")
    cadence_days: int
    budget: Decimal
    currency: str
    status: Literal["active", "paused", "cancelled"]
    next_delivery_at: datetime | None = Field(description="None once cancelled")
    created_at: datetime


class ItemOut(BaseModel):
    product_id: str
    title: str
    brand: str | None
    category: str
    price: Decimal
    rating: int | None
    rated_at: datetime | None


class DeliveryOut(BaseModel):
    number: int
    composed_at: datetime
    due_at: datetime
    total: Decimal
    currency: str
    items: list[ItemOut]


class ExportedBox(BoxOut):
    """A box with every delivery and rating: the customer's data export."""

    deliveries: list[DeliveryOut]
