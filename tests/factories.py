"""Builders for test data written straight through the ORM (no service under test)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.catalog.revisions import bump
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.events.models import Event, ProductActivity

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def product(
    pid: str, *, category: str, price: float = 10.0, brand: str | None = None,
    facets: dict[str, Any] | None = None, title: str | None = None, active: bool = True,
    availability: str = "in_stock", age_days: float = 100.0, description: str = "",
    group: str | None = None,
) -> Product:
    values = dict(facets or {})
    values["category"] = category
    if brand:
        values["brand"] = brand.casefold()
    return Product(
        id=pid, title=title or f"Product {pid}", description=description,
        price=Decimal(str(price)), currency="PLN", availability=availability, brand=brand,
        category=category, facets=values, active=active, item_group_id=group,
        created_at=datetime.now(UTC) - timedelta(days=age_days),
        updated_at=datetime.now(UTC),
    )


def add_products(session: Session, products: Iterable[Product]) -> None:
    session.add_all(list(products))
    bump(session)
    session.flush()


def customer(
    session: Session, cid: str, *, level: str | None = None,
    likes: Iterable[tuple[str, str, float]] = (), never: Iterable[tuple[str, str]] = (),
    must: Iterable[tuple[str, str]] = (), sizes: Iterable[tuple[str, str]] = (),
    dismissed: Iterable[str] = (), budget_max: float | None = None,
    budget_min: float | None = None, exploration: bool = True,
) -> Customer:
    row = Customer(
        id=cid, level=level, exploration=exploration,
        budget_max=Decimal(str(budget_max)) if budget_max is not None else None,
        budget_min=Decimal(str(budget_min)) if budget_min is not None else None,
    )
    session.add(row)
    session.flush()
    for facet, value, weight in likes:
        session.add(Preference(customer_id=cid, kind="like", facet=facet, value=value,
                               weight=weight))
    for kind, pairs in (("never", never), ("must", must), ("size", sizes)):
        for facet, value in pairs:
            session.add(Preference(customer_id=cid, kind=kind, facet=facet, value=value))
    for pid in dismissed:
        session.add(Preference(customer_id=cid, kind="dismiss", facet="product", value=pid))
    session.flush()
    return row


def consent(session: Session, cid: str, purpose: str, granted: bool) -> None:
    session.add(ConsentRecord(customer_id=cid, purpose=purpose, granted=granted,
                              policy_version="test"))
    session.flush()


def events(session: Session, cid: str, items: Iterable[tuple[str, str]], *,
           session_id: str = "s1", at: datetime | None = None) -> None:
    """Linked events, which exist only for customers who consented to tracking: the grant is
    recorded first (a later withdrawal in the test still wins)."""
    consent(session, cid, "tracking", True)
    when = at or datetime.now(UTC) - timedelta(hours=2)
    for offset, (kind, pid) in enumerate(items):
        session.add(Event(customer_id=cid, type=kind, product_id=pid, session_id=session_id,
                          occurred_at=when + timedelta(seconds=offset)))
    session.flush()


def activity(session: Session, counts: dict[str, int], *, kind: str = "purchase",
             days_ago: int = 1) -> None:
    day = (datetime.now(UTC) - timedelta(days=days_ago)).date()
    for pid, count in counts.items():
        session.add(ProductActivity(product_id=pid, day=day, type=kind, count=count))
    session.flush()
