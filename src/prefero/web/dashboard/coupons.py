"""Customer-chosen coupons in the dashboard: each pool with its discount, dates and codes
remaining, and a chart of what customers chose its codes for; marketers and administrators
open a new pool with the form below.

The pools live in ``prefero.coupons.service``, which checks them; this module translates the
form into a ``PoolIn`` and back. A refused form comes back with each wrong field named and
nothing stored; a pool added is in the audit log under the staff member's name
(``coupons.pools.add``, as the API records it).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from babel.numbers import format_percent
from fastapi import APIRouter, Depends, Form
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt
from prefero.coupons import service
from prefero.coupons.schemas import Pool, PoolIn
from prefero.errors import InvalidInput
from prefero.i18n.catalogues import N_
from prefero.i18n.formats import money
from prefero.runtime import Runtime
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="coupons", path="/dashboard/coupons",
                        label=N_("Coupons"), role="read_only", order=57))
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]

_FIELD_MESSAGES = {
    "name": N_("Give the pool a name."),
    "discount": N_("Enter a discount above 0 (a percentage up to 100)."),
    "codes_total": N_("Enter how many codes, at least 1 (and not fewer than handed out)."),
    "valid_from": N_("Enter a date like 2026-12-01."),
    "valid_until": N_("Enter a date after the start."),
    "categories": N_("Enter categories the shop has, one per line, or products below."),
    "products": N_("Enter product ids the shop has, separated by commas."),
}
# The service's field → the form's.
_FIELDS = {"name": "name", "percent_off": "discount", "amount_off": "discount",
           "codes_total": "codes_total", "valid_from": "valid_from",
           "valid_until": "valid_until", "category_roots": "categories",
           "product_ids": "products"}


def _say(t: Translator, field: str) -> str:
    """The form field's message in the page's language."""
    return t(_FIELD_MESSAGES[field])


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _discount(pool: Pool, runtime: Runtime, language: str) -> str:
    if pool.percent_off is not None:
        return format_percent(pool.percent_off / 100, locale=language,
                              decimal_quantization=False)
    return money(pool.amount_off or Decimal(0), runtime.shop_currency, language)


def _chosen(session: Session, pool: Pool, t: Translator, n: Numbers, runtime: Runtime
            ) -> Figure:
    stats = service.pool_stats(session, pool.id, settings=runtime.settings)
    index = runtime.recommender.snapshot(session)[0]
    labels = []
    for chosen in stats.chosen:
        if chosen.applies_kind == "category":
            labels.append(runtime.facet_schema.path_in(chosen.applies_value, t.language))
        else:
            position = index.position.get(chosen.applies_value)
            labels.append(index.titles[position] if position is not None
                          else t("A product that is no longer in the shop"))
    counts = [c.count for c in stats.chosen]
    return figure(
        Chart(key=f"pool-{pool.id}", title=t("Chosen in “{name}”", name=pool.name),
              labels=labels, series=[Series(t("Codes"), counts)], number=n.count),
        columns=[t("Chosen for"), t("Codes")],
        rows=[[label, n.count(count)] for label, count in zip(labels, counts, strict=True)],
        note=t("{remaining} of {total} codes remain.", remaining=n.count(pool.remaining),
               total=n.count(pool.codes_total)))


def _page(request: Request, staff: StaffOut, session: Session, runtime: Runtime, *,
          form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    t = _t(request)
    n = Numbers(t)
    pools = service.list_pools(session, settings=runtime.settings)
    now = datetime.now(UTC)
    rows = [{"pool": pool, "discount": _discount(pool, runtime, t.language),
             "open": service.is_open(pool, now),
             "from": n.moment(pool.valid_from), "until": n.moment(pool.valid_until),
             "issued": n.count(pool.issued), "remaining": n.count(pool.remaining)}
            for pool in pools]
    today = now.date()
    return dashboard_page(
        request, "dashboard/coupons.html", staff=staff, page=PAGE, status_code=status_code,
        rows=rows, figures=[_chosen(session, pool, t, n, runtime) for pool in pools],
        may_edit=allows(staff.role, "marketer"), currency=runtime.shop_currency,
        form=form or {"valid_from": today.isoformat(),
                      "valid_until": (today + timedelta(days=30)).isoformat(),
                      "kind": "percent"},
        errors=errors or {})


@router.get(PAGE.path)
def coupons(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    return _page(request, staff, session, runtime)


def _day(text: str) -> datetime | None:
    try:
        return datetime.combine(datetime.strptime(text.strip(), "%Y-%m-%d").date(), time(),
                                tzinfo=UTC)
    except ValueError:
        return None


@router.post(PAGE.path)
def create(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
           name: Annotated[str, Form(max_length=300)] = "",
           kind: Annotated[str, Form(max_length=10)] = "percent",
           discount: Annotated[str, Form(max_length=40)] = "",
           codes_total: Annotated[str, Form(max_length=20)] = "",
           valid_from: Annotated[str, Form(max_length=40)] = "",
           valid_until: Annotated[str, Form(max_length=40)] = "",
           categories: Annotated[str, Form(max_length=20_000)] = "",
           products: Annotated[str, Form(max_length=50_000)] = "") -> Response:
    """Open a pool from the form; dates are whole days (UTC), the last one included."""
    t = _t(request)
    form = {"name": name, "kind": kind, "discount": discount, "codes_total": codes_total,
            "valid_from": valid_from, "valid_until": valid_until, "categories": categories,
            "products": products}
    errors: dict[str, str] = {}
    try:
        amount = Decimal(discount.strip().replace(",", "."))
    except InvalidOperation:
        errors["discount"] = _say(t, "discount")
        amount = Decimal(0)
    start, end = _day(valid_from), _day(valid_until)
    for field, day in (("valid_from", start), ("valid_until", end)):
        if day is None:
            errors[field] = _say(t, "valid_from")
    if not codes_total.strip().isdigit():
        errors["codes_total"] = _say(t, "codes_total")
    if not errors and start is not None and end is not None:
        try:
            pool = PoolIn(
                name=name.strip(), codes_total=int(codes_total),
                percent_off=amount if kind == "percent" else None,
                amount_off=amount if kind != "percent" else None,
                valid_from=start, valid_until=end + timedelta(days=1),
                category_roots=[line.strip() for line in categories.splitlines()
                                if line.strip()],
                product_ids=[p.strip() for p in products.split(",") if p.strip()])
            index = runtime.recommender.snapshot(session)[0]
            added = service.add_pool(session, pool, index=index, settings=runtime.settings)
        except ValidationError as exc:
            for error in exc.errors():
                field = _FIELDS.get(str(error["loc"][0]), "name") if error["loc"] else "name"
                errors.setdefault(field, _say(t, field))
        except InvalidInput as exc:
            session.rollback()
            for found in exc.errors:
                field = _FIELDS.get(str(found.loc[0]), "name") if found.loc else "name"
                errors.setdefault(field, _say(t, field))
        else:
            record_request(session, request, actor=staff.actor, action="coupons.pools.add",
                           target_kind="coupon_pool", target=str(added.id))
            flash(request, N_("Coupon pool “{name}” opened."), name=added.name)
            return RedirectResponse(PAGE.path, status_code=303)
    return _page(request, staff, session, runtime, form=form, errors=errors,
                 status_code=422)
