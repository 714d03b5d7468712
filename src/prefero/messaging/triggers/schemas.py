"""What the watches API reads and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["WatchIn", "WatchKind", "WatchOut", "WatchesOut"]

WatchKind = Literal["price", "stock", "both"]


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: WatchKind = Field(
        default="both",
        description="price: tell me when it is cheaper; stock: when it is back in stock; "
                    "both.")


class WatchOut(BaseModel):
    """A product the customer asked to hear about."""

    model_config = ConfigDict(from_attributes=True)

    product_id: str
    title: str = Field(description="The product's title, as the catalogue has it now")
    what: WatchKind
    created_at: datetime


class WatchesOut(BaseModel):
    items: list[WatchOut]
