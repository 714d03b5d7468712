"""The search box's suggestions, as the shopper types: an HTML fragment htmx puts under the
box (``storefront/_suggestions.html``), from the same service as the API's
``/v1/search/suggest`` (``prefero.search.suggest``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.search.suggest import suggest
from prefero.web.identity import visitor
from prefero.web.render import page

router = APIRouter()


@router.get("/search/suggest")
def suggestions(request: Request, session: DbSession, runtime: Rt,
                q: Annotated[str, Query(max_length=200)] = "") -> Response:
    found = (suggest(session, runtime.recommender, query=q,
                     customer_id=visitor(request).customer_id)
             if q.strip() else None)
    return page(request, "storefront/_suggestions.html", session=session, runtime=runtime,
                found=found)
