"""Routes for the brands and categories a customer follows: listed with a read key or the
customer's own token, changed with an ingest key or that token.

The followed value is the path's last part (a category path may keep its slashes:
``/follows/category/Fashion/Shoes`` is "Fashion > Shoes"). Following twice, or unfollowing
what is not followed, changes nothing: both are safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, own_customer
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerId
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.follows import service
from prefero.follows.schemas import FollowKind, FollowOut, Follows

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["follows"])

_OWN_INGEST = Depends(own_customer("ingest"))
_OWN_READ = [Depends(own_customer("read"))]
_CUSTOMER = ("customer", "customer_id")

Kind = Annotated[FollowKind, Path(description="What is followed: a brand or a category")]
Value = Annotated[str, Path(min_length=1, max_length=500, pattern=NO_CONTROL_CHARACTERS,
                            description="The brand, or the category path ('>' or '/' "
                                        "between its parts)", examples=["Acme"])]


@contextmanager
def _in_path() -> Iterator[None]:
    """The service names the field (``kind``, ``value``); here both come from the path."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("path", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/{customer_id}/follows", dependencies=_OWN_READ)
def list_follows(customer_id: CustomerId, session: DbSession, runtime: Rt) -> Follows:
    """The brands and categories the customer follows (empty for an unknown customer)."""
    index = runtime.recommender.snapshot(session)[0]
    return Follows(items=service.follows(session, customer_id=customer_id, index=index),
                   limit=runtime.settings.follows_max)


@router.put("/{customer_id}/follows/{kind}/{value:path}",
            dependencies=[_OWN_INGEST, Depends(audited("follows.write", target=_CUSTOMER))],
            responses=problem_responses(409))
def put_follow(customer_id: CustomerId, kind: Kind, value: Value, session: DbSession,
               runtime: Rt) -> FollowOut:
    """Follow a brand or category the catalogue carries (creates the customer). A value no
    product has is refused at ``["path", "value"]``; past the limit per customer: 409."""
    index = runtime.recommender.snapshot(session)[0]
    with _in_path():
        return service.follow(session, customer_id=customer_id, kind=kind, value=value,
                              index=index, settings=runtime.settings)


@router.delete("/{customer_id}/follows/{kind}/{value:path}",
               status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               dependencies=[_OWN_INGEST,
                             Depends(audited("follows.delete", target=_CUSTOMER))])
def delete_follow(customer_id: CustomerId, kind: Kind, value: Value, session: DbSession,
                  runtime: Rt) -> Response:
    """Stop following; answers 204 whether or not it was followed."""
    index = runtime.recommender.snapshot(session)[0]
    service.unfollow(session, customer_id=customer_id, kind=kind, value=value, index=index)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
