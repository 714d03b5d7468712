"""Coupon pools as the shop writes them (``PoolIn``) and reads them (``Pool``), a customer's
choice (``CouponChoice``) and code (``CouponOut``), and what the shop sees of the choices.

The shapes check what needs no catalogue (types, bounds, lengths); ``prefero.coupons.checks``
checks the rest and names every wrong field at once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from prefero.types import UtcDatetime

__all__ = [
    "MAX_CATEGORIES",
    "MAX_PRODUCTS",
    "AppliesKind",
    "ChosenCount",
    "CouponChoice",
    "CouponOut",
    "Pool",
    "PoolIn",
    "PoolStats",
]

MAX_CATEGORIES = 100
MAX_PRODUCTS = 1000

AppliesKind = Literal["category", "product"]

_NO_CONTROL = r"^[^\x00-\x1f\x7f]+$"
CategoryText = Annotated[str, StringConstraints(min_length=1, max_length=500,
                                                pattern=_NO_CONTROL)]
ProductIdText = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                                 pattern=_NO_CONTROL)]


class PoolIn(BaseModel):
    """A pool of codes: exactly one of ``percent_off`` and ``amount_off``; customers choose a
    category at or under one of ``category_roots``, or one of ``product_ids``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Choose your beauty coupon"])
    percent_off: Decimal | None = Field(default=None, gt=0, le=100, max_digits=5,
                                        decimal_places=2, examples=[Decimal("15")])
    amount_off: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2,
                                       description="In the shop's currency")
    codes_total: int = Field(ge=1, le=10_000_000, description="How many codes the pool has")
    valid_from: UtcDatetime
    valid_until: UtcDatetime
    category_roots: list[CategoryText] = Field(
        default_factory=list, max_length=MAX_CATEGORIES,
        description="Customers may choose any category at or under these paths",
        examples=[["Beauty"]])
    product_ids: list[ProductIdText] = Field(
        default_factory=list, max_length=MAX_PRODUCTS,
        description="Customers may choose any of these products")


class Pool(PoolIn):
    id: int
    issued: int = Field(description="Codes handed out so far")
    remaining: int = Field(description="Codes still to be chosen")
    currency: str = Field(description="The currency of amount_off (the shop's)")
    created_at: datetime
    updated_at: datetime


class CouponChoice(BaseModel):
    """What the customer wants their code for: exactly one of ``category`` and
    ``product_id``."""

    model_config = ConfigDict(extra="forbid")

    pool_id: int = Field(ge=1, le=2**31 - 1)
    category: CategoryText | None = Field(default=None, examples=["Beauty > Skincare"])
    product_id: ProductIdText | None = None


class CouponOut(BaseModel):
    code: str
    pool_id: int
    pool_name: str
    applies_kind: AppliesKind
    applies_value: str = Field(description="A category path or a product id")
    percent_off: Decimal | None
    amount_off: Decimal | None
    currency: str
    valid_until: datetime
    created_at: datetime


class ChosenCount(BaseModel):
    applies_kind: AppliesKind
    applies_value: str
    count: int


class PoolStats(BaseModel):
    pool: Pool
    chosen: list[ChosenCount] = Field(description="Codes per choice, most chosen first")
