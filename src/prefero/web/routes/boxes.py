"""The taste box pages: subscribe to a box (theme, cadence, budget), see the current and past
deliveries with pictures and prices, rate each item with 1–5 stars, and "Running low?":
what the customer's own purchase cadence says is due again.

Forms post and answer ``303 See Other`` back to the page, so everything works without
JavaScript; the star ratings also post by htmx and swap the rated item in place. Bad input
re-renders the page with the message next to its field (422; 200 to htmx, which swaps 2xx
only) and changes nothing. The customer is always the session's visitor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from babel.dates import format_date
from babel.numbers import get_currency_symbol
from fastapi import APIRouter, Form, Path
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.boxes import service
from prefero.boxes.replenishment import Replenishment, due_soon, replenishments
from prefero.boxes.schemas import (
    MAX_BUDGET,
    MAX_CADENCE_DAYS,
    BoxChange,
    BoxIn,
    BoxOut,
    DeliveryOut,
)
from prefero.boxes.themes import themes
from prefero.customers.repository import ensure_customers, get_customer
from prefero.db.base import utcnow
from prefero.errors import InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.web.form_numbers import whole_number
from prefero.web.i18n import LANGUAGES, language_of
from prefero.web.identity import visitor
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

PAGE = "/boxes"
#: Cadences the form offers (the API takes any number of days up to a year).
CADENCES = (7, 14, 30, 60)
RATINGS = (1, 2, 3, 4, 5)

BUDGET_MESSAGE = N_("Enter the most one box may cost, e.g. 120 or 99.90.")
THEME_MESSAGE = N_("Choose one of the boxes listed.")
CADENCE_MESSAGE = N_("Choose how often the box comes.")
RATING_MESSAGE = N_("Choose from 1 to 5 stars.")

BoxId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]
ProductId = Annotated[str, Path(min_length=1, max_length=200)]


@dataclass(frozen=True)
class _Problem(Exception):
    errors: dict[str, str]
    submitted: dict[str, str]


@dataclass(frozen=True)
class _Shown:
    """One box as the page shows it: dates already in the page's language."""

    box: BoxOut
    next: str | None
    latest: DeliveryOut | None
    past: list[DeliveryOut]
    dates: dict[int, str]


def _day(value: datetime | date, language: str) -> str:
    return format_date(value, format="long", locale=language)


def _render(request: Request, session: Session, runtime: Runtime, *,
            errors: dict[str, str] | None = None, submitted: dict[str, str] | None = None,
            status_code: int = 200) -> Response:
    who = visitor(request)
    language = language_of(request)
    known = get_customer(session, who.customer_id) is not None
    boxes = service.list_boxes(session, customer_id=who.customer_id) if known else []
    shown = []
    for box in boxes:
        history = service.deliveries(session, customer_id=who.customer_id, box_id=box.id)
        shown.append(_Shown(box=box, latest=history[0] if history else None, past=history[1:],
                            next=_day(box.next_delivery_at, language)
                            if box.next_delivery_at is not None else None,
                            dates={d.number: _day(d.composed_at, language) for d in history}))
    running_low: list[Replenishment] = []
    if known:
        running_low = due_soon(replenishments(session, customer_id=who.customer_id,
                                              settings=runtime.settings),
                               now=utcnow(), lead_days=runtime.settings.replenishment_lead_days)
    return page(request, "storefront/boxes.html", session=session, runtime=runtime,
                status_code=status_code, boxes=shown, themes=themes(runtime.settings),
                cadences=CADENCES, ratings=RATINGS, running_low=running_low,
                day=lambda value: _day(value, language),
                errors=errors or {}, submitted=submitted or {},
                active=any(entry.box.status != "cancelled" for entry in shown))


@router.get(PAGE)
def boxes_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    return _render(request, session, runtime)


_AMOUNT = re.compile(r"[0-9][0-9.,]*")


def _budget(text: str, submitted: dict[str, str], *, currency: str) -> Decimal:
    """An amount as a shopper types it: "120", "99,90", "1 299,90 zł", "PLN 120"; nothing
    else (no sign, no exponent)."""
    cleaned = "".join(text.split()).casefold()
    marks = {currency, *(get_currency_symbol(currency, locale=code) for code in LANGUAGES)}
    for mark in sorted((m.casefold() for m in marks if m), key=len, reverse=True):
        cleaned = cleaned.removeprefix(mark).removesuffix(mark)
    if not _AMOUNT.fullmatch(cleaned):
        raise _Problem({"box-budget": BUDGET_MESSAGE}, submitted)
    if "," in cleaned and "." in cleaned:
        point = max(cleaned.rfind(","), cleaned.rfind("."))
        cleaned = cleaned[:point].replace(",", "").replace(".", "") + "." + cleaned[point + 1:]
    cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise _Problem({"box-budget": BUDGET_MESSAGE}, submitted) from None
    if amount <= 0 or amount > MAX_BUDGET or amount != amount.quantize(Decimal("0.01")):
        raise _Problem({"box-budget": BUDGET_MESSAGE}, submitted)
    return amount


def _fail(request: Request, session: Session, runtime: Runtime, problem: _Problem
          ) -> Response:
    session.rollback()
    htmx = request.headers.get("hx-request") == "true"
    return _render(request, session, runtime, errors=problem.errors,
                   submitted=problem.submitted, status_code=200 if htmx else 422)


@router.post(PAGE)
def subscribe_route(request: Request, session: DbSession, runtime: Rt,
                    theme: Annotated[str, Form(max_length=50)] = "",
                    cadence: Annotated[str, Form(max_length=10)] = "",
                    budget: Annotated[str, Form(max_length=40)] = "") -> Response:
    submitted = {"box-theme": theme, "box-cadence": cadence, "box-budget": budget}
    who = visitor(request)
    try:
        errors: dict[str, str] = {}
        if theme not in {offered.key for offered in themes(runtime.settings)}:
            errors["box-theme"] = THEME_MESSAGE
        days = whole_number(cadence, least=1, most=MAX_CADENCE_DAYS)
        if days is None:
            errors["box-cadence"] = CADENCE_MESSAGE
        try:
            amount = _budget(budget, submitted, currency=runtime.settings.shop_currency)
        except _Problem as problem:
            errors.update(problem.errors)
        if errors or days is None:
            raise _Problem(errors, submitted)
        ensure_customers(session, {who.customer_id: not who.signed_in})
        service.subscribe(session, customer_id=who.customer_id, now=utcnow(),
                          settings=runtime.settings, schema=runtime.facet_schema,
                          box=BoxIn(theme=theme, cadence_days=days, budget=amount))
    except _Problem as problem:
        return _fail(request, session, runtime, problem)
    except InvalidInput:
        return _fail(request, session, runtime, _Problem({"box-theme": THEME_MESSAGE},
                                                         submitted))
    return RedirectResponse(f"{PAGE}#boxes", status_code=303)


def _set_status(request: Request, session: Session, box_id: int, status: str) -> Response:
    who = visitor(request)
    now = utcnow()
    if status == "cancelled":
        service.cancel_box(session, customer_id=who.customer_id, box_id=box_id, now=now)
    else:
        service.change_box(session, customer_id=who.customer_id, box_id=box_id, now=now,
                           change=BoxChange(status="paused" if status == "paused"
                                            else "active"))
    return RedirectResponse(f"{PAGE}#box-{box_id}", status_code=303)


@router.post(f"{PAGE}/{{box_id}}/pause")
def pause_route(request: Request, session: DbSession, box_id: BoxId) -> Response:
    return _set_status(request, session, box_id, "paused")


@router.post(f"{PAGE}/{{box_id}}/resume")
def resume_route(request: Request, session: DbSession, box_id: BoxId) -> Response:
    return _set_status(request, session, box_id, "active")


@router.post(f"{PAGE}/{{box_id}}/cancel")
def cancel_route(request: Request, session: DbSession, box_id: BoxId) -> Response:
    return _set_status(request, session, box_id, "cancelled")


def _item_context(delivery: DeliveryOut, product_id: str) -> dict[str, Any]:
    for item in delivery.items:
        if item.product_id == product_id:
            return {"item": item}
    raise NotFound(f"no product {product_id!r} in delivery {delivery.number}")


@router.post(f"{PAGE}/{{box_id}}/deliveries/{{number}}/items/{{product_id}}/rating")
def rate_route(request: Request, session: DbSession, runtime: Rt, box_id: BoxId,
               number: Number, product_id: ProductId,
               rating: Annotated[str, Form(max_length=2)] = "") -> Response:
    who = visitor(request)
    htmx = request.headers.get("hx-request") == "true"
    anchor = f"item-{box_id}-{number}-{product_id}"
    error = None
    stars = whole_number(rating, most=max(RATINGS))
    if stars in RATINGS:
        service.rate_item(session, customer_id=who.customer_id, box_id=box_id, number=number,
                          product_id=product_id, rating=stars, now=utcnow())
    else:
        error = RATING_MESSAGE
    if not htmx:
        if error is not None:
            return _render(request, session, runtime, errors={anchor: error},
                           status_code=422)
        return RedirectResponse(f"{PAGE}#{anchor}", status_code=303)
    [delivery] = [d for d in service.deliveries(session, customer_id=who.customer_id,
                                                box_id=box_id) if d.number == number]
    return page(request, "storefront/_box_item.html", session=session, runtime=runtime,
                box_id=box_id, delivery=delivery, ratings=RATINGS, errors={anchor: error}
                if error else {}, just_rated=error is None, **_item_context(delivery,
                                                                            product_id))
