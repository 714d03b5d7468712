"""Small data-access helpers for customers shared by several services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.errors import NotFound

__all__ = ["ensure_customers", "get_customer", "require_customer"]


def ensure_customers(session: Session, ids: dict[str, bool]) -> None:
    """Create the customers in ``ids`` (id → anonymous?) that do not exist yet, race-free."""
    if not ids:
        return
    now = utcnow()
    rows = [
        {"id": cid, "anonymous": anonymous, "exploration": True, "created_at": now,
         "updated_at": now}
        for cid, anonymous in ids.items()
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Customer).values(rows).on_conflict_do_nothing(index_elements=["id"]))


def get_customer(session: Session, customer_id: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.id == customer_id))


def require_customer(session: Session, customer_id: str) -> Customer:
    """The customer; ``NotFound`` for an id never seen, so reads never create a customer.

    >>> require_customer(session, "c1").id  # doctest: +SKIP
    'c1'
    """
    customer = get_customer(session, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    return customer
