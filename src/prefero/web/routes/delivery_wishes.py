"""The preference center's "Delivery" section: the days, hours, place (home or which
pick-up point) and speed (green or fastest) the customer prefers for deliveries.

The section (``preferences/_delivery.html``) reads its data through the ``delivery_wishes``
template global, so the page's own route needs no change. The form posts here, answers 303
back to the section (htmx swaps it in place) and writes the audit log, as every section's
form does (``prefero.web.routes.preferences._change``). The wishes only order the delivery
choices at checkout; the section says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.db.base import utcnow
from prefero.delivery.schemas import HourRange, Wishes
from prefero.delivery.service import get_wishes, list_windows, set_wishes
from prefero.delivery.wishes import clear_wishes
from prefero.delivery.wording import DAY_NAMES, hour_label
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.web.form_numbers import whole_number
from prefero.web.i18n import language_of
from prefero.web.identity import visitor
from prefero.web.render import templates
from prefero.web.routes.preferences import PAGE, FormProblem, _change, _notice

__all__ = ["PARTS_OF_DAY", "SECTION", "router"]

router = APIRouter()

SECTION = "delivery"

#: The hour ranges the form offers: (start, end, name).
PARTS_OF_DAY: tuple[tuple[int, int, str], ...] = (
    (6, 12, N_("Morning")),
    (12, 18, N_("Afternoon")),
    (18, 22, N_("Evening")),
)
_PICK_LISTED = N_("Choose one of the listed options.")


@dataclass(frozen=True, slots=True)
class HourChoice:
    value: str  # "18-22", what the form posts
    label: str  # "Evening (18:00–22:00)"
    checked: bool


@dataclass(frozen=True, slots=True)
class PointChoice:
    value: str
    label: str


def _hour_choices(wishes: Wishes, language: str, t: Any) -> list[HourChoice]:
    held = {(r.start, r.end) for r in wishes.hours}
    choices = [HourChoice(f"{s}-{e}", t(N_("{part} ({start}–{end})"), part=t(name),
                                        start=hour_label(s, language),
                                        end=hour_label(e, language)), (s, e) in held)
               for s, e, name in PARTS_OF_DAY]
    # A range set through the API stays on the form, so saving the form keeps it.
    offered = {(s, e) for s, e, _ in PARTS_OF_DAY}
    choices += [HourChoice(f"{s}-{e}", t(N_("{start}–{end}"), start=hour_label(s, language),
                                         end=hour_label(e, language)), True)
                for s, e in sorted(held - offered)]
    return choices


def _points(session: Session, wishes: Wishes) -> list[PointChoice]:
    """The pick-up points of the shop's upcoming windows, by name; the chosen one too when
    it has no window now."""
    found: dict[str, str] = {}
    for window in list_windows(session, since=utcnow()):
        if window.pickup_point_id is not None:
            found.setdefault(window.pickup_point_id,
                             window.pickup_point_name or window.pickup_point_id)
    if wishes.pickup_point_id and wishes.pickup_point_id not in found:
        found[wishes.pickup_point_id] = wishes.pickup_point_id
    return sorted((PointChoice(k, v) for k, v in found.items()),
                  key=lambda p: (p.label.casefold(), p.value))


def section_data(session: Session, *, customer_id: str, language: str, t: Any
                 ) -> dict[str, Any]:
    """What ``preferences/_delivery.html`` shows: the wishes held, the choices of the form,
    and the wishes in words."""
    held = get_wishes(session, customer_id)
    wishes = held or Wishes()
    points = _points(session, wishes)
    point_names = {p.value: p.label for p in points}
    return {
        "wishes": wishes,
        "declared": held is not None and held.declared,
        "days": [(i, t(name)) for i, name in enumerate(DAY_NAMES)],
        "hours": _hour_choices(wishes, language, t),
        "points": points,
        "point_name": point_names.get(wishes.pickup_point_id or "", ""),
    }


@pass_context
def _delivery_wishes(context: Context) -> dict[str, Any]:
    request: Request = context["request"]
    runtime: Runtime = request.app.state.runtime
    with runtime.session() as session:
        return section_data(session, customer_id=visitor(request).customer_id,
                            language=language_of(request), t=context["t"])


templates.env.globals["delivery_wishes"] = _delivery_wishes


def _wishes_from(weekdays: list[str], hours: list[str], method: str, pickup_point: str,
                 speed: str) -> Wishes:
    """The form's values as wishes; ``FormProblem`` at the field that was tampered with."""
    errors: dict[str, Any] = {}
    days = [day for d in weekdays if (day := whole_number(d, most=6)) is not None]
    if len(days) != len(weekdays):
        errors["delivery-days"] = _PICK_LISTED
    ranges: list[HourRange] = []
    for text in hours:
        first, _, last = text.partition("-")
        start, end = whole_number(first, most=24), whole_number(last, most=24)
        if start is None or end is None or start >= end:
            errors["delivery-hours"] = _PICK_LISTED
            continue
        ranges.append(HourRange(start=start, end=end))
    if method not in ("", "home", "pickup"):
        errors["delivery-method"] = _PICK_LISTED
    if speed not in ("", "green", "fastest"):
        errors["delivery-speed"] = _PICK_LISTED
    point = pickup_point.strip() if method == "pickup" else ""
    if len(point) > 100 or any(ord(c) < 32 for c in point):
        errors["delivery-point"] = _PICK_LISTED
    if errors:
        raise FormProblem(SECTION, errors)
    return Wishes(weekdays=days, hours=ranges,
                  method=method or None,
                  pickup_point_id=point or None,
                  speed=speed or None)


_Choice = Annotated[str, Form(max_length=20)]


@router.post(f"{PAGE}/delivery")
def delivery_route(request: Request, session: DbSession, runtime: Rt,
                   weekdays: Annotated[list[str], Form(max_length=7)] = [],  # noqa: B006
                   hours: Annotated[list[str], Form(max_length=24)] = [],  # noqa: B006
                   method: _Choice = "", speed: _Choice = "",
                   pickup_point: Annotated[str, Form(max_length=200)] = "",
                   action: _Choice = "save") -> Response:
    """Save the delivery wishes (or ``action=clear`` them)."""

    def act(cid: str) -> dict[str, Any]:
        if action == "clear":
            if not clear_wishes(session, cid):
                return _notice(N_("There was nothing to remove."))
            return _notice(N_("Your delivery wishes were removed: delivery times are listed "
                              "by date."))
        wishes = _wishes_from(weekdays, hours, method, pickup_point, speed)
        set_wishes(session, customer_id=cid, wishes=wishes)
        if not wishes.declared:
            return _notice(N_("No delivery wishes: delivery times are listed by date."))
        return _notice(N_("Your delivery wishes were saved: the delivery times you prefer "
                          "come first at checkout."))

    return _change(request, session, runtime, SECTION, act,
                   audit_action="delivery.wishes.write")
