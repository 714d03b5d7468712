""""What we know about you": profile, preferences, consent history, events and what is
derived from them, with a known answer for the inferred affinities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.consent import record_consent
from prefero.customers.preferences import put_preferences
from prefero.customers.schemas import Budget, ConsentIn, Constraint, Like, PreferencesIn
from prefero.errors import NotFound
from prefero.events.models import Event
from prefero.privacy.schemas import CustomerDataOut
from prefero.privacy.service import LATEST_EVENTS, customer_data
from prefero.runtime import Runtime

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def product(pid: str, brand: str, category: str) -> Product:
    return Product(id=pid, title=f"{brand} {pid}", price=Decimal("50.00"), currency="EUR",
                   brand=brand, category=category)


def seed(runtime: Runtime) -> None:
    with runtime.session() as session:
        session.add_all([
            product("p1", "Acme", "Shoes > Running"),
            product("p2", "ACME ", "Shoes > Running"),
            product("p3", "Zeta", "Shoes > Casual"),
            product("p4", "Nordic", "Outdoor > Jackets"),
        ])
        put_preferences(session, customer_id="c1", schema=runtime.facet_schema,
                        settings=runtime.settings, prefs=PreferencesIn(
                            likes=[Like(facet="brand", value="Acme", weight=0.6)],
                            constraints=[Constraint(facet="diet", op="never",
                                                    values=["gluten"])],
                            budget=Budget(max=Decimal("150")),
                            level="full",
                            dismissed=["p4", "gone-from-catalog"]))
        for purpose, granted in (("tracking", True), ("marketing_email", True),
                                 ("marketing_email", False)):
            record_consent(session, customer_id="c1", settings=runtime.settings,
                           consent=ConsentIn.model_validate({"purpose": purpose,
                                                             "granted": granted}))
        # Known answer. Weighted: Zeta 2 purchases x5 = 10; Acme 1 add_to_cart x3 + 4 views
        # = 7; a dismissal, a search and a product no longer in the catalog count for nothing.
        plan = ([("purchase", "p3")] * 2 + [("add_to_cart", "p1")]
                + [("view", "p1"), ("view", "p2"), ("view", "p2"), ("view", "p1")]
                + [("rec_dismiss", "p4"), ("search", None), ("view", "gone-from-catalog")])
        session.add_all(Event(customer_id="c1", type=kind, product_id=pid,
                              query="trail shoes" if kind == "search" else None,
                              occurred_at=T0 + timedelta(minutes=i))
                        for i, (kind, pid) in enumerate(plan))


def export(runtime: Runtime, customer_id: str = "c1") -> CustomerDataOut:
    with runtime.session() as session:
        return customer_data(session, customer_id=customer_id, settings=runtime.settings)


def test_export_holds_profile_preferences_and_consent_history(runtime: Runtime) -> None:
    seed(runtime)
    data = export(runtime)
    assert data.customer_id == "c1"
    assert (data.profile.level, data.profile.effective_level, data.profile.exploration) == (
        "full", "full", True)
    assert data.profile.budget is not None and data.profile.budget.max == Decimal("150")
    assert data.profile.created_at <= data.profile.updated_at <= data.generated_at
    assert [(x.value, x.source) for x in data.preferences.likes] == [("acme", "declared")]
    assert all(x.updated_at is not None for x in data.preferences.likes)
    assert [(h.purpose, h.granted) for h in data.consents.history] == [
        ("tracking", True), ("marketing_email", True), ("marketing_email", False)]
    assert data.consents.consents["marketing_email"] is False


def test_export_counts_events_and_lists_the_latest(runtime: Runtime) -> None:
    seed(runtime)
    events = export(runtime).events
    assert events.by_type == {"add_to_cart": 1, "purchase": 2, "rec_dismiss": 1, "search": 1,
                              "view": 5}
    assert events.total == 10
    assert (events.first_at, events.last_at) == (T0, T0 + timedelta(minutes=9))
    assert [e.occurred_at for e in events.latest] == sorted(
        (e.occurred_at for e in events.latest), reverse=True)
    assert events.latest[0].product_id == "gone-from-catalog"


def test_only_the_latest_events_are_listed(runtime: Runtime) -> None:
    with runtime.session() as session:
        put_preferences(session, customer_id="busy", prefs=PreferencesIn(),
                        schema=runtime.facet_schema, settings=runtime.settings)
        session.add_all(Event(customer_id="busy", type="view", product_id=f"p{i}",
                              occurred_at=T0 + timedelta(seconds=i)) for i in range(60))
    events = export(runtime, "busy").events
    assert events.total == 60
    assert len(events.latest) == LATEST_EVENTS == 50
    assert events.latest[0].product_id == "p59"
    assert events.latest[-1].product_id == "p10"


def test_derived_data_is_described_and_computed_from_linked_events(runtime: Runtime) -> None:
    seed(runtime)
    data = export(runtime)
    derived = {item.name: item for item in data.derived}
    assert set(derived) == {"inferred_brand_affinity", "inferred_category_affinity"}
    assert all(not item.stored and item.description for item in data.derived)
    brands = [(a.value, a.score, a.events) for a in derived["inferred_brand_affinity"].values]
    assert brands == [("zeta", round(10 / 17, 4), 2), ("acme", round(7 / 17, 4), 5)]
    categories = [(a.value, a.events)
                  for a in derived["inferred_category_affinity"].values]
    assert categories == [("Shoes > Casual", 2), ("Shoes > Running", 5)]
    assert [(d.product_id, d.title) for d in data.dismissed_products] == [
        ("p4", "Nordic p4"), ("gone-from-catalog", None)]


def test_export_of_an_unknown_customer_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        export(runtime, "nobody")


def test_the_export_endpoint_needs_the_admin_scope(client: TestClient, runtime: Runtime,
                                                   settings: Settings) -> None:
    seed(runtime)
    response = client.get("/v1/customers/c1/data")
    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["budget"]["max"] == 150
    assert body["events"]["total"] == 10
    assert body["preferences"]["constraints"][0]["values"] == ["gluten"]
    # Keys come from the settings: with several conftest.py files in the tree,
    # "from apikeys import ..." can pick up the wrong one.
    for key in (settings.read_keys[0], settings.ingest_keys[0]):
        denied = client.get("/v1/customers/c1/data", headers={"X-API-Key": key})
        assert denied.status_code == 403
        assert denied.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/customers/nobody/data").status_code == 404
