"""A follow as the API answers it and as the data export lists it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["FollowKind", "FollowOut", "Follows"]

FollowKind = Literal["brand", "category"]


class FollowOut(BaseModel):
    kind: FollowKind
    value: str = Field(description="The brand or category path in the form products are "
                                    "compared by (brands case-folded, paths as 'A > B')",
                       examples=["acme"])
    label: str = Field(description="How the shop writes it, for display", examples=["Acme"])
    created_at: datetime


class Follows(BaseModel):
    items: list[FollowOut]
    limit: int = Field(description="How many one customer may follow")
