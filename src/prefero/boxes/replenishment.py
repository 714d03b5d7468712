"""Replenishment: when a customer is likely to run out of a consumable, from their own
purchase cadence — never from other customers' habits.

For each product under the shop's consumable categories (``Settings.consumable_categories``)
the customer bought on at least two different days, the typical interval is the **median**
of the gaps between those days (one odd gap, a holiday stock-up, does not move it), and the
next purchase is due that long after the last. A leaf category stands in for its products
where no single product was bought twice but the category was (a different coffee each
time): the reminder then shows the latest one bought there.

Only with the customer's ``tracking`` consent (purchases are behaviour); a refunded purchase
does not count (a refund names its order, and a product or the whole order). A reminder is
due from ``lead_days`` before the date; once the date is past by more than one interval the
customer has evidently stopped or buys elsewhere, and nothing is suggested.

A reminder is a message about a product, so ``reminders`` holds it to the customer's rules
as every product trigger does (``RuleGate``: ``never`` and ``must`` rules, budget, sizes,
"Not for me", orderable now). A product-level reminder whose product fails is dropped; a
category-level one shows the latest product bought there that passes, none: dropped.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.facets import CATEGORY_SEPARATOR
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.events.models import Event
from prefero.messaging.triggers.audience import RuleGate, facet_schema

__all__ = ["Purchase", "Replenishment", "cadences", "due_soon", "reminders",
           "replenishments"]

#: Fewer days than this between two purchases of one thing is one stock-up, not a cadence.
MIN_INTERVAL_DAYS = 1.0


class Replenishment(BaseModel):
    scope: Literal["product", "category"] = Field(
        description="product: this product's own cadence; category: its leaf category's")
    product_id: str = Field(description="The product to buy again (a category's latest)")
    title: str
    category: str
    purchases: int = Field(description="Days the customer bought it (or in the category)")
    interval_days: float = Field(description="The median gap between those days")
    last_bought: date
    due_on: date


class Purchase(BaseModel):
    """One counted purchase: what, when, and where in the catalogue."""

    product_id: str
    title: str
    category: str
    day: date


def _under(category: str, roots: Iterable[str]) -> bool:
    return any(category == root or category.startswith(root + CATEGORY_SEPARATOR)
               for root in roots)


def _cadence(days: Sequence[date]) -> tuple[float, date] | None:
    """The median gap between distinct purchase days, and the last day (None: fewer than
    two days, or days too close together to be a cadence).

    >>> _cadence([date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 31)])
    (15.0, datetime.date(2026, 1, 31))
    """
    ordered = sorted(set(days))
    if len(ordered) < 2:
        return None
    gaps = [(later - earlier).days for earlier, later in pairwise(ordered)]
    interval = float(statistics.median(gaps))
    if interval < MIN_INTERVAL_DAYS:
        return None
    return interval, ordered[-1]


def cadences(purchases: Sequence[Purchase]) -> list[Replenishment]:
    """Every cadence the purchases show, product-level first, sorted by due date.

    A leaf category yields one only where none of its products has a cadence of its own.
    """
    by_product: dict[str, list[Purchase]] = defaultdict(list)
    by_leaf: dict[str, list[Purchase]] = defaultdict(list)
    for purchase in purchases:
        by_product[purchase.product_id].append(purchase)
        by_leaf[purchase.category].append(purchase)
    found: list[Replenishment] = []
    covered: set[str] = set()
    for product_id, bought in by_product.items():
        cadence = _cadence([p.day for p in bought])
        if cadence is None:
            continue
        interval, last = cadence
        latest = max(bought, key=lambda p: p.day)
        found.append(Replenishment(scope="product", product_id=product_id, title=latest.title,
                                   category=latest.category,
                                   purchases=len({p.day for p in bought}),
                                   interval_days=interval, last_bought=last,
                                   due_on=last + timedelta(days=round(interval))))
        covered.add(latest.category)
    for leaf, bought in by_leaf.items():
        if leaf in covered:
            continue
        cadence = _cadence([p.day for p in bought])
        if cadence is None:
            continue
        interval, last = cadence
        latest = max(bought, key=lambda p: (p.day, p.product_id))
        found.append(Replenishment(scope="category", product_id=latest.product_id,
                                   title=latest.title, category=leaf,
                                   purchases=len({p.day for p in bought}),
                                   interval_days=interval, last_bought=last,
                                   due_on=last + timedelta(days=round(interval))))
    found.sort(key=lambda r: (r.due_on, r.scope, r.product_id))
    return found


def _purchases(session: Session, *, customer_id: str, settings: Settings) -> list[Purchase]:
    rows = session.execute(
        select(Event.type, Event.product_id, Event.order_id, Event.occurred_at)
        .where(Event.customer_id == customer_id, Event.type.in_(("purchase", "refund")))
        .order_by(Event.occurred_at, Event.id)).all()
    refunded_orders = {order for kind, pid, order, _ in rows
                       if kind == "refund" and order is not None and pid is None}
    refunded_lines = {(order, pid) for kind, pid, order, _ in rows
                      if kind == "refund" and order is not None and pid is not None}
    bought = [(pid, at) for kind, pid, order, at in rows
              if kind == "purchase" and pid is not None
              and order not in refunded_orders and (order, pid) not in refunded_lines]
    if not bought:
        return []
    products = {pid: (title, category) for pid, title, category in session.execute(
        select(Product.id, Product.title, Product.category)
        .where(Product.id.in_({pid for pid, _ in bought}), Product.active.is_(True)))}
    return [Purchase(product_id=pid, title=products[pid][0], category=products[pid][1],
                     day=at.date())
            for pid, at in bought
            if pid in products and _under(products[pid][1], settings.consumable_categories)]


def _by_leaf(purchases: Sequence[Purchase]) -> dict[str, list[Purchase]]:
    """Each leaf category's purchases, one per product, the latest bought first."""
    latest: dict[str, dict[str, Purchase]] = defaultdict(dict)
    for purchase in sorted(purchases, key=lambda p: (p.day, p.product_id), reverse=True):
        latest[purchase.category].setdefault(purchase.product_id, purchase)
    return {leaf: list(bought.values()) for leaf, bought in latest.items()}


def reminders(session: Session, *, customer_id: str, settings: Settings, now: datetime
              ) -> list[Replenishment]:
    """The reminders due now (``due_soon`` within ``settings.replenishment_lead_days``)
    that the customer's rules allow, a category's showing a product that passes.

    >>> reminders(session, customer_id="ann", settings=settings,
    ...           now=now)  # doctest: +SKIP
    [Replenishment(scope='product', product_id='beans', ...)]
    """
    if not current_consents(session, customer_id=customer_id, settings=settings)["tracking"]:
        return []
    purchases = _purchases(session, customer_id=customer_id, settings=settings)
    due = due_soon(cadences(purchases), now=now, lead_days=settings.replenishment_lead_days)
    if not due:
        return []
    by_leaf = _by_leaf(purchases)
    candidates = {r.product_id for r in due} | {
        p.product_id for r in due if r.scope == "category" for p in by_leaf[r.category]}
    products = list(session.scalars(select(Product).where(Product.id.in_(candidates))))
    gate = RuleGate(session, settings=settings, schema=facet_schema(settings),
                    products=products)
    allowed: list[Replenishment] = []
    for reminder in due:
        if reminder.scope == "product":
            if gate.allows(customer_id, reminder.product_id):
                allowed.append(reminder)
            continue
        shown = next((p for p in by_leaf[reminder.category]
                      if gate.allows(customer_id, p.product_id)), None)
        if shown is not None:
            allowed.append(reminder.model_copy(update={"product_id": shown.product_id,
                                                       "title": shown.title}))
    return allowed


def replenishments(session: Session, *, customer_id: str, settings: Settings
                   ) -> list[Replenishment]:
    """The customer's purchase cadences (none without their ``tracking`` consent)."""
    if not current_consents(session, customer_id=customer_id, settings=settings)["tracking"]:
        return []
    return cadences(_purchases(session, customer_id=customer_id, settings=settings))


def due_soon(found: Iterable[Replenishment], *, now: datetime, lead_days: int
             ) -> list[Replenishment]:
    """Those due within ``lead_days`` of ``now`` and not past by more than one interval.

    >>> r = Replenishment(scope="product", product_id="p", title="Coffee", category="C",
    ...                   purchases=2, interval_days=10, last_bought=date(2026, 1, 1),
    ...                   due_on=date(2026, 1, 11))
    >>> [len(due_soon([r], now=datetime(2026, 1, d), lead_days=3)) for d in (7, 8, 21, 22)]
    [0, 1, 1, 0]
    """
    today = now.date()
    return [r for r in found
            if r.due_on - timedelta(days=lead_days) <= today
            <= r.due_on + timedelta(days=round(r.interval_days))]
