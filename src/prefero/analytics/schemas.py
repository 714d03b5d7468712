"""What the recommendation statistics answer: one shape for the API and the staff pages."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DayCounts", "RecommendationStats", "StatsRow"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatsRow(_Out):
    """The numbers of one placement and reason, or a total over several (then ``placement``
    or ``reason`` is null). Rates are fractions in [0, 1], null where nothing divides."""

    placement: str | None = Field(description="A placement, or null in a total over them")
    placement_label: str | None = Field(description="The placement in words (the request's "
                                                     "language)")
    reason: str | None = Field(description="The items' leading reason code, or null in a "
                                           "total over reasons")
    reason_label: str | None = Field(description="The reason in words")
    impressions: int = Field(description="Items shown (one per item per answer)")
    clicks: int = Field(description="rec_click events, every visitor's")
    ctr: float | None = Field(description="clicks / impressions")
    followed_clicks: int = Field(description="Clicks of customers with tracking consent: "
                                             "the ones that can be followed to a purchase")
    add_to_carts: int = Field(description="Followed clicks with an add to cart of the "
                                          "product within 24 hours")
    add_to_cart_rate: float | None = Field(description="add_to_carts / followed_clicks")
    purchases: int = Field(description="Followed clicks with a purchase of the product "
                                       "within 7 days")
    conversion: float | None = Field(description="purchases / followed_clicks")
    revenue: float = Field(description="The attributed purchases' value, in ``currency``")


class DayCounts(_Out):
    day: date
    impressions: int
    clicks: int


class RecommendationStats(_Out):
    """Impressions, clicks, carts and purchases of recommendations over whole UTC days."""

    start: date
    end: date
    placement: str | None = Field(description="Only this placement's, when asked")
    currency: str = Field(description="ISO 4217 code of every revenue: the shop's currency")
    rows: list[StatsRow] = Field(description="Per placement and reason, most impressions "
                                             "first")
    by_placement: list[StatsRow] = Field(description="Per placement, in the placements' "
                                                     "order")
    by_reason: list[StatsRow] = Field(description="Per reason, most impressions first")
    total: StatsRow
    days: list[DayCounts] = Field(description="Every day of the period, empty ones too")
    pending_from: date | None = Field(
        description="Clicks from this day on may still gain purchases (their 7 days are "
                    "not over); null when every day of the period is settled")
