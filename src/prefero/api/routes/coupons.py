"""Customer-chosen coupons. The shop's pools (``/v1/coupon-pools``) are read with a read key
and written with the admin key, every write in the audit log; a customer's coupons
(``/v1/customers/{id}/coupons``) are open to an ingest or read key and to the customer's
own token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, own_customer, require
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.coupons import service
from prefero.coupons.schemas import CouponChoice, CouponOut, Pool, PoolIn, PoolStats
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["coupons"])

_ADMIN = Depends(require("admin"))
_READ = [Depends(require("read"))]
_POOL = ("coupon_pool", "pool_id")
_CUSTOMER = ("customer", "customer_id")

PoolId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The pool's id.")]


class Pools(BaseModel):
    items: list[Pool]


class CustomerCoupons(BaseModel):
    items: list[CouponOut]
    open_pools: list[Pool]


@contextmanager
def _in_body() -> Iterator[None]:
    """The service points into the body from its root; FastAPI's own errors start with
    "body". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/coupon-pools", dependencies=_READ)
def list_pools(session: DbSession, runtime: Rt) -> Pools:
    """Every pool, the newest first, with how many codes remain."""
    return Pools(items=service.list_pools(session, settings=runtime.settings))


@router.post("/coupon-pools", status_code=status.HTTP_201_CREATED,
             dependencies=[_ADMIN, Depends(audited("coupons.pools.add"))])
def add_pool(body: PoolIn, session: DbSession, runtime: Rt) -> Pool:
    """Open a pool, e.g. ``{"name": "Your beauty coupon", "percent_off": 15, "codes_total":
    500, "valid_from": "2026-12-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z",
    "category_roots": ["Beauty"]}``. Every wrong field is named: an unknown category at
    ``["body", "category_roots", 0]``, both discounts at ``["body", "percent_off"]``."""
    index = runtime.recommender.snapshot(session)[0]
    with _in_body():
        return service.add_pool(session, body, index=index, settings=runtime.settings)


@router.get("/coupon-pools/{pool_id}", dependencies=_READ, responses=problem_responses(404))
def get_pool(pool_id: PoolId, session: DbSession, runtime: Rt) -> Pool:
    """One pool."""
    return service.get_pool(session, pool_id, settings=runtime.settings)


@router.put("/coupon-pools/{pool_id}", responses=problem_responses(404),
            dependencies=[_ADMIN, Depends(audited("coupons.pools.write", target=_POOL))])
def update_pool(pool_id: PoolId, body: PoolIn, session: DbSession, runtime: Rt) -> Pool:
    """Replace a pool's terms (not below the codes already handed out)."""
    index = runtime.recommender.snapshot(session)[0]
    with _in_body():
        return service.update_pool(session, pool_id, body, index=index,
                                   settings=runtime.settings)


@router.delete("/coupon-pools/{pool_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=problem_responses(404, 409),
               dependencies=[_ADMIN, Depends(audited("coupons.pools.delete", target=_POOL))])
def delete_pool(pool_id: PoolId, session: DbSession) -> Response:
    """Delete a pool nobody holds a code of; to end one, move its ``valid_until``."""
    service.delete_pool(session, pool_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/coupon-pools/{pool_id}/stats", dependencies=_READ,
            responses=problem_responses(404))
def pool_stats(pool_id: PoolId, session: DbSession, runtime: Rt) -> PoolStats:
    """Which categories and products customers chose, most chosen first, and the codes
    remaining."""
    return service.pool_stats(session, pool_id, settings=runtime.settings)


@router.get("/customers/{customer_id}/coupons",
            dependencies=[Depends(own_customer("read"))])
def customer_coupons(customer_id: CustomerId, session: DbSession, runtime: Rt
                     ) -> CustomerCoupons:
    """The customer's codes and the pools they may still choose from."""
    settings = runtime.settings
    held = service.customer_coupons(session, customer_id=customer_id, settings=settings)
    taken = {coupon.pool_id for coupon in held}
    open_now = [pool for pool in service.open_pools(session, now=utcnow(), settings=settings)
                if pool.id not in taken]
    return CustomerCoupons(items=held, open_pools=open_now)


@router.post("/customers/{customer_id}/coupons", status_code=status.HTTP_201_CREATED,
             responses={**problem_responses(409),
                        200: {"model": CouponOut, "description": "The code already held"}},
             dependencies=[Depends(own_customer("ingest")),
                           Depends(audited("coupons.choose", target=_CUSTOMER))])
def choose_coupon(customer_id: CustomerId, body: CouponChoice, session: DbSession,
                  runtime: Rt, response: Response) -> CouponOut:
    """Choose what a code from an open pool applies to: ``{"pool_id": 1, "category":
    "Beauty > Skincare"}`` or ``{"pool_id": 1, "product_id": "p-42"}``. One code per
    customer per pool: asking again answers the code held (200). A choice the pool does
    not offer: 422 at ``["body", "category"]`` or ``["body", "product_id"]``; a closed or
    used-up pool: 409."""
    index = runtime.recommender.snapshot(session)[0]
    with _in_body():
        coupon, created = service.choose(session, customer_id=customer_id, choice=body,
                                         index=index, settings=runtime.settings,
                                         now=utcnow())
    if not created:
        response.status_code = status.HTTP_200_OK
    return coupon
