"""The demo shop's delivery windows: the next 7 days in Warsaw, each day three home rounds
(morning, afternoon, evening) and two pick-up points, some of them green (a consolidated
low-emission round), with capacities.

Windows are relative to "now", so the demo keeps them ahead: ``seed_delivery`` adds the
windows of the coming days that are missing and touches no existing one (the shop's own
changes and the places booked stay). ``load_demo`` runs it on every start of the demo
(``make demo`` / ``prefero demo``), also when the shop is already loaded; a demo left
running for more than a week runs out of windows until its next start (or until
``prefero demo load`` is run again, which only tops windows up).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.delivery.models import DeliveryWindow
from prefero.demo.catalog import CURRENCY

__all__ = ["DAYS", "DEMO_ZONE", "PICKUP_POINTS", "demo_windows", "seed_delivery"]

DAYS = 7
DEMO_ZONE = ZoneInfo("Europe/Warsaw")

#: (id, name) of the demo's pick-up points: a place's name, the same in every language.
PICKUP_POINTS: tuple[tuple[str, str], ...] = (
    ("centrum", "Centrum, Marszałkowska 100"),
    ("mokotow", "Mokotów, Puławska 50"),
)

# (slot, start hour, end hour, capacity, price). Home rounds are dearer in the evening.
_HOME = (("morning", 8, 12, 8, Decimal("14.99")),
         ("afternoon", 13, 17, 12, Decimal("12.99")),
         ("evening", 18, 21, 6, Decimal("19.99")))
_PICKUP_HOURS = (10, 20)
_PICKUP_CAPACITY = 40
_PICKUP_PRICE = Decimal("7.99")
_GREEN_DISCOUNT = Decimal("3.00")


def _at(day: datetime, hour: int) -> datetime:
    local = datetime.combine(day.date(), time(hour), tzinfo=DEMO_ZONE)
    return local.astimezone(ZoneInfo("UTC"))


def demo_windows(now: datetime) -> list[DeliveryWindow]:
    """The windows of today and the next ``DAYS`` days (Warsaw time) that start after
    ``now``, deterministic for a given day: the afternoon round is green on Tuesday,
    Thursday and Saturday, the Mokotów point every other day.

    >>> from datetime import UTC
    >>> len(demo_windows(datetime(2026, 12, 7, 0, tzinfo=UTC)))  # 8 days × 5
    40
    """
    today = now.astimezone(DEMO_ZONE)
    rows: list[DeliveryWindow] = []
    for offset in range(DAYS + 1):
        day = today + timedelta(days=offset)
        stamp = day.date().isoformat()
        weekday = day.weekday()
        for slot, start, end, capacity, price in _HOME:
            green = slot == "afternoon" and weekday in (1, 3, 5)
            rows.append(DeliveryWindow(
                id=f"{stamp}-home-{slot}", method="home", pickup_point_id=None,
                pickup_point_name=None, starts_at=_at(day, start), ends_at=_at(day, end),
                capacity=capacity, booked=0, currency=CURRENCY, green=green,
                price=price - _GREEN_DISCOUNT if green else price))
        for index, (point, name) in enumerate(PICKUP_POINTS):
            green = index == 1 and day.toordinal() % 2 == 0
            rows.append(DeliveryWindow(
                id=f"{stamp}-pickup-{point}", method="pickup", pickup_point_id=point,
                pickup_point_name=name, starts_at=_at(day, _PICKUP_HOURS[0]),
                ends_at=_at(day, _PICKUP_HOURS[1]), capacity=_PICKUP_CAPACITY, booked=0,
                currency=CURRENCY, green=green, price=_PICKUP_PRICE))
    return [row for row in rows if row.starts_at > now]


def seed_delivery(session: Session, *, now: datetime | None = None) -> int:
    """Add the demo windows of the coming days that are missing; answers how many were
    added (0 when the demo is up to date)."""
    wanted = demo_windows(now or utcnow())
    held = set(session.scalars(select(DeliveryWindow.id).where(
        DeliveryWindow.id.in_([row.id for row in wanted]))))
    added = [row for row in wanted if row.id not in held]
    stamp = utcnow()
    for row in added:
        row.updated_at = stamp
    session.add_all(added)
    session.flush()
    return len(added)
