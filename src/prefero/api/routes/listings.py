"""Browsing for a shop's own frontend: a category's or a search's listing, page by page,
with the sort, facet filters and their counts the demo shop's pages show."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from prefero.api.deps import DbSession, Language, Rt, customer_or_key, own_id
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerIdQuery
from prefero.api.principal import Principal
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.recommend.wording import reworded_items
from prefero.search.listing import (
    MAX_PER_PAGE,
    PER_PAGE,
    Listing,
    Sort,
    browse_category,
    browse_search,
    parse_filters,
)

__all__ = ["router"]

router = APIRouter(tags=["search"])

Reader = Annotated[Principal, Depends(customer_or_key("read"))]
Bound = Annotated[float | None, Query(ge=0, le=1e12)]


@router.get("/v1/listing", response_model=Listing, responses={404: {}})
def get_listing(
    session: DbSession,
    runtime: Rt,
    caller: Reader,
    language: Language,
    category: Annotated[str | None, Query(min_length=1, max_length=500,
                                          pattern=NO_CONTROL_CHARACTERS)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200,
                                   pattern=NO_CONTROL_CHARACTERS)] = None,
    customer_id: CustomerIdQuery = None,
    sort: Sort = "for_you",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = PER_PAGE,
    filter: Annotated[list[str], Query(max_length=50, description=(
        "facet:value, repeated: any of a facet's values, every facet (color:red, "
        "color:navy, brand:acme)"))] = [],  # noqa: B006 - FastAPI copies the default
    price_min: Bound = None,
    price_max: Bound = None,
    apply_preferences: bool = True,
) -> Listing:
    """One page of a category (``category``, a path such as "Fashion > Shoes") or of a
    search (``q``): one card per product family with its sizes and colours, sorted
    ("for you" re-ranks and explains the head), with each filter's counts (what choosing
    the value would show, the customer's rules applied) and what the rules hid."""
    customer_id = own_id(caller, customer_id, loc=("query", "customer_id"))
    if (category is None) == (q is None):
        raise InvalidInput("give either a category or a search", errors=[
            FieldError(("query", "category"), "give exactly one of category and q")])
    filters = parse_filters(filter, runtime.facet_schema, price_min=price_min,
                            price_max=price_max)
    if q is not None:
        listing = browse_search(
            session, runtime.recommender, query=q, customer_id=customer_id, filters=filters,
            sort=sort, page=page, per_page=per_page, apply_preferences=apply_preferences,
            language=language)
    else:
        found = browse_category(
            session, runtime.recommender, path=category or "", customer_id=customer_id,
            filters=filters, sort=sort, page=page, per_page=per_page,
            apply_preferences=apply_preferences, language=language)
        if found is None:
            raise NotFound(f"the shop has nothing to buy in {category!r}")
        listing = found
    return listing.model_copy(update={"items": reworded_items(
        listing.items, schema=runtime.facet_schema, language=language)})
