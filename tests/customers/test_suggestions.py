"""Suggested preferences: inferred only from consented behaviour, with evidence, never acting
before the customer accepts, never repeating what was declared or recently rejected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from factories import add_products, consent, customer, events, product
from prefero.catalog.models import Product
from prefero.customers.models import Preference, SuggestionDecision
from prefero.customers.suggestions import (
    Suggestion,
    SuggestionRules,
    accept,
    reject,
    suggestion_id,
    suggestions,
    wilson_lower_bound,
)
from prefero.db.base import utcnow
from prefero.errors import Conflict, NotFound
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.runtime import Runtime

SNACKS = "Groceries > Snacks"
DAIRY = "Groceries > Dairy"
SHOES = "Fashion > Shoes"


def seed_grocery_shopper(runtime: Runtime, cid: str = "c1", *, sugar_free: int = 8,
                         total: int = 10) -> None:
    """``total`` grocery orders, ``sugar_free`` of them sugar-free, spread over two aisles and
    five brands so that no other facet value reaches the threshold."""
    with runtime.session() as s:
        add_products(s, [
            product(f"g{i}", category=SNACKS if i % 2 else DAIRY, brand=f"brand{i % 5}",
                    facets={"sugar_free": i < sugar_free})
            for i in range(total)
        ] + [product("shoe", category=SHOES, brand="Acme")])
        customer(s, cid)
        events(s, cid, [("purchase", f"g{i}") for i in range(total)])


def current(runtime: Runtime, cid: str = "c1", **kwargs: object) -> list[Suggestion]:
    with runtime.session() as s:
        return suggestions(s, customer_id=cid, settings=runtime.settings,
                           **kwargs)  # type: ignore[arg-type]


def sugar_free(items: list[Suggestion]) -> Suggestion | None:
    return next((s for s in items if (s.facet, s.value) == ("sugar_free", "true")), None)


def test_eight_of_ten_sugar_free_orders_suggest_sugar_free(runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    found = sugar_free(current(runtime))
    assert found is not None
    assert found.kind == "like"
    assert found.evidence.matching == 8
    assert found.evidence.total == 10
    assert found.evidence.signal == "purchase"
    assert found.evidence.scope == "Groceries"
    assert found.evidence.text == "Sugar-free — 8 of your last 10 orders in Groceries"
    assert found.confidence == pytest.approx(wilson_lower_bound(8, 10), abs=1e-4)
    assert 0.5 <= found.weight <= 1.0
    assert found.id == suggestion_id("c1", "like", "sugar_free", "true")
    # The id is stable from one call to the next.
    assert sugar_free(current(runtime)) == found


def test_weak_or_thin_evidence_suggests_nothing(runtime: Runtime) -> None:
    seed_grocery_shopper(runtime, "weak", sugar_free=4)
    assert sugar_free(current(runtime, "weak")) is None
    with runtime.session() as s:
        add_products(s, [product("x1", category=SNACKS, facets={"sugar_free": True}),
                         product("x2", category=SNACKS, facets={"sugar_free": True})])
        customer(s, "thin")
        events(s, "thin", [("purchase", "x1"), ("purchase", "x2")])
    # 2 of 2 is below the minimum evidence of 3 events, for every facet.
    assert current(runtime, "thin") == []


def test_no_tracking_consent_no_suggestions_and_withdrawal_hides_them_at_once(
        runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    assert sugar_free(current(runtime)) is not None
    with runtime.session() as s:
        consent(s, "c1", "tracking", False)
    assert current(runtime) == []
    with runtime.session() as s:
        consent(s, "c1", "tracking", True)
    assert sugar_free(current(runtime)) is not None


def test_unknown_customer_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        current(runtime, "nobody")


@pytest.mark.parametrize("kind", ["like", "never", "must"])
def test_declared_values_are_never_suggested(runtime: Runtime, kind: str) -> None:
    seed_grocery_shopper(runtime)
    with runtime.session() as s:
        # Whatever the kind or source: the customer already said something about it.
        s.add(Preference(customer_id="c1", kind=kind, facet="sugar_free", value="true",
                         weight=-0.5 if kind == "like" else None, source="quiz:grocery"))
    assert sugar_free(current(runtime)) is None


def test_at_most_five_sorted_by_confidence(runtime: Runtime) -> None:
    with runtime.session() as s:
        facets = {"sugar_free": True, "organic": True, "vegan": True, "eco": True,
                  "style": "minimal", "ecosystem": "apple", "diet": ["keto"]}
        add_products(s, [product(f"p{i}", category=SNACKS, brand="Acme", facets=facets)
                         for i in range(6)])
        # Snacks without those values: a value every product carries is no choice at all.
        add_products(s, [product(f"q{i}", category=SNACKS, brand="Plain") for i in range(6)]
                     + [product("shoe", category=SHOES, brand="Acme")])
        customer(s, "c1")
        events(s, "c1", [("purchase", f"p{i}") for i in range(6)])
    found = current(runtime)
    assert len(found) == 5
    assert [f.confidence for f in found] == sorted((f.confidence for f in found), reverse=True)


def test_views_count_once_per_product_and_only_fill_in(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product(f"v{i}", category=SNACKS, facets={"organic": True})
                         for i in range(2)])
        customer(s, "c1")
        # Ten looks at two products are two pieces of evidence, not ten.
        events(s, "c1", [("view", f"v{i % 2}") for i in range(10)])
    assert current(runtime) == []


def test_accept_declares_a_suggestion_sourced_like_and_the_suggestion_goes(
        runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    found = sugar_free(current(runtime))
    assert found is not None
    with runtime.session() as s:
        out = accept(s, customer_id="c1", suggestion_id=found.id, settings=runtime.settings,
                     schema=runtime.facet_schema)
    assert out.decision == "accepted"
    assert out.preference is not None
    assert (out.preference.facet, out.preference.value, out.preference.source) == (
        "sugar_free", "true", "suggestion")
    assert out.preference.weight == found.weight
    with runtime.session() as s:
        row = s.scalars(select(Preference).where(Preference.customer_id == "c1")).one()
        assert (row.kind, row.facet, row.value, row.source) == (
            "like", "sugar_free", "true", "suggestion")
        assert s.scalars(select(SuggestionDecision)).one().decision == "accepted"
    assert sugar_free(current(runtime)) is None
    # A retried request answers the first acceptance and writes nothing more.
    with runtime.session() as s:
        again = accept(s, customer_id="c1", suggestion_id=found.id,
                       settings=runtime.settings, schema=runtime.facet_schema)
        assert again.decided_at == out.decided_at
        assert s.scalar(select(func.count()).select_from(SuggestionDecision)) == 1
        # Rejecting what was accepted is a contradiction, not a new decision.
        with pytest.raises(Conflict):
            reject(s, customer_id="c1", suggestion_id=found.id, settings=runtime.settings,
                   schema=runtime.facet_schema)


def test_reject_snoozes_for_the_configured_days(runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    found = sugar_free(current(runtime))
    assert found is not None
    now = utcnow()
    with runtime.session() as s:
        out = reject(s, customer_id="c1", suggestion_id=found.id, settings=runtime.settings,
                     schema=runtime.facet_schema, now=now)
    assert (out.decision, out.preference) == ("rejected", None)
    days = runtime.settings.suggestion_snooze_days
    assert days == 90
    assert sugar_free(current(runtime, now=now + timedelta(days=1))) is None
    assert sugar_free(current(runtime, now=now + timedelta(days=days - 1))) is None
    back = sugar_free(current(runtime, now=now + timedelta(days=days, seconds=1)))
    assert back is not None and back.id == found.id
    with runtime.session() as s:
        assert s.scalar(select(func.count()).select_from(Preference)) == 0
        # Accepting while it is snoozed contradicts the rejection.
        with pytest.raises(Conflict):
            accept(s, customer_id="c1", suggestion_id=found.id, settings=runtime.settings,
                   schema=runtime.facet_schema, now=now + timedelta(days=1))


def test_a_shorter_snooze_setting_is_honoured(runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    found = sugar_free(current(runtime))
    assert found is not None
    short = runtime.settings.model_copy(update={"suggestion_snooze_days": 7})
    now = utcnow()
    with runtime.session() as s:
        reject(s, customer_id="c1", suggestion_id=found.id, settings=short,
               schema=runtime.facet_schema, now=now)
        assert sugar_free(suggestions(s, customer_id="c1", settings=short,
                                      now=now + timedelta(days=6))) is None
        assert sugar_free(suggestions(s, customer_id="c1", settings=short,
                                      now=now + timedelta(days=8))) is not None


def test_unknown_id_is_not_found_and_withdrawn_consent_conflicts(runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    found = sugar_free(current(runtime))
    assert found is not None
    with runtime.session() as s:
        with pytest.raises(NotFound):
            accept(s, customer_id="c1", suggestion_id="0" * 32, settings=runtime.settings,
                   schema=runtime.facet_schema)
        with pytest.raises(NotFound):
            reject(s, customer_id="c1", suggestion_id="0" * 32, settings=runtime.settings,
                   schema=runtime.facet_schema)
    with runtime.session() as s:
        consent(s, "c1", "tracking", False)
    with runtime.session() as s, pytest.raises(Conflict):
        accept(s, customer_id="c1", suggestion_id=found.id, settings=runtime.settings,
               schema=runtime.facet_schema)
    with runtime.session() as s:
        assert s.scalar(select(func.count()).select_from(Preference)) == 0
        assert s.scalar(select(func.count()).select_from(SuggestionDecision)) == 0


def test_already_declared_value_conflicts(runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    found = sugar_free(current(runtime))
    assert found is not None
    with runtime.session() as s:
        s.add(Preference(customer_id="c1", kind="like", facet="sugar_free", value="true",
                         weight=1.0))
    with runtime.session() as s, pytest.raises(Conflict):
        accept(s, customer_id="c1", suggestion_id=found.id, settings=runtime.settings,
               schema=runtime.facet_schema)


def recommend(runtime: Runtime) -> RecommendationResult:
    with runtime.session() as s:
        return runtime.recommender.recommend(
            s, RecommendationQuery(customer_id="c1", n=10, exploration=False))


def test_a_suggestion_changes_no_recommendation_before_it_is_accepted(
        runtime: Runtime) -> None:
    seed_grocery_shopper(runtime)
    with runtime.session() as s:
        add_products(s, [product(f"new{i}", category=SNACKS, brand="Other",
                                 facets={"sugar_free": i % 2 == 0}) for i in range(6)])
    before = recommend(runtime)
    assert before.items
    listed = current(runtime)
    assert sugar_free(listed) is not None
    after = recommend(runtime)
    assert [(i.product_id, i.score, i.reasons) for i in after.items] == [
        (i.product_id, i.score, i.reasons) for i in before.items]
    with runtime.session() as s:
        # Listing stored nothing the recommender could read.
        assert s.scalar(select(func.count()).select_from(Preference)) == 0
        assert s.scalar(select(func.count()).select_from(SuggestionDecision)) == 0


KITCHEN = "Home > Kitchen"


def seed_kitchen_shopper(runtime: Runtime, cid: str = "c1") -> None:
    """A catalogue where every kitchen product is eco-friendly, nearly all are new and most
    minimal in style, and a brand only 8 of 40 kitchen products carry; the customer's 10
    orders: 8 of that brand, all new, 8 minimal (fewer than the catalogue's 9 in 10)."""
    def facets(i: int) -> dict[str, object]:
        return {"condition": "new" if i < 38 else "used", "eco": True,
                **({"style": "minimal"} if i < 8 or i >= 12 else {})}
    with runtime.session() as s:
        add_products(s, [product(f"k{i:02d}", category=KITCHEN,
                                 brand="Rare" if i < 8 else f"Common{i % 8}",
                                 facets=facets(i)) for i in range(40)]
                     + [product(f"shoe{i}", category=SHOES, brand="Acme") for i in range(10)])
        customer(s, cid)
        events(s, cid, [("purchase", f"k{i:02d}") for i in (*range(8), 10, 11)])


def test_suggestions_are_ranked_by_lift_over_the_catalogues_base_rate(
        runtime: Runtime) -> None:
    # Issue 11, finding 9: "condition: new", which nearly every product carries, led the
    # suggestions because 10 of 10 orders were new (the highest raw share).
    seed_kitchen_shopper(runtime)
    found = current(runtime)
    keys = [(s.facet, s.value) for s in found]
    assert keys[0] == ("brand", "rare"), keys
    assert keys.index(("brand", "rare")) < keys.index(("condition", "new"))
    rare = found[0]
    assert (rare.evidence.catalogue_share, rare.evidence.lift) == (0.2, 4.0)
    # The shop's spelling of the value, not the stored (folded) one.
    assert rare.evidence.text == "Rare — 8 of your last 10 orders in Home"
    new = next(s for s in found if s.facet == "condition")
    assert new.confidence > rare.confidence  # a raw-share ranking would have put it first
    assert new.evidence.catalogue_share == 0.95
    # Chosen less often than the catalogue carries it, or carried by every product there
    # (no choice at all): no preference.
    assert ("style", "minimal") not in keys
    assert ("eco", "true") not in keys
    # A shop may ask for a clearer lead over the base rate.
    stricter = current(runtime, rules=SuggestionRules(min_lift=1.2))
    strict_keys = [(s.facet, s.value) for s in stricter]
    assert strict_keys[0] == ("brand", "rare")
    assert ("condition", "new") not in strict_keys


def test_a_value_the_shop_no_longer_carries_is_not_suggested(runtime: Runtime) -> None:
    seed_kitchen_shopper(runtime)
    with runtime.session() as s:
        for i in range(8):
            gone = s.get(Product, f"k{i:02d}")
            assert gone is not None
            gone.active = False
    assert ("brand", "rare") not in [(x.facet, x.value) for x in current(runtime)]
