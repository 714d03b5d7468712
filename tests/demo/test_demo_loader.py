"""Loading a small demo into the test database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from prefero.catalog.models import Product
from prefero.catalog.revisions import current
from prefero.customers.consent import current_consents
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.demo.catalog import CURRENCY
from prefero.demo.loader import DemoSummary, load_demo
from prefero.demo.shop import generate_demo
from prefero.events.models import Event, ProductActivity
from prefero.quizzes.definition import SetBudget
from prefero.quizzes.loader import load_definition
from prefero.quizzes.publish import library_files
from prefero.runtime import Runtime

ANCHOR = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRODUCTS, CUSTOMERS = 300, 200


def _counts(runtime: Runtime) -> dict[str, int]:
    with runtime.session() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Product, Customer, Preference, ConsentRecord, Event, ProductActivity)
        }


def test_load_small_demo(runtime: Runtime) -> None:
    stages: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        assert 0 <= done <= total
        if stage not in stages:
            stages.append(stage)

    summary = load_demo(runtime, seed=7, products=PRODUCTS, customers=CUSTOMERS, anchor=ANCHOR,
                        progress=progress)
    shop = generate_demo(seed=7, products=PRODUCTS, customers=CUSTOMERS, anchor=ANCHOR,
                         schema=runtime.facet_schema)

    assert summary.loaded
    assert stages == ["generate", "products", "customers", "preferences", "consents", "events",
                      "activity"]
    expected = {
        "products": PRODUCTS + len(shop.services),
        "customers": CUSTOMERS,
        "preferences": len(list(shop.preference_rows())),
        "consent_records": len(list(shop.consent_rows())),
        "events": len(shop.behaviour.events),
        "product_activity": len(shop.behaviour.activity),
    }
    assert _counts(runtime) == expected
    assert (summary.products, summary.customers, summary.preferences, summary.consents,
            summary.events, summary.activity) == tuple(expected.values())
    assert expected["events"] > 0 and expected["preferences"] > 0

    with runtime.session() as session:
        assert current(session) == 1
        stored = session.get(Product, shop.products[0].id)
        assert stored is not None
        assert stored.facets == shop.products[0].facets
        assert stored.price == shop.products[0].price
        assert stored.currency == "PLN"
        assert stored.created_at == shop.products[0].created_at
        activity = session.scalar(select(func.sum(ProductActivity.count)))
        assert activity == shop.behaviour.simulated
        untracked = session.scalar(
            select(func.count()).select_from(Event).where(Event.customer_id == "c00002"))
        assert untracked == 0
        consents = current_consents(session, customer_id="c00002", settings=runtime.settings)
        assert consents["tracking"] is False
        persona = session.get(Customer, "c00002")
        assert persona is not None and persona.level == "off"
        never_gluten = session.scalar(
            select(func.count()).select_from(Preference).where(
                Preference.customer_id == "c00001", Preference.kind == "never",
                Preference.facet == "allergens", Preference.value == "gluten"))
        assert never_gluten == 1


def test_loading_twice_does_not_duplicate(runtime: Runtime) -> None:
    first = load_demo(runtime, products=PRODUCTS, customers=CUSTOMERS, anchor=ANCHOR)
    before = _counts(runtime)
    second = load_demo(runtime, seed=8, products=PRODUCTS, customers=CUSTOMERS, anchor=ANCHOR)

    assert isinstance(second, DemoSummary)
    assert not second.loaded
    assert _counts(runtime) == before
    assert (second.products, second.events) == (first.products, first.events)
    with runtime.session() as session:
        assert current(session) == 1


def test_the_demo_shop_states_one_currency_everywhere(runtime: Runtime) -> None:
    shop = generate_demo(seed=7, products=60, customers=20, anchor=ANCHOR,
                         schema=runtime.facet_schema)
    assert CURRENCY == runtime.shop_currency == "PLN"
    assert {row["currency"] for row in shop.product_rows()} == {CURRENCY}  # services too
    # The quizzes it publishes ask for budgets in the same currency.
    budget_ranges = [
        question.range
        for path in library_files()
        for question in load_definition(path.read_bytes(), source=path.name,
                                        schema=runtime.facet_schema).questions
        if question.range is not None
        and any(isinstance(effect, SetBudget) for effect in question.range.effects)
    ]
    assert budget_ranges and {spec.unit for spec in budget_ranges} == {CURRENCY}


def test_the_demo_does_not_load_into_a_shop_selling_in_another_currency(
        runtime: Runtime) -> None:
    euro = Runtime(runtime.settings.model_copy(update={"shop_currency": "EUR"}))
    try:
        with pytest.raises(ValueError, match="the demo shop sells in PLN, but "
                                             "PREFERO_SHOP_CURRENCY is EUR"):
            load_demo(euro, products=60, customers=20, anchor=ANCHOR)
    finally:
        euro.close()
    assert _counts(runtime)["products"] == 0
