"""The one-time exchange: a shop's customer arrives from the shop with a code (from the token
response's ``exchange_url``) and leaves signed in to the preference center.

Two steps, so that a link cannot sign anyone in by itself: ``GET`` only shows a page asking
to continue, and the form it carries (``POST``, with this session's CSRF token) consumes the
code. Otherwise an attacker could send a victim a link with the attacker's own code and
have the victim's browser signed in as the attacker ("login CSRF"), so that whatever the
victim then declares lands in the attacker's account."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt, WriteSession
from prefero.auth.service import EXCHANGE_PATH, exchange_code_usable, redeem_exchange_code
from prefero.runtime import Runtime
from prefero.web.identity import sign_in
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

Code = Annotated[str, Query(max_length=200)]


def _expired(request: Request, session: Session, runtime: Runtime) -> Response:
    return page(request, "exchange_failed.html", session=session, runtime=runtime,
                status_code=410)


@router.get(EXCHANGE_PATH)
def exchange_page(request: Request, session: DbSession, runtime: Rt, code: Code = "") -> Response:
    """Ask the visitor to continue; the code is not consumed. A used, expired or unknown code
    gets a page saying so (410)."""
    if not exchange_code_usable(session, code=code):
        return _expired(request, session, runtime)
    return page(request, "exchange_continue.html", session=session, runtime=runtime,
                code=code)


@router.post(EXCHANGE_PATH)
def exchange(request: Request, session: WriteSession, runtime: Rt,
             code: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Consume the code and sign the browser in as its customer; a used, expired or unknown
    code gets a page saying so (410), and the session is left as it was. A write session:
    redeeming deletes the code."""
    customer_id = redeem_exchange_code(session, code=code)
    if customer_id is None:
        # The failed redemption deleted nothing worth keeping; commit is harmless.
        return _expired(request, session, runtime)
    # A fresh session: nothing of whoever used this browser before carries over. The sign-in
    # time lets the session end with the customer's tokens (web/session_end.py).
    request.session.clear()
    sign_in(request, customer_id, at=time.time())
    return RedirectResponse("/preferences", status_code=303)
