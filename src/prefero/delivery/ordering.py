"""Ordering the shop's windows by the customer's wishes, with the reasons for each place.

Pure: no database, no language. Which windows are offered depends on the windows, the
clock and the cart only; the wishes decide nothing but the order and the reasons, so the
windows offered with wishes are exactly those offered without (tests/delivery).

Available windows come first: those matching more important wishes before others —
the place (home, pick-up, which point), then the day, then the hours, then green —, ties
by start time, then id. A window that cannot be chosen (full, or starting before the cart
can be ready) follows, by start time and id, with why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from prefero.delivery.schemas import (
    HourRange,
    ReasonCode,
    ReasonParams,
    Unavailable,
    WindowOut,
    Wishes,
)

__all__ = ["Placed", "fits_hours", "order_windows"]

_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Placed:
    """One window in its place: ``reasons`` are codes with their evidence, worded later."""

    window: WindowOut
    available: bool
    preferred: bool
    reasons: tuple[tuple[ReasonCode | Unavailable, ReasonParams], ...]


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def fits_hours(window: WindowOut, zone: tzinfo, hours: Iterable[HourRange]
               ) -> HourRange | None:
    """The first of ``hours`` a home window lies within, or a pick-up window is open
    during, read on the wall clock of ``zone`` (a window past local midnight fits only a
    range ending at 24).

    >>> from datetime import UTC
    >>> from decimal import Decimal
    >>> w = WindowOut(id="w", method="home", pickup_point_id=None, pickup_point_name=None,
    ...     starts_at=datetime(2026, 1, 3, 18, tzinfo=UTC),
    ...     ends_at=datetime(2026, 1, 3, 21, tzinfo=UTC), capacity=1, booked=0,
    ...     price=Decimal(0), currency="PLN", green=False)
    >>> fits_hours(w, UTC, [HourRange(start=8, end=12), HourRange(start=17, end=22)])
    HourRange(start=17, end=22)
    """
    start = window.starts_at.astimezone(zone)
    end = window.ends_at.astimezone(zone)
    if end.date() == start.date():
        end_minute = _minutes(end)
    elif end.date() == start.date() + timedelta(days=1) and _minutes(end) == 0:
        end_minute = _DAY
    else:
        return None
    if window.method == "pickup":
        # A pick-up point is open through its window: any overlap lets the customer come
        # within their hours.
        return next((r for r in hours if r.start * 60 < end_minute
                     and _minutes(start) < r.end * 60), None)
    # A courier comes at some moment of the window: all of it must lie within the hours.
    return next((r for r in hours if r.start * 60 <= _minutes(start)
                 and end_minute <= r.end * 60), None)


def _place(window: WindowOut, wishes: Wishes
           ) -> tuple[bool, tuple[ReasonCode, ReasonParams] | None]:
    """(declared, the matching reason or None) for the home / pick-up wish."""
    if wishes.method is None:
        return False, None
    if window.method != wishes.method:
        return True, None
    if wishes.method == "pickup" and wishes.pickup_point_id is not None:
        if window.pickup_point_id != wishes.pickup_point_id:
            return True, None
        return True, ("pickup_point", ReasonParams(
            pickup_point_id=window.pickup_point_id, pickup_point_name=window.pickup_point_name))
    return True, ("preferred_method", ReasonParams(method=wishes.method))


def _matched(window: WindowOut, wishes: Wishes, zone: tzinfo
             ) -> tuple[tuple[bool, ...], list[tuple[ReasonCode | Unavailable, ReasonParams]]]:
    """The misses in importance order (place, day, hours, green; an undeclared wish never
    misses) and the reasons of the wishes the window meets."""
    reasons: list[tuple[ReasonCode | Unavailable, ReasonParams]] = []
    declared, place = _place(window, wishes)
    place_miss = declared and place is None
    if place is not None:
        reasons.append(place)
    weekday = window.starts_at.astimezone(zone).weekday()
    day_miss = bool(wishes.weekdays) and weekday not in wishes.weekdays
    if wishes.weekdays and not day_miss:
        reasons.append(("preferred_day", ReasonParams(weekday=weekday)))
    fitting = fits_hours(window, zone, wishes.hours) if wishes.hours else None
    hours_miss = bool(wishes.hours) and fitting is None
    if fitting is not None:
        code: ReasonCode = "open_hours" if window.method == "pickup" else "preferred_hours"
        reasons.append((code, ReasonParams(start_hour=fitting.start, end_hour=fitting.end)))
    green_miss = wishes.speed == "green" and not window.green
    if wishes.speed == "green" and window.green:
        reasons.append(("green", ReasonParams()))
    return (place_miss, day_miss, hours_miss, green_miss), reasons


def _why_not(window: WindowOut, ready: datetime | None
             ) -> tuple[Unavailable, ReasonParams] | None:
    if window.booked >= window.capacity:
        return "full", ReasonParams()
    if ready is None:
        return "cart_unavailable", ReasonParams()
    if window.starts_at < ready:
        return "not_ready", ReasonParams(ready_at=ready)
    return None


def order_windows(windows: Iterable[WindowOut], *, wishes: Wishes | None, zone: tzinfo,
                  now: datetime, ready: datetime | None) -> list[Placed]:
    """Every window starting after ``now``, in the order the customer sees them.

    >>> [p.window.id for p in order_windows(windows, wishes=Wishes(weekdays=[5]),
    ...                                     zone=UTC, now=now, ready=now)]  # doctest: +SKIP
    ['saturday-evening', 'monday-morning']
    """
    wished = wishes if wishes is not None else Wishes()
    declared = (bool(wished.method), bool(wished.weekdays), bool(wished.hours),
                wished.speed == "green")
    upcoming = sorted((w for w in windows if w.starts_at > now),
                      key=lambda w: (w.starts_at, w.id))
    offered: list[tuple[tuple[bool, ...], Placed]] = []
    refused: list[Placed] = []
    for window in upcoming:
        why_not = _why_not(window, ready)
        if why_not is not None:
            refused.append(Placed(window, False, False, (why_not,)))
            continue
        misses, reasons = _matched(window, wished, zone)
        preferred = any(declared) and not any(misses)
        offered.append((misses, Placed(window, True, preferred, tuple(reasons))))
    # sorted() is stable and ``upcoming`` is by (start, id) already: ties keep that order.
    ranked = [placed for _, placed in sorted(offered, key=lambda pair: pair[0])]
    if wished.speed == "fastest" and ranked:
        first = min(ranked, key=lambda p: (p.window.starts_at, p.window.id))
        ranked = [Placed(p.window, p.available, p.preferred,
                         (*p.reasons, ("earliest", ReasonParams())))
                  if p is first else p for p in ranked]
    return ranked + refused
