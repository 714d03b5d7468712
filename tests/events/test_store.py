"""One contract for the batch stores (``prefero.events.store``): the portable one on SQLite
and PostgreSQL, the array one on PostgreSQL; each must write exactly these rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.customers.models import Customer, Preference
from prefero.customers.repository import ensure_customers
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.schemas import EventIn
from prefero.events.store import BatchStore, PortableStore, PostgresStore, store_for
from prefero.runtime import Runtime

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 1, 6, 8, 30, tzinfo=UTC)
DAY = date(2026, 1, 5)


@pytest.fixture(params=["portable", "postgres"])
def store(request: pytest.FixtureRequest, runtime: Runtime) -> BatchStore:
    if request.param == "postgres":
        if runtime.engine.dialect.name != "postgresql":
            pytest.skip("the array store is for PostgreSQL")
        return PostgresStore()
    return PortableStore()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.session() as session:
        yield session


def test_each_database_gets_its_store(runtime: Runtime, session: Session) -> None:
    expected = PostgresStore if runtime.engine.dialect.name == "postgresql" else PortableStore
    assert isinstance(store_for(session), expected)


def test_claim_returns_the_keys_it_inserted_and_nothing_stored_before(
    store: BatchStore, session: Session
) -> None:
    assert store.claim(session, ["a", "b"], now=NOW) == {"a", "b"}
    assert store.claim(session, ["b", "c"], now=LATER) == {"c"}
    assert store.claim(session, [], now=LATER) == set()
    stored = {r.key: r.received_at for r in session.scalars(select(EventReceipt))}
    assert stored == {"a": NOW, "b": NOW, "c": LATER}


def test_existing_receipts_are_found_among_many_keys(
    store: BatchStore, session: Session
) -> None:
    store.claim(session, ["k0005", "k0950", "k1999"], now=NOW)
    keys = [f"k{i:04d}" for i in range(2000)]  # more than one IN chunk
    assert store.existing_receipts(session, keys) == {"k0005", "k0950", "k1999"}
    assert store.existing_receipts(session, []) == set()


def test_customers_are_created_once_like_the_customers_service_creates_them(
    store: BatchStore, session: Session
) -> None:
    ensure_customers(session, {"known": False, "reference": True})
    store.ensure_customers(session, {"known": True, "v-1": True, "c-1": False}, now=NOW)
    store.ensure_customers(session, {}, now=NOW)
    rows = {c.id: c for c in session.scalars(select(Customer))}
    assert {cid: c.anonymous for cid, c in rows.items()} == {
        "known": False, "reference": True, "v-1": True, "c-1": False}
    assert (rows["v-1"].created_at, rows["v-1"].updated_at) == (NOW, NOW)

    def columns(customer: Customer) -> dict[str, object]:
        return {column.key: getattr(customer, column.key)
                for column in Customer.__table__.columns
                if column.key not in ("id", "created_at", "updated_at")}

    assert columns(rows["v-1"]) == columns(rows["reference"])


def test_events_are_stored_in_order_with_every_field(
    store: BatchStore, session: Session
) -> None:
    ensure_customers(session, {"c-1": False, "v-1": True})
    events = [
        EventIn(event_id="1", type="purchase", customer_id="c-1", product_id="sku-1",
                quantity=2, price=Decimal("19.99"), session_id="s-1", placement="cart",
                order_id="T-1", occurred_at=NOW),
        EventIn(event_id="2", type="search", anonymous_id="v-1", query='rain "jacket", {x}',
                occurred_at=LATER),
        EventIn(event_id="3", type="rating", customer_id="c-1", product_id="sku-2",
                rating=4.5, occurred_at=NOW),
    ]
    store.add_events(session, events, now=LATER)
    store.add_events(session, [], now=LATER)
    rows = [(e.customer_id, e.type, e.product_id, e.quantity, e.price, e.rating, e.query,
             e.placement, e.session_id, e.order_id, e.occurred_at, e.received_at)
            for e in session.scalars(select(Event).order_by(Event.id))]
    assert rows == [
        ("c-1", "purchase", "sku-1", 2, Decimal("19.99"), None, None, "cart", "s-1", "T-1",
         NOW, LATER),
        ("v-1", "search", None, None, None, None, 'rain "jacket", {x}', None, None, None,
         LATER, LATER),
        ("c-1", "rating", "sku-2", None, None, 4.5, None, None, None, None, NOW, LATER),
    ]


def test_counts_add_to_the_counters_there_are(store: BatchStore, session: Session) -> None:
    store.add_counts(session, {("p", DAY, "view"): 3, ("p", DAY, "purchase"): 1})
    store.add_counts(session, {("p", DAY, "view"): 2, ("q", date(2026, 1, 6), "view"): 1})
    store.add_counts(session, {})
    counters = {(a.product_id, a.day, a.type): a.count
                for a in session.scalars(select(ProductActivity))}
    assert counters == {("p", DAY, "view"): 5, ("p", DAY, "purchase"): 1,
                        ("q", date(2026, 1, 6), "view"): 1}


def test_dismissing_again_only_moves_when_it_last_happened(
    store: BatchStore, session: Session
) -> None:
    ensure_customers(session, {"v-1": True, "c-1": False})
    store.dismiss(session, [("c-1", "p1"), ("v-1", "p1")], now=NOW)
    store.dismiss(session, [("v-1", "p1"), ("v-1", "p2")], now=LATER)
    store.dismiss(session, [], now=LATER)
    rows = {(p.customer_id, p.value): (p.kind, p.facet, p.weight, p.source, p.created_at,
                                       p.updated_at)
            for p in session.scalars(select(Preference))}
    assert rows == {
        ("c-1", "p1"): ("dismiss", "product", None, "dismiss", NOW, NOW),
        ("v-1", "p1"): ("dismiss", "product", None, "dismiss", NOW, LATER),
        ("v-1", "p2"): ("dismiss", "product", None, "dismiss", LATER, LATER),
    }
