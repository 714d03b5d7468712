"""Catalog routes: products one by one, listing, deactivation and feed import.

Handlers only translate HTTP to service calls; errors are ``PreferoError``s that the one
handler in ``api/errors.py`` turns into problem+json.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, require
from prefero.api.problems import problem_responses
from prefero.api.upload import SPOOLED_BODY, SpooledBody
from prefero.catalog import service
from prefero.catalog.feeds import FeedFormat
from prefero.catalog.schemas import ImportReport, ProductIn, ProductOut, ProductPage
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

router = APIRouter(tags=["catalog"])

_ADMIN = [Depends(require("admin"))]
_READ = [Depends(require("read"))]
_WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    201: {"model": ProductOut, "description": "Created."},
    200: {"model": ProductOut, "description": "Replaced."},
}

ProductIdPath = Annotated[str, Path(min_length=1, max_length=200,
                                    description="Product id; any characters except '/'.")]


def _store(session: DbSession, runtime: Rt, item: ProductIn, response: Response) -> ProductOut:
    product, created = service.put_product(session, item, schema=runtime.facet_schema,
                                           converter=runtime.currency_converter)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return ProductOut.model_validate(product)


@router.post("/v1/products",
             dependencies=[*_ADMIN, Depends(audited("product.write"))], responses=_WRITE_RESPONSES,
             status_code=status.HTTP_201_CREATED)
def create_or_replace_product(item: ProductIn, session: DbSession, runtime: Rt,
                              response: Response) -> ProductOut:
    """Create a product, or replace the one with the same id (201 created, 200 replaced).

    A price in another currency than the shop's is stored converted with the shop's rate
    (the answer shows the stored price), or refused (422, ``loc = ["currency"]``) when the
    shop has no rate for it."""
    return _store(session, runtime, item, response)


@router.put("/v1/products/{product_id}", responses=_WRITE_RESPONSES, dependencies=[
    *_ADMIN, Depends(audited("product.write", target=("product", "product_id")))])
def put_product(product_id: ProductIdPath, item: ProductIn, session: DbSession, runtime: Rt,
                response: Response) -> ProductOut:
    """Create or replace the product at this id; the body's id must match the path."""
    if item.id != product_id:
        raise InvalidInput("the body's id differs from the id in the path", [
            FieldError(("body", "id"), f"must be {product_id!r}, the id in the path"),
        ])
    return _store(session, runtime, item, response)


@router.get("/v1/products/{product_id}", dependencies=_READ, responses=problem_responses(404))
def get_product(product_id: ProductIdPath, session: DbSession) -> ProductOut:
    """One product; every facet value (brand, category, colour, size...) is under ``facets``."""
    return ProductOut.model_validate(service.get_product(session, product_id))


@router.get("/v1/products", dependencies=_READ)
def list_products(
    session: DbSession,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
    category: Annotated[str | None, Query(
        description="Category path; includes its subcategories.")] = None,
    active: Annotated[bool | None, Query(description="Only active (or inactive) ones.")] = None,
) -> ProductPage:
    """Products ordered by id, a page at a time."""
    return service.list_products(session, cursor=cursor, limit=limit, active=active,
                                 category_prefix=category)


@router.post("/v1/products/{product_id}/deactivate", dependencies=[
    *_ADMIN, Depends(audited("product.deactivate", target=("product", "product_id")))],
             responses=problem_responses(404))
def deactivate_product(product_id: ProductIdPath, session: DbSession) -> ProductOut:
    """Hide a product from recommendations and search; it is never deleted."""
    return ProductOut.model_validate(service.deactivate_product(session, product_id))


@router.post(
    "/v1/catalog/import",
    dependencies=[*_ADMIN, Depends(audited("catalog.import", body=SPOOLED_BODY))],
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "application/xml": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    }}},
)
def import_catalog(
    # Spooled to a temporary file as it arrives and parsed from there, never held whole;
    # a dependency so that the handler itself can stay sync (the import is blocking
    # database work and runs in the threadpool).
    body: SpooledBody,
    session: DbSession,
    runtime: Rt,
    format: Annotated[FeedFormat | None, Query(description="Detected when left out.")] = None,
    skip_bad_rows: Annotated[bool, Query(
        description="Store the good rows and list the bad ones instead of refusing.")] = False,
    full: Annotated[bool, Query(
        description="The feed is the whole catalogue: deactivate the active products it "
                    "does not list.")] = False,
) -> ImportReport:
    """Import a product feed sent as the raw body (Merchant Center CSV/TSV, RSS/Atom XML or
    JSON Lines; Shopify and WooCommerce product exports). Any row error refuses the whole
    feed (422, problem+json with ``errors[].loc = ["rows", line, column]``) unless
    ``skip_bad_rows`` is set. Prices in another currency than the shop's are converted with
    the shop's rates (``converted`` in the report); a row in a currency without a rate is a
    row error on its price. Products given as stored are left as they are (``unchanged``);
    with ``full``, active products the feed does not list are deactivated."""
    return service.import_feed(session, body, schema=runtime.facet_schema,
                               converter=runtime.currency_converter, format=format,
                               skip_bad_rows=skip_bad_rows, full=full)
