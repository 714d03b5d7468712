"""Delivery windows as the shop writes them (``WindowIn``) and reads them (``WindowOut``),
the customer's wishes (``Wishes``), the options offered to them (``DeliveryOption`` with
its ``Reason``s), bookings and what the data export holds.

The shapes check what needs nothing stored (types, bounds, one window's own consistency);
``prefero.delivery.windows`` checks the rest against what is booked.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from prefero.types import UtcDatetime

__all__ = [
    "MAX_WINDOWS",
    "Booking",
    "BookingIn",
    "DeliveryExport",
    "DeliveryOption",
    "DeliveryOptions",
    "HourRange",
    "Method",
    "Reason",
    "ReasonCode",
    "ReasonParams",
    "Speed",
    "Unavailable",
    "WindowIn",
    "WindowOut",
    "Windows",
    "WindowsIn",
    "Wishes",
]

#: Windows one PUT may carry (a busy shop: 50 rounds a day for two months).
MAX_WINDOWS = 5000

Method = Literal["home", "pickup"]
Speed = Literal["green", "fastest"]
#: Why an option is offered in its place (each only when its evidence holds).
ReasonCode = Literal["preferred_day", "preferred_hours", "open_hours", "preferred_method",
                     "pickup_point", "green", "earliest"]
#: Why a window is shown but cannot be chosen.
Unavailable = Literal["full", "not_ready", "cart_unavailable"]

_NO_CONTROL = r"^[^\x00-\x1f\x7f]+$"
IdText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_NO_CONTROL)]
NameText = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                            pattern=_NO_CONTROL)]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NO_CONTROL)]


class WindowIn(BaseModel):
    """One delivery window: ``pickup`` windows name their point, ``home`` windows none."""

    # Numbers and flags are strict: a JSON ``true`` is not one place in a round.

    model_config = ConfigDict(extra="forbid")

    id: IdText = Field(description="The shop's id for the window",
                       examples=["2026-12-08-home-evening"])
    method: Method
    pickup_point_id: IdText | None = Field(default=None, description="Pick-up windows only")
    pickup_point_name: NameText | None = Field(default=None,
                                               description="The point as shoppers know it")
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    capacity: int = Field(ge=0, le=1_000_000, strict=True,
                          description="Orders the window takes at most")
    price: Decimal = Field(ge=0, max_digits=14, decimal_places=2, examples=[Decimal("9.99")])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["PLN"])
    green: bool = Field(default=False, strict=True,
                        description="A consolidated low-emission round")


class WindowsIn(BaseModel):
    """Every upcoming window of the shop (one idempotent write replaces them)."""

    model_config = ConfigDict(extra="forbid")

    windows: list[WindowIn] = Field(max_length=MAX_WINDOWS)


class WindowOut(BaseModel):
    id: str
    method: Method
    pickup_point_id: str | None
    pickup_point_name: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int = Field(description="Orders booked in the window so far")
    price: Decimal
    currency: str
    green: bool


class Windows(BaseModel):
    items: list[WindowOut] = Field(description="By start time, then id")


class HourRange(BaseModel):
    """Local hours, ``start`` inclusive, ``end`` exclusive: 18–21 is 18:00 to 21:00."""

    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0, le=23, strict=True, examples=[18])
    end: int = Field(ge=1, le=24, strict=True, examples=[21])


class Wishes(BaseModel):
    """The customer's delivery wishes; empty lists and nulls mean "no wish". Hours and days
    are read in the customer's time zone (their profile's, else the shop's)."""

    model_config = ConfigDict(extra="forbid")

    weekdays: list[Annotated[int, Field(ge=0, le=6, strict=True)]] = Field(
        default_factory=list, max_length=7, description="0 = Monday … 6 = Sunday",
        examples=[[5]])
    hours: list[HourRange] = Field(default_factory=list, max_length=24)
    method: Method | None = Field(default=None, description="Home delivery or a pick-up point")
    pickup_point_id: IdText | None = Field(
        default=None, description="The pick-up point preferred (with method pickup)")
    speed: Speed | None = Field(default=None, description="Green rounds or the earliest")

    @property
    def declared(self) -> bool:
        return bool(self.weekdays or self.hours or self.method or self.pickup_point_id
                    or self.speed)


class ReasonParams(BaseModel):
    model_config = ConfigDict(frozen=True)

    weekday: int | None = Field(default=None, description="0 = Monday … 6 = Sunday")
    start_hour: int | None = None
    end_hour: int | None = None
    method: Method | None = None
    pickup_point_id: str | None = None
    pickup_point_name: str | None = None
    ready_at: datetime | None = Field(default=None,
                                      description="When the cart can be ready (not_ready)")


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ReasonCode | Unavailable
    text: str = Field(description="The reason worded in the language the request asked for")
    params: ReasonParams = Field(default_factory=ReasonParams)


class DeliveryOption(BaseModel):
    window: WindowOut
    available: bool = Field(description="False: shown, but it cannot be chosen")
    preferred: bool = Field(description="Matches every wish the customer declared")
    reasons: list[Reason] = Field(description="Why it is placed here (available windows) or "
                                              "why it cannot be chosen")


class DeliveryOptions(BaseModel):
    customer_id: str
    time_zone: str = Field(description="The zone the wishes were read in")
    ready_at: datetime | None = Field(description="When the cart can be ready; null when "
                                                  "an item cannot be promised")
    options: list[DeliveryOption] = Field(
        description="Available windows first (the preferred ones first, then by start "
                    "time and id), then those that cannot be chosen; preferences only "
                    "order the list, they never remove a window")


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_id: IdText
    order_id: OrderId


class Booking(BaseModel):
    order_id: str
    window_id: str
    customer_id: str
    created_at: datetime


class DeliveryExport(BaseModel):
    """What the data export holds about delivery: the wishes and the bookings."""

    wishes: Wishes | None = None
    bookings: list[Booking] = Field(default_factory=list)
