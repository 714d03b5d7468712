"""What a caller asks for, and what it gets back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prefero.types import Level, Placement

__all__ = ["Reason", "RecommendationQuery", "RecommendationResult", "RecommendedItem"]


class RecommendationQuery(BaseModel):
    """One request for recommendations.

    >>> RecommendationQuery(placement="product", product_id="p1", n=5).n
    5
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: str | None = Field(default=None, max_length=200,
                                    description="Known or anonymous id; none = a stranger")
    placement: Placement = "home"
    n: int = Field(default=10, ge=1, le=100)
    product_id: str | None = Field(default=None, max_length=200,
                                   description="The product on the page (placement=product)")
    cart: tuple[str, ...] = Field(default=(), max_length=200,
                                  description="Products in the cart (placement=cart)")
    hits: tuple[str, ...] = Field(default=(), max_length=1000,
                                  description="Search hits in text-relevance order (search)")
    # strict: JSON true/false/null only, as documented; the GET route parses its query string
    # into a bool before building the query.
    exploration: bool | None = Field(default=None, strict=True,
                                     description="Override the 'Something different' slot")


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    text: str


class RecommendedItem(BaseModel):
    product_id: str
    score: float
    title: str
    price: float
    category: str
    reasons: list[Reason]


class RecommendationResult(BaseModel):
    customer_id: str | None
    placement: Placement
    level: Level
    items: list[RecommendedItem]
    artefact_version: str | None
    config_digest: str
