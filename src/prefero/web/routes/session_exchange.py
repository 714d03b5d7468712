"""The one-time exchange: a shop's customer arrives from the shop with a code (from the token
response's ``exchange_url``) and leaves signed in to the preference center."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.auth.service import EXCHANGE_PATH, redeem_exchange_code
from prefero.web.identity import sign_in
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()


@router.get(EXCHANGE_PATH)
def exchange(request: Request, session: DbSession, runtime: Rt,
             code: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Consume the code and sign the browser in as its customer; a used, expired or unknown
    code gets a page saying so (410), and the session is left as it was."""
    customer_id = redeem_exchange_code(session, code=code)
    if customer_id is None:
        # The failed redemption deleted nothing worth keeping; commit is harmless.
        return page(request, "exchange_failed.html", session=session, runtime=runtime,
                    status_code=410)
    # A fresh session: nothing of whoever used this browser before carries over.
    request.session.clear()
    sign_in(request, customer_id)
    return RedirectResponse("/preferences", status_code=303)
