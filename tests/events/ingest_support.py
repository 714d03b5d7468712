"""Helpers for the events tests: granting consent straight into the ledger (so these tests
do not depend on the customers API) and snapshots of everything ingest writes.

A plain module rather than a conftest.py: a second conftest would take the ``conftest``
module name that other tests import their constants from.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.customers.repository import ensure_customers
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.runtime import Runtime

__all__ = ["grant", "snapshot", "wipe"]


def grant(runtime: Runtime, *customer_ids: str, granted: bool = True) -> None:
    """Append a tracking grant (or withdrawal) for each customer, creating them."""
    with runtime.session() as session:
        for customer_id in customer_ids:
            ensure_customers(session, {customer_id: False})
            session.add(ConsentRecord(customer_id=customer_id, purpose="tracking",
                                      granted=granted, policy_version="t"))
            # One row at a time, so that ids (the ledger's order) follow the calls.
            session.flush()


def snapshot_of(session: Session) -> dict[str, Any]:
    events = Counter(
        (e.customer_id, e.type, e.product_id, e.quantity,
         None if e.price is None else str(e.price), e.rating, e.query, e.placement,
         e.session_id, e.order_id, e.occurred_at.isoformat())
        for e in session.scalars(select(Event))
    )
    return {
        "events": events,
        "counters": {(a.product_id, a.day, a.type): a.count
                     for a in session.scalars(select(ProductActivity))},
        "receipts": set(session.scalars(select(EventReceipt.key))),
        "preferences": {(p.customer_id, p.kind, p.facet, p.value, p.source)
                        for p in session.scalars(select(Preference))},
        "customers": {(c.id, c.anonymous) for c in session.scalars(select(Customer))},
    }


def snapshot(runtime: Runtime) -> dict[str, Any]:
    """What ingest stored, comparable across runs (no surrogate ids, no receipt times)."""
    with runtime.session() as session:
        return snapshot_of(session)


def wipe(runtime: Runtime) -> None:
    """Empty every table ingest touches (children first, for the foreign keys)."""
    with runtime.session() as session:
        for model in (Event, Preference, ConsentRecord, EventReceipt, ProductActivity,
                      Customer):
            session.execute(delete(model))
