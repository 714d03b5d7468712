"""Recommendations for a placement, each item with its reasons."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query
from pydantic import ValidationError
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt, require
from prefero.errors import FieldError, InvalidInput
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.types import Placement

router = APIRouter(tags=["recommendations"], dependencies=[Depends(require("read"))])


def _query(**fields: object) -> RecommendationQuery:
    try:
        return RecommendationQuery.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(
            "invalid recommendation request",
            [FieldError(("query", *e["loc"]), e["msg"]) for e in exc.errors()],
        ) from exc


def _answer(result: RecommendationResult) -> Response:
    # orjson straight from the model dump: this is the hottest endpoint.
    return Response(orjson.dumps(result.model_dump()), media_type="application/json")


@router.get("/v1/recommendations", response_model=RecommendationResult)
def get_recommendations(
    session: DbSession,
    runtime: Rt,
    customer_id: Annotated[str | None, Query(max_length=200)] = None,
    placement: Placement = "home",
    n: Annotated[int, Query(ge=1, le=100)] = 10,
    product_id: Annotated[str | None, Query(max_length=200)] = None,
    cart: Annotated[list[str] | None, Query(max_length=200)] = None,
    exploration: bool | None = None,
) -> Response:
    """Recommendations for ``placement`` (home, product, cart, search).

    A customer's hard constraints apply at every level; behaviour is used only with tracking
    consent at level balanced or full.
    """
    query = _query(customer_id=customer_id, placement=placement, n=n, product_id=product_id,
                   cart=tuple(cart or ()), exploration=exploration)
    return _answer(runtime.recommender.recommend(session, query))


@router.post("/v1/recommendations", response_model=RecommendationResult)
def post_recommendations(query: RecommendationQuery, session: DbSession, runtime: Rt
                         ) -> Response:
    """The same, with the request as JSON (handy for long carts or search hits)."""
    return _answer(runtime.recommender.recommend(session, query))
