"""The shared loop of the price-drop and back-in-stock triggers: read the product changes
after the scanner's cursor, find who asked to hear about each changed product, keep those
whose rules allow it, offer one message each, and move the cursor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.changes import ChangeKind, ProductChange
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.messaging import service
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.triggers.audience import (
    RuleGate,
    facet_schema,
    interested,
    product_params,
)
from prefero.messaging.triggers.cursors import cursor_of, pending_changes, save_cursor

__all__ = ["scan_product_changes"]

#: (the change, the product as it is now) -> its occasion and extra params.
Describe = Callable[[ProductChange, Product], tuple[str, dict[str, str]]]


def scan_product_changes(session: Session, now: datetime, settings: Settings, *,
                         scanner: str, kind: ChangeKind, trigger: Trigger, watch: str,
                         describe: Describe) -> int:
    """Offer ``trigger`` for every change of ``kind`` after the scanner's cursor; how many
    offers were made. Commits nothing."""
    cursor = cursor_of(session, scanner)
    batch = pending_changes(session, after_id=cursor.last_id, now=now)
    mine = [c for c in batch.changes if c.kind == kind]
    # The latest change of a product wins: two cuts in one batch are one message, at the
    # lower price.
    latest = {c.product_id: c for c in mine}
    products = list(session.scalars(select(Product).where(Product.id.in_(sorted(latest)))))
    schema = facet_schema(settings)
    gate = RuleGate(session, settings=settings, schema=schema, products=products)
    offered = 0
    for product in products:
        change = latest[product.id]
        if not gate.index.eligible[gate.index.position[product.id]]:
            continue  # no longer orderable (taken out, sold out again): nothing to tell
        occasion, extra = describe(change, product)
        audience = interested(session, product, schema=schema, watch=watch)
        for customer_id, because in sorted(audience.items()):
            if because == "like" and not gate.uses_likes(customer_id):
                continue
            if not gate.allows(customer_id, product.id):
                continue
            params = {**product_params(product), **extra, "because": because}
            service.offer(session, MessageOffer(
                customer_id=customer_id, trigger=trigger, subject_key=product.id,
                occasion=occasion, params=params, product_ids=(product.id,),
                occurred_at=change.changed_at), now=now, settings=settings)
            offered += 1
    save_cursor(cursor, now=now, last_id=batch.last_id)
    session.flush()
    return offered
