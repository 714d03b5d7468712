"""What a caller asks for, and what it gets back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from prefero.recommend.variants import Variants
from prefero.types import Basis, Level, Placement

__all__ = ["LikedValue", "Reason", "ReasonParams", "RecommendationQuery", "RecommendationResult",
           "RecommendedItem"]


class RecommendationQuery(BaseModel):
    """One request for recommendations.

    >>> RecommendationQuery(placement="product", product_id="p1", n=5).n
    5
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # No control characters: PostgreSQL cannot store a NUL, and no shop's id holds one.
    customer_id: str | None = Field(default=None, max_length=200,
                                    pattern=r"^[^\x00-\x1f\x7f]+$",
                                    description="Known or anonymous id; none = a stranger")
    placement: Placement = "home"
    n: int = Field(default=10, ge=1, le=100)
    product_id: str | None = Field(default=None, max_length=200,
                                   description="The product on the page (placement=product)")
    cart: tuple[str, ...] = Field(default=(), max_length=200,
                                  description="Products in the cart (placement=cart) or "
                                              "the order (placement=checkout)")
    hits: tuple[str, ...] = Field(default=(), max_length=1000,
                                  description="Search hits in text-relevance order (search)")
    # strict: JSON true/false/null only, as documented; the GET route parses its query string
    # into a bool before building the query.
    exploration: bool | None = Field(default=None, strict=True,
                                     description="Override the 'Something different' "
                                                 "slot (never at the level off)")


class LikedValue(BaseModel):
    """A value the customer declared they like, as a reason names it."""

    model_config = ConfigDict(frozen=True)

    facet: str
    value: str = Field(description="The stored value (what rules and filters compare)")
    label: str = Field(description="The shop's display form (a brand's spelling)")


class ReasonParams(BaseModel):
    """The evidence a reason rests on, typed, so that a client can word it itself. Which
    fields a code fills: ``product_id``/``product_title`` for ``co_purchase``, ``co_view``,
    ``follows``, ``session_context``, ``complement``, ``also_chosen`` and ``similar`` (the
    product the evidence links this one to); ``likes`` for ``declared_like`` and
    ``declared_peers``; ``category`` (a path) for ``popular``, ``editorial`` and
    ``behaviour_affinity``; ``amount`` and ``currency`` for ``within_budget``."""

    model_config = ConfigDict(frozen=True)

    product_id: str | None = None
    product_title: str | None = None
    likes: tuple[LikedValue, ...] = ()
    category: str | None = None
    amount: float | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of ``amount``")


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    text: str = Field(description="The reason worded in the language the request asked for "
                                  "(Accept-Language: en or pl; English otherwise)")
    params: ReasonParams = Field(default_factory=ReasonParams)


class RecommendedItem(BaseModel):
    product_id: str
    score: float
    title: str
    price: float
    currency: str = Field(description="ISO 4217 code of ``price``: the shop's currency")
    category: str
    reasons: list[Reason]
    basis: Basis = Field(description="What placed this item: declared preferences, "
                                     "behaviour, the page's products (context), a search, "
                                     "the shop's editorial order or the exploration slot")
    variants: Variants | None = Field(
        default=None, description="The other sizes and colours of the same model "
        "(``item_group_id``) the customer may be offered: a list shows a model once")


class RecommendationResult(BaseModel):
    customer_id: str | None
    placement: Placement
    level: Level = Field(description="The level the customer chose, else the shop's default")
    effective_level: Level = Field(description="The level this answer was made at: ``level`` "
                                               "as far as the customer's consents allow it")
    basis: Basis = Field(description="What placed most of the row's items (the first item's "
                                     "basis on a tie, the exploration slot not counted): "
                                     "name the row by it")
    items: list[RecommendedItem]
    artefact_version: str | None
    config_digest: str
