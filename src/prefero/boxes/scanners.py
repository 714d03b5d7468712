"""The taste box's and replenishment's message triggers, run by the messages worker.

``box_ready`` first composes every box that is due (``compose_due``), then offers one message
per recently composed delivery that still has unrated items; ``replenishment`` offers one
per consumable due within ``Settings.replenishment_lead_days`` whose product passes the
customer's rules (``prefero.boxes.replenishment.reminders``). Both are idempotent: the
occasion (the delivery's number; the due date) makes the dedup key, so a second run queues
nothing new.

Subject keys: ``box:<box id>`` (occasion: the delivery's number) and ``product:<id>`` or
``category:<leaf path>`` (occasion: the due date, ISO).

``params`` (all text), for the wording:

- box_ready: ``box_id``, ``box_theme`` (the theme key), ``box_name`` (English; translate by
  the key), ``delivery_number``, ``items`` (the titles, joined by ", "), ``item_count``,
  ``total`` and ``currency`` (a plain decimal and an ISO 4217 code, for the renderer to
  format in the customer's language).
- replenishment: ``product_id``, ``title``, ``category``, ``scope`` ("product" or
  "category"), ``last_bought`` and ``due_on`` (ISO dates), ``interval_days`` (whole days).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.boxes.models import BoxDelivery, BoxItem, BoxSubscription
from prefero.boxes.replenishment import reminders
from prefero.boxes.service import compose_due
from prefero.boxes.themes import theme_name
from prefero.config import Settings
from prefero.events.models import Event
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.service import offer
from prefero.messaging.triggers.cursors import cursor_of, save_cursor

__all__ = ["BOX_READY_DAYS", "PURCHASE_LOOKBACK_DAYS", "REPLENISHMENT_BATCH", "box_ready",
           "replenishment"]

#: A delivery composed longer ago than this is old news: no "ready to rate" for it.
BOX_READY_DAYS = 7
#: Customers whose last purchase is older than this have no cadence worth a reminder.
PURCHASE_LOOKBACK_DAYS = 365
#: Customers (the day's pass) and purchase events (since the last run) read per run.
REPLENISHMENT_BATCH = 500
#: The scan cursors of the replenishment scanner's two passes.
DAILY_CURSOR = "replenishment_daily"
EVENTS_CURSOR = "replenishment_events"


def _subject(scope: str, value: str) -> str:
    """``product:<id>`` or ``category:<path>``; a path too long for the outbox's column
    (500 characters) by its digest, which is as stable."""
    key = f"{scope}:{value}"
    if len(key) <= 500:
        return key
    return f"{scope}:sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def box_ready(session: Session, now: datetime, settings: Settings) -> int:
    """Compose the boxes due, then offer "your box is ready" for each fresh delivery the
    customer has not finished rating. Returns how many offers it made."""
    compose_due(session, now, settings)
    fresh = session.execute(
        select(BoxDelivery, BoxSubscription.theme)
        .join(BoxSubscription, BoxSubscription.id == BoxDelivery.subscription_id)
        .where(BoxDelivery.composed_at >= now - timedelta(days=BOX_READY_DAYS),
               BoxDelivery.composed_at <= now)
        .order_by(BoxDelivery.id)).all()
    offered = 0
    for delivery, theme in fresh:
        items = list(session.scalars(select(BoxItem).where(BoxItem.delivery_id == delivery.id)
                                     .order_by(BoxItem.position, BoxItem.id)))
        if not items or all(item.rating is not None for item in items):
            continue
        offer(session, MessageOffer(
            customer_id=delivery.customer_id, trigger=Trigger.BOX_READY,
            subject_key=f"box:{delivery.subscription_id}", occasion=str(delivery.number),
            params={"box_id": str(delivery.subscription_id), "box_theme": theme,
                    "box_name": theme_name(theme), "delivery_number": str(delivery.number),
                    "items": ", ".join(item.title for item in items),
                    "item_count": str(len(items)), "total": f"{delivery.total:.2f}",
                    "currency": delivery.currency},
            product_ids=tuple(item.product_id for item in items),
            occurred_at=delivery.composed_at), now=now, settings=settings)
        offered += 1
    return offered


def _daily_batch(session: Session, now: datetime, *, limit: int) -> list[str]:
    """The next customers of the day's pass over everyone with a recent purchase.

    The pass's cursor keeps the day it serves (``last_at``, midnight UTC) and how many
    customers, in id order, it has handled (``last_id``; ``-1``: the pass is over). A pass
    longer than a day's runs goes on the next day before a new one starts. The window's
    start is fixed by the pass's day, so the list only grows while it is read: a customer
    whose first purchase lands before the position is the event pass's (below), and the
    customer it pushes on is merely read twice.
    """
    cursor = cursor_of(session, DAILY_CURSOR)
    today = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    if cursor.last_at is None or (cursor.last_id < 0 and cursor.last_at < today):
        save_cursor(cursor, now=now, last_at=today, last_id=0)  # a new day: a new pass
    elif cursor.last_id < 0:
        return []  # today's pass is over
    assert cursor.last_at is not None
    customers = list(session.scalars(
        select(Event.customer_id).where(
            Event.type == "purchase",
            Event.occurred_at >= cursor.last_at - timedelta(days=PURCHASE_LOOKBACK_DAYS))
        .distinct().order_by(Event.customer_id).offset(cursor.last_id).limit(limit)))
    save_cursor(cursor, now=now,
                last_id=cursor.last_id + len(customers) if len(customers) == limit else -1)
    return customers


def _bought_since_last_run(session: Session, now: datetime, *, limit: int) -> list[str]:
    """Customers with a purchase or refund recorded since the last run (in event id order,
    ``limit`` events per run). The very first run starts from the newest event: the day's
    pass covers what came before. An id committed late (PostgreSQL hands ids out at insert)
    may be passed over here; the next day's pass reads that customer anyway."""
    cursor = cursor_of(session, EVENTS_CURSOR)
    if cursor.last_at is None:
        newest = session.scalar(select(func.max(Event.id)))
        save_cursor(cursor, now=now, last_at=now, last_id=newest or 0)
        return []
    rows = session.execute(
        select(Event.id, Event.customer_id).where(
            Event.id > cursor.last_id, Event.type.in_(("purchase", "refund")))
        .order_by(Event.id).limit(limit)).all()
    if rows:
        save_cursor(cursor, now=now, last_at=now, last_id=rows[-1].id)
    return list(dict.fromkeys(customer_id for _, customer_id in rows))


def replenishment(session: Session, now: datetime, settings: Settings, *,
                  batch: int = REPLENISHMENT_BATCH) -> int:
    """Offer a reminder for each consumable due within the lead time that the customer's
    rules allow. Returns how many.

    A reminder's window opens on a calendar day, so each customer is read once a day (the
    day's pass, ``batch`` customers per run), and again when they buy or return something
    (the event pass, ``batch`` events per run); not every customer on every run.
    """
    customers = dict.fromkeys(_bought_since_last_run(session, now, limit=batch))
    customers |= dict.fromkeys(_daily_batch(session, now, limit=batch))
    offered = 0
    for customer_id in customers:
        for due in reminders(session, customer_id=customer_id, settings=settings, now=now):
            offer(session, MessageOffer(
                customer_id=customer_id, trigger=Trigger.REPLENISHMENT,
                subject_key=_subject(due.scope, due.product_id if due.scope == "product"
                                     else due.category),
                occasion=due.due_on.isoformat(),
                params={"product_id": due.product_id, "title": due.title,
                        "category": due.category, "scope": due.scope,
                        "last_bought": due.last_bought.isoformat(),
                        "due_on": due.due_on.isoformat(),
                        "interval_days": str(round(due.interval_days))},
                product_ids=(due.product_id,)), now=now, settings=settings)
            offered += 1
    session.flush()
    return offered
