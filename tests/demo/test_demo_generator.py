"""The pure demo generator: determinism, size, schema-valid facets, consistency rules,
personas and consent-aware behaviour. No database involved."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from prefero.catalog.facets import load_facet_schema
from prefero.customers.models import PREFERENCE_KINDS
from prefero.customers.preferences import normalize_preference_value
from prefero.demo.behaviour import HISTORY_DAYS
from prefero.demo.catalog import NEW_ARRIVAL_DAYS, PRICE_TIERS
from prefero.demo.customers import PERSONA_NO_GLUTEN, PERSONA_NO_TRACKING
from prefero.demo.shop import DemoShop, generate_demo
from prefero.types import PURPOSES, EventType

ANCHOR = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SCHEMA = load_facet_schema()


@pytest.fixture(scope="module")
def shop() -> DemoShop:
    """The default-size demo, generated once for the read-only checks below."""
    return generate_demo(seed=7, anchor=ANCHOR)


def _small(seed: int) -> DemoShop:
    return generate_demo(seed=seed, products=300, customers=200, anchor=ANCHOR)


def test_same_seed_gives_identical_content() -> None:
    first, second = _small(11), _small(11)
    assert first == second
    assert list(first.product_rows()) == list(second.product_rows())
    assert list(first.preference_rows()) == list(second.preference_rows())
    assert list(first.consent_rows()) == list(second.consent_rows())
    assert list(first.event_rows()) == list(second.event_rows())
    assert list(first.activity_rows()) == list(second.activity_rows())


def test_different_seed_gives_different_content() -> None:
    first, second = _small(11), _small(12)
    assert [p.title for p in first.products] != [p.title for p in second.products]
    assert list(first.event_rows()) != list(second.event_rows())


def test_timestamps_follow_the_anchor() -> None:
    later = generate_demo(seed=11, products=300, customers=200,
                          anchor=ANCHOR + timedelta(days=3))
    base = _small(11)
    assert [p.created_at + timedelta(days=3) for p in base.products] == [
        p.created_at for p in later.products]
    assert [e.occurred_at + timedelta(days=3) for e in base.behaviour.events] == [
        e.occurred_at for e in later.behaviour.events]


def test_default_size(shop: DemoShop) -> None:
    assert len(shop.products) == 3200
    assert len(shop.customers) == 6000
    assert len({p.id for p in shop.products}) == 3200
    assert [c.id for c in shop.customers[:3]] == ["c00001", "c00002", "c00003"]
    total = shop.behaviour.simulated
    assert 150_000 <= total <= 300_000
    assert 0.7 * total <= len(shop.behaviour.events) < total
    declared = sum(1 for c in shop.customers if c.preferences)
    assert 0.25 <= declared / len(shop.customers) <= 0.35
    untracked = sum(1 for c in shop.customers if not c.tracking)
    assert 0.10 <= untracked / len(shop.customers) <= 0.20


def test_catalog_covers_the_user_stories(shop: DemoShop) -> None:
    by_vertical = defaultdict(list)
    for product in shop.products:
        by_vertical[product.vertical].append(product)
    assert set(by_vertical) == {"Fashion", "Electronics", "Groceries", "Cosmetics"}
    cameras = [p for p in shop.products if p.category.startswith("Electronics > Cameras > ")]
    assert {p.category.rsplit(" > ", 1)[1] for p in cameras} == {"Mirrorless", "Compact",
                                                                  "Action"}
    assert all("megapixels" in p.facets and "weight_g" in p.facets for p in cameras)
    speakers = [p for p in shop.products if p.kind == "smart_speaker"]
    assert {p.facets["ecosystem"] for p in speakers} == {"apple", "google", "alexa"}
    assert any(p.facets.get("eco") for p in by_vertical["Fashion"])
    assert sum(p.availability == "out_of_stock" for p in shop.products) >= 10
    assert sum(not p.active for p in shop.products) >= 10
    assert sum(p.sale_price is not None for p in shop.products) >= 100
    new = [p for p in shop.products if ANCHOR - p.created_at < timedelta(days=NEW_ARRIVAL_DAYS)]
    assert len(new) >= 100
    assert all(timedelta(0) < ANCHOR - p.created_at <= timedelta(days=180)
               for p in shop.products)
    assert len({p.title for p in shop.products}) == len(shop.products)


def test_product_rows_are_complete(shop: DemoShop) -> None:
    for row in shop.product_rows():
        assert row["currency"] == "PLN"
        assert row["link"] == f"https://demo.prefero.dev/p/{row['id']}"
        assert row["image_link"]
        assert row["price"] > 0
        assert row["sale_price"] is None or row["sale_price"] < row["price"]
        assert row["title"] and row["description"] and row["brand"]
        assert len(row["category"].split(" > ")) == 3


def test_facets_are_valid_under_the_schema(shop: DemoShop) -> None:
    for product in shop.products:
        for name, value in product.facets.items():
            assert SCHEMA.get(name) is not None, name
            # The stored form is a fixed point of coercion.
            assert SCHEMA.coerce(name, value) == value, (product.id, name, value)
        assert product.facets["brand"] == SCHEMA.coerce("brand", product.brand)
        assert product.facets["category"] == product.category
        assert product.facets["price_tier"] in PRICE_TIERS
        if product.vertical in ("Groceries", "Cosmetics"):
            assert isinstance(product.facets["allergens"], list)
        if product.vertical == "Fashion":
            assert product.facets["style"] in {"classic", "sporty", "streetwear", "boho",
                                               "minimal", "elegant"}
            assert "color" in product.facets
        if product.category.startswith("Fashion > Shoes"):
            assert all(36 <= int(size) <= 46 for size in product.facets["size"])
        elif "size" in product.facets:
            assert set(product.facets["size"]) <= {"xs", "s", "m", "l", "xl", "xxl"}


def test_diet_and_allergens_are_consistent(shop: DemoShop) -> None:
    groceries = [p for p in shop.products if p.vertical == "Groceries"]
    assert any("gluten free" in p.facets["diet"] for p in groceries)
    assert any(p.facets["allergens"] == [] for p in groceries)
    for product in shop.products:
        allergens = set(product.facets.get("allergens", []))
        if "gluten free" in product.facets.get("diet", []):
            assert "gluten" not in allergens, product.title
        if "vegan" in product.facets.get("diet", []) or product.facets.get("vegan"):
            assert not allergens & {"lactose", "eggs"}, product.title
        if "vegan" in product.facets.get("diet", []):
            assert "vegetarian" in product.facets["diet"]


def test_price_tier_agrees_with_price(shop: DemoShop) -> None:
    ranks = {tier: i for i, tier in enumerate(PRICE_TIERS)}
    by_category = defaultdict(list)
    for product in shop.products:
        by_category[product.category].append((product.price, ranks[product.facets["price_tier"]]))
    for category, items in by_category.items():
        items.sort()
        tiers = [tier for _, tier in items]
        assert tiers == sorted(tiers), category


def test_personas(shop: DemoShop) -> None:
    people = {c.id: c for c in shop.customers}
    no_gluten = people[PERSONA_NO_GLUTEN]
    kinds = {(p.kind, p.facet, p.value) for p in no_gluten.preferences}
    assert ("never", "allergens", "gluten") in kinds
    assert any(kind == "like" for kind, _, _ in kinds)
    assert no_gluten.tracking
    no_tracking = people[PERSONA_NO_TRACKING]
    assert no_tracking.level == "off"
    assert not no_tracking.tracking
    assert not any(c.purpose == "tracking" and c.granted for c in no_tracking.consents)


def test_preferences_are_well_formed(shop: DemoShop) -> None:
    rows = list(shop.preference_rows())
    keys = [(r["customer_id"], r["kind"], r["facet"], r["value"]) for r in rows]
    assert len(keys) == len(set(keys))
    seen_kinds = set()
    for row in rows:
        seen_kinds.add(row["kind"])
        assert row["kind"] in PREFERENCE_KINDS
        assert row["weight"] is None or -1 <= row["weight"] <= 1
        if row["kind"] in ("like", "never", "must"):
            facet = SCHEMA.get(row["facet"])
            assert facet is not None and facet.preferable, row
            # Stored exactly as the preference API would store what the customer typed.
            assert normalize_preference_value(SCHEMA, row["facet"], row["value"]) == row["value"]
        if row["kind"] == "size":
            assert normalize_preference_value(SCHEMA, "size", row["value"]) == row["value"]
        if row["kind"] == "size" and row["facet"] == "Fashion > Shoes":
            assert 36 <= int(row["value"]) <= 46
    assert seen_kinds == set(PREFERENCE_KINDS)
    facets = {(r["kind"], r["facet"]) for r in rows}
    assert {("never", "allergens"), ("must", "diet"), ("never", "category"),
            ("like", "brand"), ("like", "ecosystem")} <= facets
    assert any(c.budget_max is not None for c in shop.customers)
    levels = {c.level for c in shop.customers}
    assert levels == {None, "off", "declared", "balanced", "full"}
    assert sum(c.level is None for c in shop.customers) > 0.7 * len(shop.customers)


def test_consent_ledger(shop: DemoShop) -> None:
    rows = list(shop.consent_rows())
    assert {r["purpose"] for r in rows} <= set(PURPOSES)
    assert all(r["policy_version"] == "2026-01" and r["source"] == "demo" for r in rows)
    granted = {(r["customer_id"], r["purpose"]) for r in rows if r["granted"]}
    assert sum((c.id, "personalization") in granted for c in shop.customers) > 0.8 * 6000
    assert sum((c.id, "marketing_email") in granted for c in shop.customers) > 0.2 * 6000


def test_only_tracking_customers_have_events(shop: DemoShop) -> None:
    tracked = {c.id for c in shop.customers if c.tracking}
    linked = {e.customer_id for e in shop.behaviour.events}
    assert linked <= tracked
    assert PERSONA_NO_TRACKING not in linked
    # Untracked behaviour still counts, anonymously, in the per-product counters.
    with_product = sum(1 for e in shop.behaviour.events if e.product_id is not None)
    assert sum(shop.behaviour.activity.values()) == shop.behaviour.simulated > with_product


def test_events_are_plausible(shop: DemoShop) -> None:
    products = {p.id: p for p in shop.products}
    people = {c.id: c for c in shop.customers}
    types = {t.value for t in EventType}
    earliest = ANCHOR - timedelta(days=HISTORY_DAYS)
    seen = set()
    for event in shop.behaviour.events:
        seen.add(event.type)
        assert event.type in types
        assert earliest <= event.occurred_at <= ANCHOR
        assert event.occurred_at >= people[event.customer_id].created_at
        if event.product_id is not None:
            assert event.occurred_at >= products[event.product_id].created_at
        if event.type == "purchase":
            assert event.product_id is not None
            assert event.price == products[event.product_id].effective_price
            assert products[event.product_id].purchasable
    assert {"view", "add_to_cart", "purchase", "rec_dismiss"} <= seen
    assert [e.occurred_at for e in shop.behaviour.events] == sorted(
        e.occurred_at for e in shop.behaviour.events)


def test_popularity_has_a_long_tail(shop: DemoShop) -> None:
    views: dict[str, int] = defaultdict(int)
    for (product_id, _, kind), count in shop.behaviour.activity.items():
        if kind == "view":
            views[product_id] += count
    ranked = sorted(views.values(), reverse=True)
    top = sum(ranked[: len(ranked) // 10])
    assert top > 0.3 * sum(ranked)


def test_behaviour_mostly_respects_declared_exclusions(shop: DemoShop) -> None:
    products = {p.id: p for p in shop.products}
    excluders = {c.id for c in shop.customers
                 if any(p.kind == "never" and p.value == "gluten" for p in c.preferences)}
    rates = {}
    for group, members in (("excluders", excluders),
                           ("others", {c.id for c in shop.customers} - excluders)):
        grocery = [products[e.product_id] for e in shop.behaviour.events
                   if e.customer_id in members and e.product_id
                   and products[e.product_id].vertical == "Groceries"]
        rates[group] = sum("gluten" in p.facets["allergens"] for p in grocery) / len(grocery)
    assert rates["excluders"] < 0.1 < rates["others"]


def test_complements_are_bought_together(shop: DemoShop) -> None:
    products = {p.id: p for p in shop.products}
    baskets: dict[str, set[str]] = defaultdict(set)
    for event in shop.behaviour.events:
        if event.type == "purchase" and event.product_id:
            baskets[event.session_id].add(products[event.product_id].kind)
    with_camera = [b for b in baskets.values() if b & {"camera_mirrorless", "camera_compact",
                                                        "camera_action"}]
    with_phone = [b for b in baskets.values() if "phone" in b]
    base = sum("memory_card" in b for b in baskets.values()) / len(baskets)
    assert sum("memory_card" in b for b in with_camera) / len(with_camera) > 5 * base
    case_base = sum("phone_case" in b for b in baskets.values()) / len(baskets)
    assert sum("phone_case" in b for b in with_phone) / len(with_phone) > 5 * case_base
