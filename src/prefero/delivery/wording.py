"""Delivery words in the shopper's language: the reasons an option carries, and a window's
day and hours on the shopper's own clock (Babel's formats, never an ISO string).

A weekday has its own sentence per day: Polish puts the day in the accusative after "w"
("W sobotę"), which a "{day}" filled with the calendar's name ("sobota") cannot do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, tzinfo

from babel.dates import format_date, format_time

from prefero.delivery.schemas import Method, ReasonCode, ReasonParams, Unavailable
from prefero.i18n.catalogues import N_, translations

__all__ = ["DAY_NAMES", "METHOD_NAMES", "closed_label", "day_label", "hour_label",
           "ready_note", "reason_text", "time_range", "when", "where"]

_ON_DAY: tuple[str, ...] = (
    N_("On Monday, a day you prefer"),
    N_("On Tuesday, a day you prefer"),
    N_("On Wednesday, a day you prefer"),
    N_("On Thursday, a day you prefer"),
    N_("On Friday, a day you prefer"),
    N_("On Saturday, a day you prefer"),
    N_("On Sunday, a day you prefer"),
)
#: The days as the wishes form lists them.
DAY_NAMES: tuple[str, ...] = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
                              N_("Friday"), N_("Saturday"), N_("Sunday"))
METHOD_NAMES: Mapping[Method, str] = {"home": N_("Delivery to your door"),
                                      "pickup": N_("Pick-up point")}

#: Said once above the days when some times start before the order can be ready.
_READY_NOTE = N_("Your order can be ready from {ready}; earlier times cannot be chosen.")
#: Where, in the few words of a line under its day.
_WHERE_HOME = N_("To your door")
_WHERE_PICKUP = N_("Pick-up: {point}")
#: Why a day's windows cannot be chosen, before their times ("No places left: 18:00–21:00").
_CLOSED: Mapping[Unavailable, str] = {
    "full": N_("No places left"),
    "not_ready": N_("Too early"),
    "cart_unavailable": N_("Not available (an item in your cart is out of stock)"),
}

_MESSAGES: Mapping[str, str] = {
    "preferred_hours": N_("Between {start} and {end}, the hours you prefer"),
    "open_hours": N_("Open in the hours you prefer ({start}–{end})"),
    "pickup_point": N_("Pick-up point you chose: {point}"),
    "preferred_method": N_("{method}, as you prefer"),
    "green": N_("Green delivery, as you asked"),
    "earliest": N_("Earliest available"),
    "full": N_("Full: no places left"),
    "not_ready": N_("Too early: your order can be ready from {ready}"),
    "cart_unavailable": N_("Not available: an item in your cart is out of stock"),
}


def hour_label(hour: int, language: str) -> str:
    """A whole hour as the language writes times ("18:00"; 24 is midnight, "24:00" in
    neither language's clock, so it reads as the end of the day: "00:00").

    >>> hour_label(18, "en"), hour_label(9, "pl"), hour_label(24, "pl")
    ('6:00\\u202fPM', '09:00', '00:00')
    """
    return format_time(time(hour % 24), format="short", locale=language)


def day_label(moment: datetime, zone: tzinfo, language: str) -> str:
    """The day of ``moment`` on the shopper's calendar ("Saturday, 12 December").

    >>> from datetime import UTC
    >>> day_label(datetime(2026, 12, 12, 18, tzinfo=UTC), UTC, "pl")
    'sobota, 12 grudnia'
    """
    local = moment.astimezone(zone)
    return str(format_date(local.date(), format="EEEE, d MMMM", locale=language))


def time_range(starts_at: datetime, ends_at: datetime, zone: tzinfo, language: str) -> str:
    """A window's hours on the shopper's clock ("18:00–21:00").

    >>> from datetime import UTC
    >>> time_range(datetime(2026, 1, 1, 18, tzinfo=UTC), datetime(2026, 1, 1, 21,
    ...            tzinfo=UTC), UTC, "pl")
    '18:00–21:00'
    """
    start = format_time(starts_at.astimezone(zone), format="short", locale=language)
    end = format_time(ends_at.astimezone(zone), format="short", locale=language)
    return f"{start}–{end}"


def when(moment: datetime, zone: tzinfo, language: str) -> str:
    """A moment on the shopper's clock, day and time ("Sat, 12 Dec, 18:00")."""
    local = moment.astimezone(zone)
    day = format_date(local.date(), format="EEE, d MMM", locale=language)
    return f"{day}, {format_time(local, format='short', locale=language)}"


def reason_text(code: ReasonCode | Unavailable, params: ReasonParams, *, language: str,
                zone: tzinfo) -> str:
    """One reason in ``language``.

    >>> reason_text("preferred_day", ReasonParams(weekday=5), language="pl", zone=UTC)
    ... # doctest: +SKIP
    'W sobotę, w dzień, który wolisz'
    """
    t = translations(language).gettext
    if code == "preferred_day" and params.weekday is not None:
        return t(_ON_DAY[params.weekday])
    if code in ("preferred_hours", "open_hours"):
        return t(_MESSAGES[code]).format(start=hour_label(params.start_hour or 0, language),
                                         end=hour_label(params.end_hour or 24, language))
    if code == "pickup_point":
        return t(_MESSAGES[code]).format(point=params.pickup_point_name
                                         or params.pickup_point_id or "")
    if code == "preferred_method" and params.method is not None:
        return t(_MESSAGES[code]).format(method=t(METHOD_NAMES[params.method]))
    if code == "not_ready" and params.ready_at is not None:
        return t(_MESSAGES[code]).format(ready=when(params.ready_at, zone, language))
    return t(_MESSAGES[code])


def where(method: Method, point: str | None, *, language: str) -> str:
    """Home delivery or the pick-up point, in the few words of a line under its day.

    >>> where("home", None, language="en"), where("pickup", "Centrum", language="en")
    ('To your door', 'Pick-up: Centrum')
    """
    t = translations(language).gettext
    if method == "pickup":
        return t(_WHERE_PICKUP).format(point=point or "")
    return t(_WHERE_HOME)


def closed_label(code: Unavailable, *, language: str) -> str:
    """Why windows cannot be chosen, in the few words their day's line starts with.

    >>> closed_label("full", language="en"), closed_label("not_ready", language="pl")
    ('No places left', 'Za wcześnie')
    """
    return translations(language).gettext(_CLOSED[code])


def ready_note(ready: datetime, zone: tzinfo, *, language: str) -> str:
    """When the order can be ready, said once for the times too early for it.

    >>> from datetime import UTC
    >>> ready_note(datetime(2026, 12, 12, 18, tzinfo=UTC), UTC, language="pl")
    'Zamówienie może być gotowe od sob., 12 gru, 18:00; wcześniejszych terminów nie można wybrać.'
    """
    return translations(language).gettext(_READY_NOTE).format(
        ready=when(ready, zone, language))
