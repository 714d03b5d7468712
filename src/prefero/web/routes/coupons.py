"""The shopper's coupons page: the pools open now, each with the categories and products the
shopper may choose for their code, and the codes they hold.

Choosing posts the pool and one option ("category:<path>" or "product:<id>") and answers
``303 See Other`` back to the page, which then shows the new code; a refused choice shows the
page again with the reason beside the pool and changes nothing. The customer is always the
session's signed-in account holder: no route reads a customer id from the request, and an
anonymous visitor is invited to sign in instead (a fresh cookie is not a new customer with
a claim on the pool). What may be chosen, within the customer's own rules, is the
service's (``prefero.coupons.service.open_choices``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Annotated

from babel.dates import format_date
from babel.numbers import format_percent
from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.coupons import service
from prefero.coupons.schemas import CouponChoice, CouponOut
from prefero.db.base import utcnow
from prefero.errors import Conflict, InvalidInput
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.web.i18n import language_of
from prefero.web.identity import visitor
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

PAGE = "/coupons"
_NOT_OFFERED = N_("Choose one of the listed categories or products.")
_CLOSED = N_("This coupon is no longer available: the offer has ended or every code is taken.")
_SIGN_IN = N_("Sign in to choose a coupon.")


def _render(request: Request, session: Session, runtime: Runtime, *,
            problem: tuple[int, str] | None = None, chosen: str = "",
            status_code: int = 200) -> Response:
    who = visitor(request)
    held: list[CouponOut] = []
    open_now: list[service.OpenChoice] = []
    titles: dict[str, str] = {}
    if who.signed_in:
        settings = runtime.settings
        index = runtime.recommender.snapshot(session)[0]
        held = service.customer_coupons(session, customer_id=who.account_id,
                                        settings=settings)
        open_now = service.open_choices(session, customer_id=who.account_id, index=index,
                                        settings=settings, now=utcnow())
        titles = service.product_titles(held, index)
    fresh = request.session.pop("coupon_chosen", None)
    return page(request, "storefront/coupons.html", session=session, runtime=runtime,
                status_code=status_code, held=held, open_pools=open_now, titles=titles,
                problem=problem, chosen=chosen, fresh=fresh, signed_in=who.signed_in,
                percent=partial(_percent, language=language_of(request)),
                last_day=partial(_last_day, language=language_of(request)))


def _last_day(until: datetime, *, language: str) -> str:
    """The last day a code works (``valid_until`` is the first moment it no longer does),
    as the page's language writes a date."""
    return format_date((until - timedelta(microseconds=1)).date(), format="long",
                       locale=language)


def _percent(value: Decimal, *, language: str) -> str:
    """15.00 → "15%" as the page's language writes it."""
    return format_percent(value / 100, locale=language, decimal_quantization=False)


@router.get(PAGE)
def coupons_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    return _render(request, session, runtime)


@router.post(PAGE)
def choose_route(request: Request, session: DbSession, runtime: Rt,
                 pool_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
                 option: Annotated[str, Form(max_length=800)] = "") -> Response:
    """Take a code from ``pool_id`` for the chosen category or product (signed in only:
    each new anonymous cookie would otherwise take another code from the pool)."""
    who = visitor(request)
    if not who.signed_in:
        return _render(request, session, runtime, problem=(pool_id, _SIGN_IN),
                       status_code=403)
    kind, _, value = option.partition(":")
    choice = CouponChoice.model_construct(
        pool_id=pool_id, category=value if kind == "category" and value else None,
        product_id=value if kind == "product" and value else None)
    index = runtime.recommender.snapshot(session)[0]
    try:
        coupon, _created = service.choose(session, customer_id=who.account_id,
                                          choice=choice, index=index,
                                          settings=runtime.settings, now=utcnow())
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        message = _CLOSED if isinstance(exc, Conflict) else _NOT_OFFERED
        return _render(request, session, runtime, problem=(pool_id, message), chosen=option,
                       status_code=409 if isinstance(exc, Conflict) else 422)
    request.session["coupon_chosen"] = coupon.code
    return RedirectResponse(f"{PAGE}#coupon-{coupon.pool_id}", status_code=303)
