"""Which recommendation clicks were followed by an add to cart or a purchase of the clicked
product, read from the stored events.

The rule (last click, per product and person):

- an ``add_to_cart`` or ``purchase`` of product P by customer C is attributed to C's latest
  ``rec_click`` on P at or before it, if that click is at most ``CART_WINDOW`` (an add to
  cart) or ``PURCHASE_WINDOW`` (a purchase) older; to no click otherwise. A later click on
  the same product takes the attribution from an earlier one, so a conversion counts once;
- a click "led to a cart" (or "to a purchase") when at least one add to cart (purchase)
  is attributed to it, however many; revenue adds up the attributed purchases (unit price
  × quantity, one unit when the event does not say);
- everything is counted on the click's UTC day, placement and reason, so that a period's
  rates compare clicks with what those same clicks led to. Clicks of the last
  ``PURCHASE_WINDOW`` may still gain purchases.

Its limits: only events stored against a person can be followed from click to purchase,
i.e. those of customers with tracking consent (``prefero.events.service.ingest``); their
clicks are the ``followed`` clicks the rates divide by, so a rate describes consenting
customers and no guess is made about the others. Erasure and the retention of events
(``prefero maintain``) remove what they remove from these numbers as from any other.
Nothing is attributed across people (an anonymous visit merged into a customer keeps its
events, so it counts); a purchase reported by the shop's backend under another customer
id than the click's cannot be matched.

The work is on demand, in the database where it is portable (the self-join of a
conversion with the clicks before it on the customer's index) and the choice of the latest
click in one streamed pass in Python, since datetime arithmetic differs between SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from prefero.analytics.reasons import UNKNOWN_REASON, placement_of
from prefero.events.models import Event
from prefero.types import EventType

__all__ = ["CART_WINDOW", "PURCHASE_WINDOW", "Attributed", "attributed", "day_start"]

#: An add to cart this long after a click on the product still counts for the click.
CART_WINDOW = timedelta(hours=24)
#: A purchase this long after a click on the product still counts for the click.
PURCHASE_WINDOW = timedelta(days=7)
_WINDOWS = {EventType.ADD_TO_CART.value: CART_WINDOW,
            EventType.PURCHASE.value: PURCHASE_WINDOW}
_BATCH = 1000


@dataclass
class Attributed:
    """What the followed clicks of one (placement, reason) led to."""

    followed_clicks: int = 0
    add_to_carts: int = 0
    purchases: int = 0
    revenue: Decimal = Decimal(0)


def day_start(day: date) -> datetime:
    """The first instant of ``day``, UTC.

    >>> day_start(date(2026, 11, 20)).isoformat()
    '2026-11-20T00:00:00+00:00'
    """
    return datetime.combine(day, time(0), tzinfo=UTC)


def attributed(session: Session, *, start: date, end: date,
               placement: str | None = None) -> dict[tuple[str, str], Attributed]:
    """Per (placement, reason): the followed clicks of the days ``start`` to ``end``
    (UTC, both included) and the carts, purchases and revenue attributed to them under the
    module's rule; only ``placement``'s when given.

    >>> attributed(session, start=date(2026, 11, 1), end=date(2026, 11, 30))  # doctest: +SKIP
    {('home', 'trending'): Attributed(followed_clicks=12, add_to_carts=3, purchases=1, ...)}
    """
    since, until = day_start(start), day_start(end + timedelta(days=1))
    found: dict[tuple[str, str], Attributed] = {}
    clicks = (select(Event.placement, Event.reason, func.count())
              .where(Event.type == EventType.REC_CLICK.value, Event.occurred_at >= since,
                     Event.occurred_at < until)
              .group_by(Event.placement, Event.reason))
    for where, reason, count in session.execute(clicks):
        key = (placement_of(where), reason or UNKNOWN_REASON)
        if placement is None or key[0] == placement:
            found.setdefault(key, Attributed()).followed_clicks += int(count)
    converted: dict[str, set[int]] = {kind: set() for kind in _WINDOWS}
    for conversion in _latest_clicks(session, since=since, until=until):
        kind, click_id, click_at, where, reason, amount = conversion
        key = (placement_of(where), reason or UNKNOWN_REASON)
        if not since <= click_at < until or (placement is not None and key[0] != placement):
            continue
        tally = found.setdefault(key, Attributed())
        if click_id not in converted[kind]:
            converted[kind].add(click_id)
            if kind == EventType.ADD_TO_CART.value:
                tally.add_to_carts += 1
            else:
                tally.purchases += 1
        if kind == EventType.PURCHASE.value:
            tally.revenue += amount
    return found


_Conversion = tuple[str, int, datetime, str | None, str | None, Decimal]


def _latest_clicks(session: Session, *, since: datetime, until: datetime
                   ) -> Iterator[_Conversion]:
    """Each cart or purchase that could belong to a click of [since, until), with the latest
    click on its product by its customer within its window: (type, click id, click time,
    click placement, click reason, purchase amount)."""
    conversion, click = aliased(Event), aliased(Event)
    pairs = (
        select(conversion.id, conversion.type, conversion.occurred_at, conversion.price,
               conversion.quantity, click.id, click.occurred_at, click.placement, click.reason)
        .join(click, and_(click.customer_id == conversion.customer_id,
                          click.product_id == conversion.product_id,
                          click.type == EventType.REC_CLICK.value,
                          click.occurred_at <= conversion.occurred_at,
                          # A later click than any in the period may take a conversion from
                          # one in it, so clicks are not bounded above but by the conversion.
                          click.occurred_at >= since - PURCHASE_WINDOW))
        .where(conversion.type.in_(list(_WINDOWS)), conversion.occurred_at >= since,
               conversion.occurred_at < until + PURCHASE_WINDOW)
        .order_by(conversion.id))
    current: int | None = None
    best: tuple[datetime, int, str | None, str | None] | None = None
    kind, amount = "", Decimal(0)
    for (conversion_id, conversion_type, at, price, quantity, click_id, click_at,
         where, reason) in session.execute(pairs.execution_options(yield_per=_BATCH)):
        if conversion_id != current:
            if best is not None:
                yield kind, best[1], best[0], best[2], best[3], amount
            current, best = conversion_id, None
            kind = str(conversion_type)
            amount = (price or Decimal(0)) * (quantity or 1)
        if at - click_at > _WINDOWS[kind]:
            continue
        if best is None or (click_at, click_id) > (best[0], best[1]):
            best = (click_at, click_id, where, reason)
    if best is not None:
        yield kind, best[1], best[0], best[2], best[3], amount
