"""Recommendations for a placement, each item with its reasons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query
from pydantic import ValidationError
from starlette.responses import Response

from prefero.analytics.counts import count_impressions
from prefero.api.deps import Language, Rt, customer_or_key, own_id
from prefero.api.params import CustomerIdQuery
from prefero.api.principal import Principal
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.experiments.serving import Served, expose_arms
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.recommend.wording import reworded
from prefero.runtime import Runtime
from prefero.types import Placement

router = APIRouter(tags=["recommendations"])

# A read key, or a customer token asking for its own customer (customer_id left out or equal).
Reader = Annotated[Principal, Depends(customer_or_key("read"))]


def _no_cart() -> list[str]:
    """The default of ``cart``. A function of ours, not ``list``: pydantic inspects a
    default factory's signature on every request that leaves the parameter out, and for a
    builtin that means parsing its text signature (measured: 120 µs a request, 7.5 µs
    here)."""
    return []


def _query(**fields: object) -> RecommendationQuery:
    try:
        return RecommendationQuery.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid recommendation request",
            [FieldError(("query", *e["loc"]), e["msg"]) for e in exc.errors()],
        ) from exc


@contextmanager
def _located(where: str) -> Iterator[None]:
    """The engine points into the query from its root; say where the client sent it."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError((where, *e.loc), e.msg)
                                        for e in exc.errors]) from exc


def _answer(served: Served, *, runtime: Runtime, language: str) -> Response:
    result = served.result
    # Every item answered is an impression (in memory; written in batches: analytics.counts).
    count_impressions(runtime, placement=result.placement, items=result.items)
    result = reworded(result, schema=runtime.facet_schema, language=language)
    # orjson straight from the model dump: this is the hottest endpoint.
    response = Response(orjson.dumps(result.model_dump()), media_type="application/json",
                        headers={"Content-Language": language, "Vary": "Accept-Language"})
    # The answer is made: one render of each experiment arm it served (in memory; a thread
    # of the process writes them in batches: experiments.exposures). A refused request never
    # gets here.
    expose_arms(runtime, served)
    return response


# 404: placement "product" with a product that is not in the catalog.
@router.get("/v1/recommendations", response_model=RecommendationResult,
            responses=problem_responses(404))
def get_recommendations(
    runtime: Rt,
    caller: Reader,
    language: Language,
    *,  # keyword-only, so that cart (a default factory, no default) can keep its place
    customer_id: CustomerIdQuery = None,
    placement: Placement = "home",
    n: Annotated[int, Query(ge=1, le=100)] = 10,
    product_id: Annotated[str | None, Query(max_length=200)] = None,
    # A list, not "list | None": a query string cannot say null, and documenting a null
    # alternative made one ?cart=x indistinguishable from an invalid non-list value.
    cart: Annotated[list[str], Query(max_length=200, default_factory=_no_cart)],
    exploration: bool | None = None,
) -> Response:
    """Recommendations for ``placement`` (home, product, cart, checkout, search).

    ``product`` answers about ``product_id``, ``cart`` and ``checkout`` about the products in
    ``cart`` (checkout adds the services that go with them). A customer's hard constraints
    apply at every level; behaviour is used only with tracking consent at level balanced or
    full. ``basis`` says what placed the row's items, so that a shop names the row by it
    ("Picked for you" only for ``declared`` or ``behaviour``).
    """
    customer_id = own_id(caller, customer_id, loc=("query", "customer_id"))
    query = _query(customer_id=customer_id, placement=placement, n=n, product_id=product_id,
                   cart=tuple(cart), exploration=exploration)
    # A plain def, so FastAPI runs it in the thread pool: on the event loop, one wait for a
    # database connection stopped every request of the worker, /healthz included, and the
    # connections it waited for could only come back through that same loop (see the
    # "Never stall" section of docs/benchmarks.md). The session opens and closes inside
    # this one thread call, so its connection never waits for the loop either.
    with _located("query"), runtime.session() as session:
        served = runtime.recommender.serve(session, query)
    # Outside the session: the answer, then its exposures (no request writes them).
    return _answer(served, runtime=runtime, language=language)


@router.post("/v1/recommendations", response_model=RecommendationResult,
             responses=problem_responses(404))
def post_recommendations(query: RecommendationQuery, runtime: Rt, caller: Reader,
                         language: Language) -> Response:
    """The same, with the request as JSON (handy for long carts or search hits)."""
    mine = own_id(caller, query.customer_id, loc=("body", "customer_id"))
    if mine != query.customer_id:
        query = query.model_copy(update={"customer_id": mine})
    # A read-only session: a POST through DbSession would queue for SQLite's write lock.
    with _located("body"), runtime.session() as session:
        served = runtime.recommender.serve(session, query)
    return _answer(served, runtime=runtime, language=language)
