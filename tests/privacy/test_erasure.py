"""Erasure is complete: after it, no cell of any table holds the customer id; only a receipt
(hash of the id, time) remains."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.customers.consent import record_consent
from prefero.customers.models import Customer
from prefero.customers.preferences import get_preferences, put_preferences
from prefero.customers.schemas import Budget, ConsentIn, Constraint, Like, PreferencesIn, SizeSet
from prefero.db.models import Base
from prefero.errors import NotFound
from prefero.events.models import Event
from prefero.privacy.models import ErasureReceipt
from prefero.privacy.schemas import ErasureReceiptOut
from prefero.privacy.service import erase_customer, subject_hash
from prefero.runtime import Runtime

T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
PROFILE = PreferencesIn(
    likes=[Like(facet="brand", value="Acme", weight=0.9, source="quiz:style-1")],
    constraints=[Constraint(facet="allergens", op="never", values=["peanuts"])],
    budget=Budget(max=Decimal("99.99")),
    sizes=[SizeSet(category="Shoes", values=["42"])],
    level="full",
    dismissed=["p2"],
)


def table_names(engine: Engine) -> list[str]:
    """Every table the ORM knows, every table the database has (the FTS index included)."""
    names = {table.name for table in Base.metadata.sorted_tables}
    names |= set(inspect(engine).get_table_names())
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            names |= set(connection.scalars(text(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'table' AND name LIKE 'product_search%'")))
    return sorted(names)


def cells_holding(engine: Engine, needle: str) -> list[str]:
    found: list[str] = []
    with engine.connect() as connection:
        for name in table_names(engine):
            # SELECT * rather than the ORM columns: catches columns that only migrations add
            # (the PostgreSQL search vector) and tables without a model.
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        hit = needle.encode() in bytes(value)
                    elif isinstance(value, dict | list):
                        dumped = json.dumps(value, ensure_ascii=False)
                        hit = needle in dumped or needle in str(value)
                    else:
                        hit = needle in str(value)
                    if hit:
                        found.append(f"{name}: {value!r}")
    return found


def seed_catalog(session: Session) -> None:
    session.add_all([
        Product(id="p1", title="Trail Runner 2", price=Decimal("89.00"), currency="EUR",
                brand="Acme", category="Shoes > Running", facets={"brand": "acme"}),
        Product(id="p2", title="City Walker", price=Decimal("59.00"), currency="EUR",
                brand="Zeta", category="Shoes > Casual", facets={"brand": "zeta"}),
    ])


def seed_customer(runtime: Runtime, customer_id: str, profile: PreferencesIn,
                  n_events: int = 3, consents: tuple[tuple[str, bool], ...] = (
                      ("tracking", True), ("marketing_email", False))) -> None:
    with runtime.session() as session:
        put_preferences(session, customer_id=customer_id, prefs=profile,
                        schema=runtime.facet_schema, settings=runtime.settings)
        for i, (purpose, granted) in enumerate(consents):
            record_consent(session, customer_id=customer_id, settings=runtime.settings,
                           consent=ConsentIn.model_validate({"purpose": purpose,
                                                             "granted": granted}),
                           idempotency_key=f"{customer_id}-consent-{i}")
        session.add_all(
            Event(customer_id=customer_id, type="purchase" if i % 2 else "view",
                  product_id=f"p{1 + i % 2}", session_id=f"{customer_id}-session",
                  query=None, price=Decimal("89.00"), occurred_at=T0 + timedelta(hours=i))
            for i in range(n_events))


def erase(runtime: Runtime, customer_id: str) -> ErasureReceiptOut:
    with runtime.session() as session:
        return erase_customer(session, customer_id=customer_id, settings=runtime.settings)


def test_no_cell_of_any_table_holds_the_id_after_erasure(runtime: Runtime) -> None:
    customer_id = "cust-erase-me-0042"
    with runtime.session() as session:
        seed_catalog(session)
    seed_customer(runtime, customer_id, PROFILE, n_events=5)
    seed_customer(runtime, "cust-bystander-7", PROFILE, n_events=2)
    assert cells_holding(runtime.engine, customer_id)  # the scan does see the seeded data

    receipt = erase(runtime, customer_id)

    assert cells_holding(runtime.engine, customer_id) == []
    with runtime.session() as session:
        stored = session.scalars(select(ErasureReceipt)).one()
        assert stored.subject_hash == subject_hash(customer_id, key=runtime.settings.erasure_key)
        assert receipt.subject_hash == stored.subject_hash
        assert receipt.deleted["events"] == 5
        assert receipt.deleted["customers"] == 1
        # The bystander is untouched.
        other = get_preferences(session, customer_id="cust-bystander-7",
                                settings=runtime.settings)
        assert other.likes[0].value == "acme"
        assert session.scalar(select(func.count()).select_from(Event)) == 2
        assert session.scalar(select(func.count()).select_from(Product)) == 2


def test_erasure_does_not_rely_on_foreign_key_cascades(runtime: Runtime,
                                                       database_url: str) -> None:
    customer_id = "cust-no-cascade"
    seed_customer(runtime, customer_id, PROFILE)
    # A plain engine: on SQLite it runs without PRAGMA foreign_keys, so cascades are off.
    engine = create_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            if engine.dialect.name == "sqlite":
                assert session.scalar(text("PRAGMA foreign_keys")) == 0
            erase_customer(session, customer_id=customer_id, settings=runtime.settings)
        assert cells_holding(engine, customer_id) == []
    finally:
        engine.dispose()


def test_a_repeated_erasure_answers_the_same_receipt(runtime: Runtime) -> None:
    seed_customer(runtime, "c1", PROFILE)
    first = erase(runtime, "c1")
    second = erase(runtime, "c1")
    assert (first.already_erased, second.already_erased) == (False, True)
    assert second.deleted == {}
    assert (second.erased_at, second.subject_hash) == (first.erased_at, first.subject_hash)
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(ErasureReceipt)) == 1
        assert session.get(Customer, "c1") is None


def test_erasing_an_id_never_seen_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        erase(runtime, "never-seen")


def reset(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


customer_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=4, max_size=60,
).map(lambda tail: f"cust-{tail}")
brands = st.sampled_from(["acme", "zeta", "nordic", "sol"])
profiles = st.builds(
    lambda liked, excluded, budget, level, dismissed: PreferencesIn(
        likes=[Like(facet="brand", value=b, weight=0.5) for b in sorted(liked)],
        constraints=[Constraint(facet="diet", op="never", values=sorted(excluded))]
        if excluded else [],
        budget=Budget(max=budget) if budget is not None else None,
        level=level,
        dismissed=sorted(dismissed),
    ),
    st.sets(brands, max_size=3),
    st.sets(st.sampled_from(["gluten", "lactose", "sugar"]), max_size=2),
    st.none() | st.decimals(min_value=0, max_value=10_000, places=2),
    st.sampled_from([None, "off", "declared", "balanced", "full"]),
    st.sets(st.sampled_from(["p1", "p2", "p3"]), max_size=2),
)


# The runtime (one migrated database per test) is function-scoped on purpose: each example
# starts from empty tables by calling reset(), which is cheaper than a fresh database each time.
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(customer_id=customer_ids, profile=profiles, n_events=st.integers(0, 4),
       consents=st.lists(st.tuples(st.sampled_from(["tracking", "marketing_push"]),
                                   st.booleans()), max_size=3))
def test_erasure_leaves_no_trace_for_any_id_and_profile(
        runtime: Runtime, customer_id: str, profile: PreferencesIn, n_events: int,
        consents: list[tuple[str, bool]]) -> None:
    reset(runtime.engine)
    with runtime.session() as session:
        seed_catalog(session)
    seed_customer(runtime, customer_id, profile, n_events=n_events, consents=tuple(consents))
    erase(runtime, customer_id)
    assert cells_holding(runtime.engine, customer_id) == []
    with runtime.session() as session:
        receipts = session.scalars(select(ErasureReceipt.subject_hash)).all()
    assert receipts == [subject_hash(customer_id, key=runtime.settings.erasure_key)]
