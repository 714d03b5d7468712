"""Customer tokens: the shop's sign-in service asks for one when its customer signs in.

Thin on purpose: each handler checks the key's scope and calls one service function.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, require
from prefero.api.links import THE_SAME_CUSTOMER, links
from prefero.api.params import CustomerId
from prefero.auth import service
from prefero.auth.service import RevocationOut, TokenOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["tokens"],
                   dependencies=[Depends(require("token"))])


@router.post("/{customer_id}/tokens", status_code=status.HTTP_201_CREATED, dependencies=[
    Depends(audited("token.issue", target=("customer", "customer_id")))],
    responses=links(201, ("RevokeTokens", "delete", "/v1/customers/{customer_id}/tokens"),
                    parameters=THE_SAME_CUSTOMER))
def issue(customer_id: CustomerId, session: DbSession, runtime: Rt) -> TokenOut:
    """Issue a short-lived token for a customer the shop has signed in (`token` scope).

    The shop's page sends it as `Authorization: Bearer <token>`; it reaches only this
    customer's own data. `exchange_url` opens the preference center once, signed in."""
    return service.issue_token(session, customer_id=customer_id, settings=runtime.settings)


@router.delete("/{customer_id}/tokens", dependencies=[
    Depends(audited("token.revoke", target=("customer", "customer_id")))])
def revoke(customer_id: CustomerId, session: DbSession) -> RevocationOut:
    """Revoke every token issued to the customer until now (at sign-out, or when a device is
    lost); tokens issued afterwards work."""
    return service.revoke_tokens(session, customer_id=customer_id)
