"""The watch button of a product page and the removal from the preference center.

``/watches`` (watch) and ``/watches/remove`` post from the product page with the CSRF token;
htmx swaps the block for its new state, and without JavaScript the answer is ``303 See
Other`` back to the page. ``/preferences/watches/remove`` removes one from the preference
center and goes back to its section. The customer is always the session's visitor.
"""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.catalog.models import Product
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.i18n.catalogues import N_
from prefero.messaging.triggers import watches
from prefero.messaging.triggers.schemas import WatchKind
from prefero.runtime import Runtime
from prefero.web.identity import visitor
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

_KINDS: tuple[str, ...] = get_args(WatchKind)
# The preference center's notice (web/routes/preferences.py reads it from the session).
_NOTICE_KEY = "preferences_notice"
_NO_PRODUCT = N_("This product is not in the shop any more.")

ProductId = Annotated[str, Form(min_length=1, max_length=200)]
Back = Annotated[str, Form(max_length=2000)]


def _local(path: str) -> str:
    """Only a path on this site may be a redirect target (no open redirect)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _answer(request: Request, session: Session, runtime: Runtime, product: Product,
            back: str) -> Response:
    if request.headers.get("hx-request") == "true":
        watching = watches.is_watching(session, customer_id=visitor(request).customer_id,
                                       product_id=product.id)
        return page(request, "storefront/_watch.html", session=session, runtime=runtime,
                    product=product, watching=watching, back=back)
    return RedirectResponse(_local(back), status_code=303)


def _missing(request: Request, session: Session, runtime: Runtime) -> Response:
    return page(request, "storefront/not_found.html", session=session, runtime=runtime,
                status_code=404, message=_NO_PRODUCT)


@router.post("/watches")
def watch_route(request: Request, session: DbSession, runtime: Rt, product_id: ProductId,
                what: Annotated[str, Form(max_length=10)] = "both",
                back: Back = "/") -> Response:
    """Watch the product for a lower price, a return to stock, or both."""
    who = visitor(request)
    product = session.get(Product, product_id)
    if product is None:
        return _missing(request, session, runtime)
    # Anything else than the offered choices (a tampered form) watches for both.
    kind: WatchKind = what if what in _KINDS else "both"  # type: ignore[assignment]
    ensure_customers(session, {who.customer_id: not who.signed_in})
    watches.put_watch(session, customer_id=who.customer_id, product_id=product_id,
                      what=kind, now=utcnow())
    return _answer(request, session, runtime, product, back)


@router.post("/watches/remove")
def unwatch_route(request: Request, session: DbSession, runtime: Rt, product_id: ProductId,
                  back: Back = "/") -> Response:
    """Stop watching, from the product page."""
    product = session.get(Product, product_id)
    if product is None:
        return _missing(request, session, runtime)
    watches.unwatch(session, customer_id=visitor(request).customer_id, product_id=product_id)
    return _answer(request, session, runtime, product, back)


@router.post("/preferences/watches/remove")
def remove_from_preferences(request: Request, session: DbSession,
                            product_id: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Stop watching, from the preference center."""
    product = session.get(Product, product_id)
    removed = watches.unwatch(session, customer_id=visitor(request).customer_id,
                              product_id=product_id)
    if removed and product is not None:
        notice = {"text": N_("The alert for {what} is off."), "values": {"what": product.title}}
    else:
        notice = {"text": N_("There was nothing to remove."), "values": {}}
    request.session[_NOTICE_KEY] = notice
    return RedirectResponse("/preferences#watches", status_code=303)
