"""Subscribing to a taste box, changing, pausing and cancelling it, composing deliveries when
they are due, and rating what came.

Every function works inside the caller's unit of work: it flushes, never commits, and knows
nothing of HTTP. Bad input raises ``InvalidInput`` with the field's path from the request
body's root (the routes prefix "body"); a box or delivery of another customer is
``NotFound``, exactly like one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.boxes.compose import PastItem, plan_box, theme_rows
from prefero.boxes.models import BoxDelivery, BoxItem, BoxSubscription
from prefero.boxes.schemas import (
    BoxChange,
    BoxIn,
    BoxOut,
    DeliveryOut,
    ExportedBox,
    ItemOut,
    ThemeOut,
)
from prefero.boxes.themes import require_theme, theme_name, themes
from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.config import Settings
from prefero.customers.repository import require_customer
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.recommend.profile import load_profile

__all__ = [
    "MAX_BOXES",
    "box_out",
    "cancel_box",
    "change_box",
    "compose_due",
    "compose_next",
    "deliveries",
    "exported_boxes",
    "list_boxes",
    "list_themes",
    "rate_item",
    "subscribe",
]

#: Boxes one customer may hold at once (cancelled ones not counted): a guard, not a plan.
MAX_BOXES = 10
CENT = Decimal("0.01")

BoxStatus = Literal["active", "paused", "cancelled"]


def list_themes(settings: Settings) -> list[ThemeOut]:
    return [ThemeOut(key=theme.key, name=theme.name, categories=list(theme.categories))
            for theme in themes(settings)]


def box_out(box: BoxSubscription) -> BoxOut:
    return BoxOut(id=box.id, theme=box.theme, name=theme_name(box.theme),
                  cadence_days=box.cadence_days, budget=_money(box.budget),
                  currency=box.currency, status=cast(BoxStatus, box.status),
                  next_delivery_at=None if box.status == "cancelled" else box.next_delivery_at,
                  created_at=box.created_at)


def _money(amount: Decimal) -> Decimal:
    """Two decimal places, never an exponent: "1e+06" is stored and answered "1000000.00"."""
    return amount.quantize(CENT)


def _boxes(session: Session, customer_id: str) -> list[BoxSubscription]:
    return list(session.scalars(select(BoxSubscription)
                                .where(BoxSubscription.customer_id == customer_id)
                                .order_by(BoxSubscription.id)))


def list_boxes(session: Session, *, customer_id: str) -> list[BoxOut]:
    """The customer's boxes, oldest first (cancelled ones too: their history stays)."""
    require_customer(session, customer_id)
    return [box_out(box) for box in _boxes(session, customer_id)]


def _own_box(session: Session, *, customer_id: str, box_id: int) -> BoxSubscription:
    box = session.scalar(select(BoxSubscription).where(
        BoxSubscription.id == box_id, BoxSubscription.customer_id == customer_id))
    if box is None:
        raise NotFound(f"customer {customer_id!r} has no box {box_id}")
    return box


def subscribe(session: Session, *, customer_id: str, box: BoxIn, now: datetime,
              settings: Settings, schema: FacetSchema | None = None) -> BoxOut:
    """Subscribe the customer to a box; the first delivery is composed at once.

    >>> # subscribe(session, customer_id="c1", now=now, settings=settings,
    >>> #           box=BoxIn(theme="coffee", cadence_days=30, budget=Decimal("120")))
    """
    require_customer(session, customer_id)
    theme = require_theme(settings, box.theme)
    currency = (box.currency or settings.shop_currency).upper()
    if currency != settings.shop_currency:
        raise InvalidInput(f"boxes are priced in {settings.shop_currency}",
                           [FieldError(("currency",),
                                       f"The shop's boxes are priced in "
                                       f"{settings.shop_currency}")])
    held = session.scalar(select(func.count()).select_from(BoxSubscription).where(
        BoxSubscription.customer_id == customer_id, BoxSubscription.status != "cancelled"))
    if (held or 0) >= MAX_BOXES:
        raise InvalidInput(f"at most {MAX_BOXES} boxes at once",
                           [FieldError(("theme",), f"You already have {MAX_BOXES} boxes")])
    row = BoxSubscription(customer_id=customer_id, theme=theme.key,
                          cadence_days=box.cadence_days, budget=_money(box.budget),
                          currency=currency,
                          status="active", next_delivery_at=now, created_at=now,
                          updated_at=now)
    session.add(row)
    session.flush()
    compose_next(session, row, now=now, settings=settings, schema=schema)
    return box_out(row)


def change_box(session: Session, *, customer_id: str, box_id: int, change: BoxChange,
               now: datetime) -> BoxOut:
    """Change the cadence or budget, pause or resume. A cancelled box cannot change."""
    box = _own_box(session, customer_id=customer_id, box_id=box_id)
    if box.status == "cancelled":
        field = next((name for name in ("status", "cadence_days", "budget")
                      if getattr(change, name) is not None), "status")
        raise InvalidInput("a cancelled box cannot change",
                           [FieldError((field,), "This box was cancelled; subscribe again")])
    if change.cadence_days is not None and change.cadence_days != box.cadence_days:
        # The next delivery moves with the new cadence, counted from the last one.
        last = _last_delivery(session, box)
        start = last.due_at if last is not None else box.created_at
        box.next_delivery_at = max(start + timedelta(days=change.cadence_days), now)
        box.cadence_days = change.cadence_days
    if change.budget is not None:
        box.budget = _money(change.budget)
    if change.status is not None and change.status != box.status:
        if change.status == "active" and box.next_delivery_at < now:
            # A box resumed after its date is due now, not with a backlog of deliveries.
            box.next_delivery_at = now
        box.status = change.status
    box.updated_at = now
    session.flush()
    return box_out(box)


def cancel_box(session: Session, *, customer_id: str, box_id: int, now: datetime) -> BoxOut:
    """Cancel the box: nothing more is composed; its deliveries and ratings stay (they still
    teach later boxes). Cancelling again changes nothing."""
    box = _own_box(session, customer_id=customer_id, box_id=box_id)
    if box.status != "cancelled":
        box.status = "cancelled"
        box.updated_at = now
        session.flush()
    return box_out(box)


def _last_delivery(session: Session, box: BoxSubscription) -> BoxDelivery | None:
    return session.scalar(select(BoxDelivery).where(BoxDelivery.subscription_id == box.id)
                          .order_by(BoxDelivery.number.desc()).limit(1))


def _items_by_delivery(session: Session, delivery_ids: list[int]
                       ) -> dict[int, list[BoxItem]]:
    found: dict[int, list[BoxItem]] = {delivery_id: [] for delivery_id in delivery_ids}
    if delivery_ids:
        for item in session.scalars(select(BoxItem).where(BoxItem.delivery_id.in_(delivery_ids))
                                    .order_by(BoxItem.delivery_id, BoxItem.position,
                                              BoxItem.id)):
            found[item.delivery_id].append(item)
    return found


def _delivery_out(delivery: BoxDelivery, items: list[BoxItem]) -> DeliveryOut:
    return DeliveryOut(number=delivery.number, composed_at=delivery.composed_at,
                       due_at=delivery.due_at, total=delivery.total,
                       currency=delivery.currency,
                       items=[ItemOut(product_id=i.product_id, title=i.title, brand=i.brand,
                                      category=i.category, price=i.price, rating=i.rating,
                                      rated_at=i.rated_at) for i in items])


def _deliveries_of(session: Session, box_ids: list[int]) -> dict[int, list[DeliveryOut]]:
    rows = list(session.scalars(select(BoxDelivery)
                                .where(BoxDelivery.subscription_id.in_(box_ids))
                                .order_by(BoxDelivery.subscription_id,
                                          BoxDelivery.number.desc()))) if box_ids else []
    items = _items_by_delivery(session, [row.id for row in rows])
    found: dict[int, list[DeliveryOut]] = {box_id: [] for box_id in box_ids}
    for row in rows:
        found[row.subscription_id].append(_delivery_out(row, items[row.id]))
    return found


def deliveries(session: Session, *, customer_id: str, box_id: int) -> list[DeliveryOut]:
    """The box's deliveries, newest first, each with its items and ratings."""
    box = _own_box(session, customer_id=customer_id, box_id=box_id)
    return _deliveries_of(session, [box.id])[box.id]


def rate_item(session: Session, *, customer_id: str, box_id: int, number: int,
              product_id: str, rating: int, now: datetime) -> ItemOut:
    """Rate one item of one of the customer's own deliveries, 1 to 5 stars (again: the
    newest rating counts). The next box learns from it (``prefero.boxes.compose``)."""
    if isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidInput("a rating is 1 to 5 stars",
                           [FieldError(("rating",), "Input should be from 1 to 5")])
    box = _own_box(session, customer_id=customer_id, box_id=box_id)
    item = session.scalar(select(BoxItem).join(BoxDelivery,
                                               BoxDelivery.id == BoxItem.delivery_id)
                          .where(BoxDelivery.subscription_id == box.id,
                                 BoxDelivery.number == number,
                                 BoxItem.product_id == product_id))
    if item is None:
        raise NotFound(f"delivery {number} of box {box_id} has no product {product_id!r}")
    item.rating = rating
    item.rated_at = now
    session.flush()
    return ItemOut(product_id=item.product_id, title=item.title, brand=item.brand,
                   category=item.category, price=item.price, rating=item.rating,
                   rated_at=item.rated_at)


def _history(session: Session, box: BoxSubscription) -> list[PastItem]:
    """Every item the customer was sent in any box; numbers only for this box's own."""
    rows = session.execute(
        select(BoxItem.product_id, BoxItem.brand, BoxItem.category, BoxItem.rating,
               BoxDelivery.number, BoxDelivery.subscription_id)
        .join(BoxDelivery, BoxDelivery.id == BoxItem.delivery_id)
        .where(BoxDelivery.customer_id == box.customer_id)
        .order_by(BoxDelivery.id, BoxItem.id)).all()
    return [PastItem(product_id=pid, brand=brand, category=category, rating=rating,
                     number=number if subscription == box.id else None)
            for pid, brand, category, rating, number, subscription in rows]


def compose_next(session: Session, box: BoxSubscription, *, now: datetime, settings: Settings,
                 schema: FacetSchema | None = None) -> BoxDelivery | None:
    """Compose the box's next delivery if it is due (None when it is not, or when nothing in
    the catalogue fits the customer's rules and the budget: the date moves on either way)."""
    if box.status != "active" or box.next_delivery_at > now:
        return None
    theme = require_theme(settings, box.theme)
    profile = load_profile(session, customer_id=box.customer_id, settings=settings)
    picks = plan_box(rows=theme_rows(session, theme),
                     schema=schema if schema is not None else load_facet_schema(
                         settings.facet_schema),
                     theme=theme, profile=profile, history=_history(session, box),
                     budget=box.budget, currency=box.currency, max_items=settings.box_items)
    due = box.next_delivery_at
    following = due + timedelta(days=box.cadence_days)
    # A box overdue by more than its cadence (the worker was down) gets one delivery now
    # and the next a full cadence later, not a backlog.
    box.next_delivery_at = following if following > now else now + timedelta(
        days=box.cadence_days)
    if not picks:
        session.flush()
        return None
    last = _last_delivery(session, box)
    delivery = BoxDelivery(subscription_id=box.id, customer_id=box.customer_id,
                           number=(last.number if last is not None else 0) + 1,
                           composed_at=now, due_at=due, currency=box.currency,
                           total=sum((pick.price for pick in picks), Decimal(0)))
    session.add(delivery)
    session.flush()
    session.add_all(BoxItem(delivery_id=delivery.id, product_id=pick.product_id,
                            title=pick.title, brand=pick.brand, category=pick.category,
                            price=pick.price, position=position)
                    for position, pick in enumerate(picks))
    session.flush()
    return delivery


def compose_due(session: Session, now: datetime, settings: Settings) -> list[BoxDelivery]:
    """Compose every active box whose delivery is due (``prefero maintain`` and the messages
    worker's ``box_ready`` scanner call it). Idempotent: a composed box's date moves on."""
    due = list(session.scalars(select(BoxSubscription)
                               .where(BoxSubscription.status == "active",
                                      BoxSubscription.next_delivery_at <= now)
                               .order_by(BoxSubscription.next_delivery_at,
                                         BoxSubscription.id)))
    schema = load_facet_schema(settings.facet_schema) if due else None
    composed = []
    for box in due:
        delivery = compose_next(session, box, now=now, settings=settings, schema=schema)
        if delivery is not None:
            composed.append(delivery)
    return composed


def exported_boxes(session: Session, customer_id: str) -> list[ExportedBox]:
    """Every box of the customer with every delivery and rating, for the data export."""
    boxes = _boxes(session, customer_id)
    history = _deliveries_of(session, [box.id for box in boxes])
    return [ExportedBox(**box_out(box).model_dump(), deliveries=history[box.id])
            for box in boxes]
