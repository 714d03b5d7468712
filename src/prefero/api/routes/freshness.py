"""The customer confirms that declared values still hold (``prefero.customers.confirmation``).

Thin on purpose: one service call; the one error handler turns ``PreferoError`` into
problem+json. Which values are stale is answered by ``GET /v1/customers/{id}/preferences``
(``stale``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from prefero.api.audit import audited
from prefero.api.deps import DbSession, own_customer
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.customers.confirmation import ConfirmIn, ConfirmOut, confirm_values
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.post("/{customer_id}/preferences/confirm",
             dependencies=[Depends(own_customer("ingest")),
                           Depends(audited("preferences.confirm",
                                           target=("customer", "customer_id")))],
             responses=problem_responses(404))
def confirm(customer_id: CustomerId, body: ConfirmIn, session: DbSession) -> ConfirmOut:
    """Confirm that declared values still hold: each listed value (as `GET .../preferences`
    answers it), or the whole profile when `values` is left out. Nothing else changes; a like
    that had lost weight for being stale gets it back at once. A value the profile does not
    hold is refused with its path, and nothing is confirmed."""
    try:
        return confirm_values(session, customer_id=customer_id, values=body.values,
                              now=utcnow())
    except InvalidInput as exc:
        # The service points into the body from its root, FastAPI's own errors from "body".
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc
