"""The delivery windows page: the shop's upcoming windows grouped by day on the shop's clock
(method, pick-up point, hours, price, green round, capacity, booked and how full), and, for
marketers and administrators, changing one window's capacity.

The windows are published through the API (``PUT /v1/delivery/windows``); this page reads
them with ``prefero.delivery.service.list_windows`` and changes a capacity with
``prefero.delivery.windows.set_capacity``, which keeps the API's rules (never below the
orders booked). A refused change names the problem beside the window's field and stores
nothing; every change is in the audit log under the staff member's name
(``delivery.window.capacity``).
"""

from __future__ import annotations

import re
from datetime import date, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt
from prefero.content.signals import valid_time_zone, zone
from prefero.db.base import utcnow
from prefero.delivery.schemas import WindowOut
from prefero.delivery.service import list_windows
from prefero.delivery.windows import MAX_CAPACITY, set_capacity
from prefero.delivery.wording import METHOD_NAMES, day_label, time_range
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.i18n.formats import money
from prefero.runtime import Runtime
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator
from prefero.web.time_zones import zone_label

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="delivery", path="/dashboard/delivery",
                        label=N_("Delivery windows"), role="read_only", order=70))
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]
CAPACITY = f"{PAGE.path}/capacity"

# What a window's id can be (``delivery.schemas.IdText``).
_ID = re.compile(r"[^\x00-\x1f\x7f]{1,100}")
_WHOLE = N_("Enter a whole number from 0 to {most}.")
_GONE = N_("There is no such delivery window any more: it may have been removed.")


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _shop_zone(runtime: Runtime) -> tuple[tzinfo, str]:
    """The shop's clock (``PREFERO_CONTENT_TIME_ZONE``, as checkout and the merchandising
    page keep time), and its name."""
    name = runtime.settings.content_time_zone
    name = name if valid_time_zone(name) else "UTC"
    return zone(name), name


def _row(window: WindowOut, *, tz: tzinfo, t: Translator, n: Numbers) -> dict[str, Any]:
    fill = window.booked / window.capacity if window.capacity else None
    return {
        "id": window.id, "method": t(METHOD_NAMES[window.method]),
        "place": window.pickup_point_name or window.pickup_point_id,
        "hours": time_range(window.starts_at, window.ends_at, tz, t.language),
        "price": money(window.price, window.currency, t.language), "green": window.green,
        "capacity": n.count(window.capacity), "capacity_value": str(window.capacity),
        "booked": n.count(window.booked), "booked_value": window.booked,
        "meter_max": max(window.capacity, 1), "fill": n.share(fill),
        "full": window.booked >= window.capacity}


def _days(windows: list[WindowOut], *, tz: tzinfo, t: Translator) -> list[dict[str, Any]]:
    """The windows by day on the shop's clock, each day's in start order."""
    n = Numbers(t)
    days: dict[date, dict[str, Any]] = {}
    for window in windows:
        day = window.starts_at.astimezone(tz).date()
        entry = days.setdefault(day, {
            "label": day_label(window.starts_at, tz, t.language),
            "id": f"day-{day.isoformat()}", "windows": []})
        entry["windows"].append(_row(window, tz=tz, t=t, n=n))
    return list(days.values())


def _page(request: Request, staff: StaffOut, session: DbSession, runtime: Runtime, *,
          typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    t = _t(request)
    tz, name = _shop_zone(runtime)
    windows = list_windows(session, since=utcnow())
    return dashboard_page(
        request, "dashboard/delivery.html", staff=staff, page=PAGE, status_code=status_code,
        days=_days(windows, tz=tz, t=t), may_edit=allows(staff.role, "marketer"),
        zone_name="UTC" if name == "UTC" else zone_label(name, t.language),
        typed=typed or {}, errors=errors or {}, action_url=CAPACITY, most=MAX_CAPACITY)


@router.get(PAGE.path)
def windows(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    return _page(request, staff, session, runtime)


def _whole(text: str) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        return None
    return int(text)


@router.post(CAPACITY)
def change_capacity(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
                    window_id: Annotated[str, Form()] = "",
                    capacity: Annotated[str, Form()] = "") -> Response:
    t = _t(request)
    if not _ID.fullmatch(window_id):  # names no window (and PostgreSQL refuses a NUL)
        return _page(request, staff, session, runtime, status_code=404,
                     errors={"form": t(_GONE)})
    typed = {window_id: capacity}
    asked = _whole(capacity)
    if asked is None or asked > MAX_CAPACITY:
        return _page(request, staff, session, runtime, typed=typed, status_code=422,
                     errors={window_id: t(_WHOLE, most=t.number(MAX_CAPACITY))})
    try:
        changed = set_capacity(session, window_id, capacity=asked)
    except NotFound:
        session.rollback()
        return _page(request, staff, session, runtime, status_code=404,
                     errors={"form": t(_GONE)})
    except Conflict:
        session.rollback()
        booked = next((w.booked for w in list_windows(session) if w.id == window_id), 0)
        return _page(request, staff, session, runtime, typed=typed, status_code=409,
                     errors={window_id: t.plural(
                         "{n} order is booked in this window already: enter at least {n}.",
                         "{n} orders are booked in this window already: enter at least {n}.",
                         booked)})
    except InvalidInput:
        session.rollback()
        return _page(request, staff, session, runtime, typed=typed, status_code=422,
                     errors={window_id: t(_WHOLE, most=t.number(MAX_CAPACITY))})
    record_request(session, request, actor=staff.actor, action="delivery.window.capacity",
                   target_kind="delivery_window", target=changed.id)
    tz, _name = _shop_zone(runtime)
    flash(request, N_("The window of {day}, {hours} now takes {capacity} orders."),
          day=day_label(changed.starts_at, tz, t.language),
          hours=time_range(changed.starts_at, changed.ends_at, tz, t.language),
          capacity=t.number(changed.capacity))
    return RedirectResponse(PAGE.path, status_code=303)
