"""Keyword search with the customer's preferences applied (and a switch to show all)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query

from prefero.api.deps import DbSession, Language, Rt, customer_or_key, own_id
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerIdQuery
from prefero.api.principal import Principal
from prefero.recommend.wording import reworded_items
from prefero.search.popular import count_search
from prefero.search.service import SearchResult, search
from prefero.search.suggest import Suggestions, suggest

router = APIRouter(tags=["search"])

# A read key, or a customer token searching as its own customer.
Reader = Annotated[Principal, Depends(customer_or_key("read"))]
SearchText = Annotated[str, Query(min_length=1, max_length=200,
                                  pattern=NO_CONTROL_CHARACTERS)]


@router.get("/v1/search", response_model=SearchResult)
def get_search(
    session: DbSession,
    runtime: Rt,
    caller: Reader,
    language: Language,
    q: SearchText,
    background: BackgroundTasks,
    customer_id: CustomerIdQuery = None,
    n: Annotated[int, Query(ge=1, le=100)] = 20,
    apply_preferences: bool = True,
) -> SearchResult:
    """Search titles, descriptions, brands and categories (a word the catalogue does not
    know is corrected to the closest one it does: ``corrected_query``). The answer counts
    what each preference hid; ``apply_preferences=false`` shows everything that matches.

    A search that found products, in the catalogue's own words only, is counted (after
    answering) towards the shop's popular searches: the words and the day, never who
    searched. ``apply_preferences=false`` is the same search shown whole: not counted again."""
    customer_id = own_id(caller, customer_id, loc=("query", "customer_id"))
    result = search(session, runtime.recommender, query=q, customer_id=customer_id, n=n,
                    apply_preferences=apply_preferences, language=language)
    if apply_preferences:
        background.add_task(count_search, runtime, query=q,
                            corrected_query=result.corrected_query, found=result.total_hits)
    return result.model_copy(update={"items": reworded_items(
        result.items, schema=runtime.facet_schema, language=language)})


@router.get("/v1/search/suggest", response_model=Suggestions)
def get_suggestions(
    session: DbSession,
    runtime: Rt,
    caller: Reader,
    language: Language,
    q: SearchText,
    customer_id: CustomerIdQuery = None,
    n: Annotated[int, Query(ge=1, le=20)] = 5,
) -> Suggestions:
    """As the shopper types: completions of the last word, matching brands and categories,
    and the best products with the customer's rules applied. A word the catalogue does not
    know is corrected to the closest one it does (``corrected_query``)."""
    customer_id = own_id(caller, customer_id, loc=("query", "customer_id"))
    found = suggest(session, runtime.recommender, query=q, customer_id=customer_id, n=n)
    return found.model_copy(update={"products": reworded_items(
        found.products, schema=runtime.facet_schema, language=language)})
