"""A small shop for the trigger tests: products written through the catalogue service (so
that their changes are recorded), customers with rules, follows and watches, and a recorder
of what the scanners offer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from prefero.catalog.schemas import ProductIn
from prefero.catalog.service import upsert_products
from prefero.follows.models import Follow
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import MessageOffer
from prefero.runtime import Runtime

# Midday in Warsaw: outside the default quiet hours, so offers are queued at once.
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def item(pid: str, **fields: Any) -> ProductIn:
    values: dict[str, Any] = {"id": pid, "title": f"Product {pid}", "price": "100.00",
                              "currency": "PLN", "brand": "Acme",
                              "category": "Fashion > Shoes > Running"}
    values.update(fields)
    return ProductIn.model_validate(values)


def upsert(runtime: Runtime, *items: ProductIn) -> None:
    with runtime.session() as session:
        upsert_products(session, list(items), schema=runtime.facet_schema,
                        converter=runtime.currency_converter)


def follow(runtime: Runtime, cid: str, kind: str, value: str) -> None:
    """As the follows service stores it: in the catalogue's compared form."""
    with runtime.session() as session:
        session.add(Follow(customer_id=cid, kind=kind,
                           value=runtime.facet_schema.compared(kind, value), created_at=NOW))


def outbox(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(customer, trigger, subject) of every queued message, one per occasion and channel."""
    with runtime.session() as session:
        return sorted((m.customer_id, m.trigger, m.subject_key)
                      for m in session.scalars(select(OutboxMessage)))


class Recorder:
    def __init__(self) -> None:
        self.offers: list[MessageOffer] = []

    def who(self) -> list[str]:
        return sorted(o.customer_id for o in self.offers)

    def clear(self) -> None:
        self.offers.clear()

