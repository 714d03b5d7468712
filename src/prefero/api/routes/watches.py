"""Watches: "let me know when this is on sale / back in stock", per customer.

Open to a key with the scope (``read`` to list, ``ingest`` to change) or to the customer's own
token. Thin: one service call each; the one error handler answers problem+json.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from prefero.api.deps import DbSession, own_customer
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerId
from prefero.api.problems import problem_responses
from prefero.db.base import utcnow
from prefero.messaging.triggers import watches
from prefero.messaging.triggers.schemas import WatchesOut, WatchIn, WatchOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["watches"])

_OWN_READ = [Depends(own_customer("read"))]
_OWN_INGEST = [Depends(own_customer("ingest"))]

ProductId = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS,
                                description="The product's id in the catalogue")]


@router.get("/{customer_id}/watches", dependencies=_OWN_READ,
            responses=problem_responses(404))
def list_watches(customer_id: CustomerId, session: DbSession) -> WatchesOut:
    """The products the customer watches, newest first."""
    return WatchesOut(items=watches.watches(session, customer_id=customer_id))


@router.put("/{customer_id}/watches/{product_id}", dependencies=_OWN_INGEST,
            responses={201: {"model": WatchOut, "description": "Now watched."},
                       200: {"model": WatchOut, "description": "Changed what is watched for."},
                       **problem_responses(404)})
def put_watch(customer_id: CustomerId, product_id: ProductId, session: DbSession,
              response: Response, body: WatchIn | None = None) -> WatchOut:
    """Watch a product for a lower price, a return to stock, or both (the default);
    201 when new, 200 when it changed what is watched for. Creates the customer; 404 for a
    product the catalogue does not hold."""
    watch, created = watches.put_watch(session, customer_id=customer_id,
                                       product_id=product_id,
                                       what=(body or WatchIn()).what, now=utcnow())
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return watch


@router.delete("/{customer_id}/watches/{product_id}", dependencies=_OWN_INGEST,
               status_code=status.HTTP_204_NO_CONTENT)
def delete_watch(customer_id: CustomerId, product_id: ProductId, session: DbSession) -> None:
    """Stop watching a product; idempotent (204 whether or not it was watched)."""
    watches.unwatch(session, customer_id=customer_id, product_id=product_id)
