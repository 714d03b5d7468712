"""One-click unsubscribe from one trigger's messages (the link every message carries).

``GET`` shows what will stop, with a button; ``POST`` stops it. The POST is RFC 8058's
one-click: a mail client sends it with no session and no CSRF token, so this router is
mounted without the CSRF guard. The signed token in the link is the proof instead
(``prefero.messaging.unsubscribe``): a bad or expired one changes nothing and says so.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.customers.repository import get_customer
from prefero.db.base import utcnow
from prefero.errors import InvalidToken, TokenExpired
from prefero.messaging.terms import set_trigger
from prefero.messaging.unsubscribe import PATH, Unsubscribe, verify_unsubscribe
from prefero.messaging.wording import TRIGGER_NAMES
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

Token = Annotated[str, Query(max_length=2000)]


def _verified(runtime: Rt, token: str) -> tuple[Unsubscribe | None, str | None]:
    try:
        return verify_unsubscribe(runtime.settings, token), None
    except TokenExpired:
        return None, "expired"
    except InvalidToken:
        return None, "invalid"


@router.get(PATH)
def confirm_page(request: Request, session: DbSession, runtime: Rt,
                 token: Token = "") -> Response:
    found, problem = _verified(runtime, token)
    return page(request, "storefront/unsubscribe.html", session=session, runtime=runtime,
                status_code=200 if found else 400, token=token, problem=problem, done=False,
                what=TRIGGER_NAMES[found.trigger] if found else None)


@router.post(PATH)
def unsubscribe(request: Request, session: DbSession, runtime: Rt, token: Token = "",
                form_token: Annotated[str, Form(alias="token", max_length=2000)] = ""
                ) -> Response:
    found, problem = _verified(runtime, token or form_token)
    if found is not None and get_customer(session, found.customer_id) is not None:
        set_trigger(session, customer_id=found.customer_id, trigger=found.trigger, on=False,
                    settings=runtime.settings, now=utcnow())
    return page(request, "storefront/unsubscribe.html", session=session, runtime=runtime,
                status_code=200 if found else 400, token="", problem=problem,
                done=found is not None, what=TRIGGER_NAMES[found.trigger] if found else None)
