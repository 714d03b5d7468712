"""Helpers for the messaging policy's tests: customers with consents, zones and terms, and
offers made at a chosen moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import record_consent
from prefero.customers.models import Customer
from prefero.customers.repository import ensure_customers
from prefero.customers.schemas import ConsentIn
from prefero.messaging.kinds import Trigger
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import MessageOffer
from prefero.messaging.service import Queued, offer
from prefero.messaging.terms import MessageTermsIn, save_terms


def every_channel(settings: Settings) -> Settings:
    """``settings`` with every channel configured (``offer`` queues only for those)."""
    return settings.model_copy(update={
        "mailbox_dir": Path(settings.data_dir) / "mailbox", "push_url": "http://push.test/",
        "webhook_url": "http://webhook.test/"})


def customer(session: Session, settings: Settings, customer_id: str, *,
             zone: str | None = None,
             consents: tuple[str, ...] = ("marketing_inbox",)) -> None:
    """A known customer with ``consents`` granted (purposes) and a time zone."""
    ensure_customers(session, {customer_id: False})
    session.flush()
    row = session.get(Customer, customer_id)
    assert row is not None
    row.time_zone = zone
    for purpose in consents:
        record_consent(session, customer_id=customer_id, settings=settings,
                       consent=ConsentIn.model_validate({"purpose": purpose, "granted": True}))


def terms(session: Session, customer_id: str, settings: Settings, now: datetime,
          **values: object) -> None:
    save_terms(session, customer_id=customer_id, settings=settings, now=now,
               terms=MessageTermsIn.model_validate(values))


def drop(customer_id: str, occasion: str = "79.00", *, product: str = "p1",
         trigger: Trigger = Trigger.PRICE_DROP) -> MessageOffer:
    return MessageOffer(customer_id=customer_id, trigger=trigger, subject_key=product,
                        occasion=occasion, product_ids=(product,),
                        params={"title": "Trail shoe", "old_price": "99.00",
                                "new_price": occasion, "currency": "PLN"})


def offered(session: Session, message: MessageOffer, now: datetime,
            settings: Settings) -> list[Queued]:
    return offer(session, message, now=now, settings=settings)


def outbox(session: Session, customer_id: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.customer_id == customer_id).order_by(OutboxMessage.id)))
