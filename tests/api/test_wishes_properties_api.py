"""Properties through the real API and database: whatever the catalog and the customer's
declared rules, neither recommendations nor search ever show an item that breaks a rule; and
withdrawing tracking consent removes behaviour's influence on the very next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from prefero.catalog.facets import FacetSchema
from prefero.catalog.schemas import ProductIn
from prefero.catalog.service import upsert_products
from prefero.db.models import Base, Event
from prefero.recommend.explain import BEHAVIOURAL_CODES
from prefero.recommend.training import train
from prefero.runtime import Runtime

WORDS = ["bread", "bar", "shoe", "cam", "soap"]
CATEGORIES = ["Groceries > Bread", "Food > Snacks", "Wear > Shoes", "Tech > Cameras", "Care"]
TOP_LEVELS = ["Groceries", "Food", "Wear", "Care"]
ALLERGENS = ["gluten", "nuts", "lactose"]
DIETS = ["vegan", "keto"]

# Examples share the test's database (function-scoped fixtures are built once per test, not
# per example), so each example starts by emptying it; the suppressed health check says so.
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def empty(engine: Engine) -> None:
    # The revision counter stays: it must only grow, or the engine's snapshot looks current.
    # The audit log stays too: it is append-only (PostgreSQL refuses a DELETE on it).
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("revisions", "audit_log"):
                connection.execute(delete(table))


@st.composite
def catalogs(draw: st.DrawFn) -> list[ProductIn]:
    items = []
    for i in range(draw(st.integers(3, 14))):
        facets: dict[str, Any] = {}
        if draw(st.booleans()):
            facets["allergens"] = draw(st.lists(st.sampled_from(ALLERGENS), unique=True))
        if draw(st.booleans()):
            facets["diet"] = draw(st.lists(st.sampled_from(DIETS), unique=True))
        if draw(st.booleans()):
            facets["size"] = draw(st.lists(st.sampled_from(["41", "42", "43"]), unique=True))
        items.append(ProductIn(
            id=f"p{i}", title=f"{draw(st.sampled_from(WORDS))} {i}", price=Decimal(
                draw(st.integers(1, 300))), currency="PLN",
            availability=draw(st.sampled_from(["in_stock"] * 4 + ["out_of_stock"])),
            brand=draw(st.sampled_from(["Acme", "Bolt"])),
            category=draw(st.sampled_from(CATEGORIES)), facets=facets,
            active=draw(st.sampled_from([True] * 4 + [False])),
        ))
    return items


wishes = st.fixed_dictionaries({
    "likes": st.lists(st.fixed_dictionaries({
        "facet": st.just("diet"), "value": st.sampled_from(DIETS),
        "weight": st.floats(0.1, 1)}), max_size=1),
    "constraints": st.lists(st.one_of(
        st.fixed_dictionaries({"facet": st.just("allergens"), "op": st.just("never"),
                               "values": st.lists(st.sampled_from(ALLERGENS), min_size=1,
                                                  unique=True)}),
        st.fixed_dictionaries({"facet": st.just("diet"), "op": st.just("must"),
                               "values": st.lists(st.sampled_from(DIETS), min_size=1,
                                                  unique=True)}),
        st.fixed_dictionaries({"facet": st.just("category"), "op": st.just("never"),
                               "values": st.lists(st.sampled_from(TOP_LEVELS), min_size=1,
                                                  unique=True)}),
    ), max_size=3, unique_by=lambda c: (c["facet"], c["op"])),
    "budget": st.one_of(st.none(), st.fixed_dictionaries({"max": st.integers(1, 300)})),
    "sizes": st.one_of(st.just([]), st.just([{"category": "Wear > Shoes", "values": ["42"]}])),
    "level": st.sampled_from(["off", "declared", "balanced", "full"]),
})


def breaks(item: ProductIn, prefs: dict[str, Any], schema: FacetSchema) -> bool:
    """The customer's rules, written out from the request body — independent of the engine.
    A "must" binds where the product states a value, or in a category the facet schema says
    the facet covers (an empty value is no value, except a safety facet's empty list, which
    states "none": a product that says it has no diet label is not vegan). A "never" on a
    safety facet (allergens, diet) also hides a product in a covered category that states
    nothing: unknown is not safe."""
    if not item.active or item.availability == "out_of_stock":
        return True
    for rule in prefs["constraints"]:
        values = set(rule["values"])
        if rule["facet"] == "category":
            if any(item.category == v or item.category.startswith(v + " > ") for v in values):
                return True
        elif rule["op"] == "never":
            if values & set(item.facets.get(rule["facet"], [])):
                return True
            facet = schema.get(rule["facet"])
            if (facet is not None and facet.safety and facet.covers(item.category)
                    and item.facets.get(rule["facet"]) is None):
                return True
        else:
            stated = set(item.facets.get(rule["facet"]) or [])
            facet = schema.get(rule["facet"])
            covered = facet is not None and facet.covers(item.category)
            says_none = (facet is not None and facet.safety
                         and item.facets.get(rule["facet"]) == [])
            if (stated or says_none or covered) and not values & stated:
                return True
    if prefs["budget"] and item.price > prefs["budget"]["max"]:
        return True
    sizes = item.facets.get("size") or []
    return bool(prefs["sizes"] and item.category == "Wear > Shoes" and sizes
                and "42" not in sizes)


@PROPERTY
@given(catalog=catalogs(), prefs=wishes, word=st.sampled_from(WORDS))
def test_no_rule_ever_leaks_into_recommendations_or_search(
    client: TestClient, runtime: Runtime, catalog: list[ProductIn], prefs: dict[str, Any],
    word: str,
) -> None:
    empty(runtime.engine)
    with runtime.session() as session:
        upsert_products(session, catalog, schema=runtime.facet_schema,
                        converter=runtime.currency_converter)
    assert client.put("/v1/customers/c1/preferences", json=prefs).status_code == 200
    by_id = {item.id: item for item in catalog}
    shown: list[str] = []
    for placement in ("home", "product", "cart"):
        params: dict[str, Any] = {"customer_id": "c1", "placement": placement, "n": 20}
        if placement != "home":
            params["product_id" if placement == "product" else "cart"] = catalog[0].id
        response = client.get("/v1/recommendations", params=params)
        assert response.status_code == 200, response.text
        shown += [i["product_id"] for i in response.json()["items"]]
    found = client.get("/v1/search", params={"q": word, "customer_id": "c1", "n": 50}).json()
    shown += [i["product_id"] for i in found["items"]]
    leaked = [pid for pid in shown if breaks(by_id[pid], prefs, runtime.facet_schema)]
    assert leaked == [], (leaked, prefs, [by_id[p] for p in leaked])
    # and what search hid is exactly the available matches that break a rule
    everything = client.get("/v1/search", params={"q": word, "n": 50,
                                                  "apply_preferences": "false"}).json()
    hidden = {i["product_id"] for i in everything["items"]} - {
        i["product_id"] for i in found["items"]}
    assert found["hidden_total"] == len(hidden)
    assert all(breaks(by_id[pid], prefs, runtime.facet_schema) for pid in hidden)


@PROPERTY
@given(history=st.lists(st.tuples(st.sampled_from(["view", "add_to_cart", "purchase"]),
                                  st.integers(0, 9)), min_size=1, max_size=8),
       level=st.sampled_from(["balanced", "full"]))
def test_withdrawn_tracking_consent_binds_the_next_request(
    client: TestClient, runtime: Runtime, history: list[tuple[str, int]], level: str,
) -> None:
    empty(runtime.engine)
    with runtime.session() as session:
        upsert_products(session, [
            ProductIn(id=f"p{i}", title=f"item {i}", price=Decimal(10 + i), currency="PLN",
                      category=f"Shop > {'AB'[i % 2]}") for i in range(10)
        ], schema=runtime.facet_schema, converter=runtime.currency_converter)
    for customer in ("tracked", "blank"):
        client.put(f"/v1/customers/{customer}/preferences", json={"level": level})
    client.post("/v1/customers/tracked/consents", json={"purpose": "tracking", "granted": True})
    now = datetime.now(UTC)
    client.post("/v1/events", json={"events": [
        {"event_id": f"e{n}", "type": kind, "customer_id": "tracked", "product_id": f"p{pid}",
         "occurred_at": (now - timedelta(minutes=n)).isoformat()}
        for n, (kind, pid) in enumerate(history)]})
    # other shoppers' baskets give the co-occurrence something to say
    with runtime.session() as session:
        session.add_all(Event(customer_id="tracked", type="purchase", product_id=f"p{a}",
                              session_id=f"s{a}", occurred_at=now) for a in range(10))
    train(runtime)
    runtime.recommender._artefact_checked = 0.0  # see the new artefacts now, not in 2 s

    client.post("/v1/customers/tracked/consents", json={"purpose": "tracking",
                                                        "granted": False})
    params = {"n": 6, "exploration": "false"}
    after = client.get("/v1/recommendations", params={**params, "customer_id": "tracked"})
    blank = client.get("/v1/recommendations", params={**params, "customer_id": "blank"})
    codes = {r["code"] for i in after.json()["items"] for r in i["reasons"]}
    assert not codes & BEHAVIOURAL_CODES
    assert [i["product_id"] for i in after.json()["items"]] == [
        i["product_id"] for i in blank.json()["items"]]
