"""The shop's merchandising rules in the pipeline, on a small catalogue with known answers:
pins take their slot at every level, only where the customer's rules allow; hide removes in
addition to the customer's rules; boost lifts and bury lowers; windows and placements are
read at the request's moment; "Featured by the shop" is said exactly where a pin or boost
placed the item, and the independent checker agrees."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from merchandising_rules import compiled, rule
from prefero.catalog.facets import load_facet_schema
from prefero.merchandising.schemas import Rule
from prefero.recommend.artefacts import Artefacts
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.config import PipelineConfig
from prefero.recommend.honesty import unverified
from prefero.recommend.models import ModelView, build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.recommend.wording import word
from prefero.types import Level, Purpose

SCHEMA = load_facet_schema()
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC).timestamp()
# id, category, brand, diet; popularity falls with the position in this list.
CATALOGUE = [
    ("a1", "Groceries > Bakery", "acme", ["vegan"]),
    ("a2", "Groceries > Bakery", "acme", []),
    ("b1", "Groceries > Snacks", "bolt", ["vegan"]),
    ("b2", "Groceries > Snacks", "bolt", ["vegan"]),
    ("c1", "Fashion > Socks", "cora", None),
    ("c2", "Fashion > Socks", "cora", None),
    ("d1", "Electronics > Cables", "dyna", None),
    ("d2", "Electronics > Cables", "dyna", None),
]
CONSENTS: dict[Purpose, bool] = {"tracking": True, "personalization": True, "context": True,
            "marketing_email": False, "marketing_push": False}


def _index() -> CatalogIndex:
    rows = []
    for product_id, category, brand, diet in CATALOGUE:
        facets: dict[str, object] = {"category": category, "brand": brand}
        if diet is not None:
            facets["diet"] = diet
        rows.append(ProductRow(product_id, product_id.upper(), Decimal(10), None, True,
                               "in_stock", category, brand, facets, None))
    return index_products(sorted(rows, key=lambda r: r.id), schema=SCHEMA)


def _model(index: CatalogIndex) -> ModelView:
    n = index.size
    order = [row[0] for row in CATALOGUE]
    popularity = np.array([1.0 - order.index(p) / n for p in index.ids], dtype=np.float32)
    none = np.full((n, 1), -1, dtype=np.int32)
    return build_model_view(index, Artefacts(
        version="v", item_ids=list(index.ids), popularity=popularity,
        trending=np.zeros(n, dtype=np.float32), co_purchase_idx=none,
        co_purchase_score=np.zeros((n, 1), dtype=np.float32), co_view_idx=none,
        co_view_score=np.zeros((n, 1), dtype=np.float32), manifest={}))


INDEX = _index()
MODEL = _model(INDEX)


def profile(level: Level = "off", **wishes: object) -> CustomerProfile:
    return CustomerProfile(customer_id="c1", level=level, consents=CONSENTS,
                           exploration=False, **wishes)  # type: ignore[arg-type]


def run(rules: list[Rule], *, who: CustomerProfile | None = None, n: int = 8,
        now: float = NOW, show_all: bool = False, **query: object) -> RecommendationResult:
    who = who or profile()
    ask = RecommendationQuery(customer_id="c1", n=n, **query)  # type: ignore[arg-type]
    result = run_pipeline(index=INDEX, model=MODEL, profile=who, query=ask,
                          config=PipelineConfig(), now=now, apply_preferences=not show_all,
                          merchandising=compiled(INDEX, rules))
    # Every claim, "featured" included, is borne out by the rules as stored.
    assert unverified(result, query=ask, index=INDEX, model=MODEL, profile=who, now=now,
                      rules=rules) == []
    return result


def ids(result: RecommendationResult) -> list[str]:
    return [item.product_id for item in result.items]


def featured(result: RecommendationResult) -> list[str]:
    return [item.product_id for item in result.items
            if any(reason.code == "featured" for reason in item.reasons)]


def test_without_rules_nothing_is_featured() -> None:
    for level in ("off", "declared", "balanced", "full"):
        assert featured(run([], who=profile(level))) == []


@pytest.mark.parametrize("level", ["off", "declared", "balanced", "full"])
def test_a_pin_takes_its_slot_at_every_level(level: Level) -> None:
    pin = rule(1, "pin", products=["d2"], position=2)
    result = run([pin], who=profile(level))
    assert ids(result)[1] == "d2"
    assert featured(result) == ["d2"]
    assert result.items[1].reasons[0].text == "Featured by the shop"
    assert len(result.items) == 8 and len(set(ids(result))) == 8


def test_a_pin_the_customers_rules_exclude_is_simply_not_shown() -> None:
    pin = rule(1, "pin", products=["a2"], position=1)  # a grocery that is not vegan
    vegan = profile("declared", must={"diet": ("vegan",)})
    assert "a2" not in ids(run([pin], who=vegan))
    # The first of the listed products the customer may see is pinned instead.
    either = rule(1, "pin", products=["a2", "b2"], position=1)
    assert ids(run([either], who=vegan))[0] == "b2"
    # At the level off the customer's rules still bind: they are filters, not ranking.
    assert "a2" not in ids(run([pin], who=profile("off", never=(("brand", "acme"),))))
    # "Show everything" lifts the customer's rules, so the pin shows.
    assert ids(run([pin], who=vegan, show_all=True))[0] == "a2"


def test_a_pin_by_facet_shows_its_best_scored_product_and_two_pins_share_out_slots() -> None:
    by_brand = rule(1, "pin", facet="brand", values=["dyna"], position=1)
    assert ids(run([by_brand]))[0] == "d1"  # the more popular of the brand
    likes_d2 = profile("declared", likes=(("category", "Electronics", 1.0),))
    assert ids(run([by_brand], who=likes_d2))[0] in ("d1", "d2")
    first = rule(2, "pin", products=["c2"], position=1, priority=5)
    second = rule(3, "pin", products=["d2"], position=1)
    row = ids(run([second, first]))
    assert row[:2] == ["c2", "d2"]  # the higher priority keeps the slot, the other moves down
    beyond = rule(4, "pin", products=["d2"], position=5)
    assert "d2" not in ids(run([beyond], n=4))  # no fifth slot in a row of four


def test_hide_removes_in_addition_to_the_customers_rules_and_wins_over_everything() -> None:
    hide = rule(1, "hide", facet="brand", values=["acme"])
    pin = rule(2, "pin", products=["a1"], position=1, priority=100)
    boost = rule(3, "boost", products=["a2"], strength=10, priority=100)
    for level in ("off", "declared", "balanced", "full"):
        result = run([hide, pin, boost], who=profile(level))
        assert not {"a1", "a2"} & set(ids(result))
    # "Show everything" shows what the customer's rules hide, never what the shop hides.
    assert not {"a1", "a2"} & set(ids(run([hide], show_all=True)))


def test_boost_lifts_bury_lowers_and_only_the_boosted_are_featured() -> None:
    boost = rule(1, "boost", facet="category", values=["Electronics"], strength=2)
    result = run([boost])
    assert ids(result)[:2] == ["d1", "d2"]
    assert featured(result) == ["d1", "d2"]
    bury = rule(2, "bury", products=["a1"], strength=2)
    buried = run([bury])
    assert ids(buried)[-1] == "a1" and featured(buried) == []
    # Boosted and buried at once: the higher priority decides; at equal priority the bury.
    both = [rule(1, "boost", products=["d2"], strength=3),
            rule(2, "bury", products=["d2"], strength=3)]
    assert ids(run(both))[-1] == "d2" and featured(run(both)) == []
    lifted = [rule(1, "boost", products=["d2"], strength=3, priority=1),
              rule(2, "bury", products=["d2"], strength=3)]
    assert ids(run(lifted))[0] == "d2" and featured(run(lifted)) == ["d2"]


def test_a_boost_reaches_beyond_the_editorial_candidates() -> None:
    # Candidates are the popular ones: a boosted product outside them still joins the row.
    small = PipelineConfig.model_validate({"candidates": {"popular": 2, "trending": 0,
                                                          "new_arrivals": 0}})
    boost = rule(1, "boost", products=["d2"])
    ask = RecommendationQuery(customer_id="c1", n=4)
    result = run_pipeline(index=INDEX, model=MODEL, profile=profile(), query=ask,
                          config=small, now=NOW, merchandising=compiled(INDEX, [boost]))
    assert ids(result)[0] == "d2"


def test_windows_and_placements_are_read_at_the_request() -> None:
    december = rule(1, "pin", products=["d2"], position=1,
                    starts_at=datetime(2026, 12, 1, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert ids(run([december], now=NOW - 1))[0] == "d2"
    assert ids(run([december], now=NOW))[0] != "d2"  # the end is not included
    assert ids(run([december], now=datetime(2026, 11, 30, tzinfo=UTC).timestamp()))[0] != "d2"
    cart_only = rule(2, "pin", products=["d2"], position=1, placements=["cart"])
    assert ids(run([cart_only]))[0] != "d2"
    assert ids(run([cart_only], placement="cart", cart=("c1",)))[0] == "d2"
    off = rule(3, "pin", products=["d2"], position=1, enabled=False)
    assert ids(run([off]))[0] != "d2"


def test_a_pin_never_shows_the_pages_own_product_and_search_shows_only_hits() -> None:
    pin = rule(1, "pin", products=["d2"], position=1)
    assert "d2" not in ids(run([pin], placement="product", product_id="d2"))
    assert ids(run([pin], placement="product", product_id="c1"))[0] == "d2"
    hits = ("c1", "c2", "b1")
    assert "d2" not in ids(run([pin], placement="search", hits=hits))
    pinned_hit = rule(2, "pin", products=["b1"], position=1)
    searched = run([pinned_hit], placement="search", hits=hits)
    assert ids(searched) == ["b1", "c1", "c2"]
    assert [r.code for r in searched.items[0].reasons][:2] == ["featured", "search_match"]


def test_the_exploration_slot_stays_last_unless_a_pin_takes_it() -> None:
    explorer = CustomerProfile(customer_id="c1", level="full", consents=CONSENTS,
                               likes=(("category", "Groceries", 1.0),))
    plain = run([], who=explorer, n=6)
    last = plain.items[-1]
    assert last.basis == "exploration"
    pinned = run([rule(1, "pin", products=["b2"], position=1)], who=explorer, n=6)
    assert pinned.items[-1].basis == "exploration"
    assert pinned.items[-1].product_id == last.product_id
    assert ids(pinned)[0] == "b2"
    taken = run([rule(1, "pin", products=["c2"], position=6)], who=explorer, n=6)
    assert ids(taken)[-1] == "c2"
    assert all(item.basis != "exploration" for item in taken.items)


def test_featured_is_worded_in_polish_and_fabricated_claims_are_caught() -> None:
    from prefero.recommend.query import ReasonParams

    assert word("featured", ReasonParams(), schema=SCHEMA, language="pl") == (
        "Wyróżnione przez sklep")
    result = run([rule(1, "boost", products=["d2"], strength=5)])
    ask = RecommendationQuery(customer_id="c1", n=8)
    # Checked against no rules, or a bury that outranks the boost, the claim fails.
    assert unverified(result, query=ask, index=INDEX, model=MODEL, profile=profile(),
                      now=NOW)
    outranked = [rule(1, "boost", products=["d2"], strength=5),
                 rule(2, "bury", products=["d2"], priority=3)]
    assert [u.why for u in unverified(result, query=ask, index=INDEX, model=MODEL,
                                      profile=profile(), now=NOW, rules=outranked)] == [
        "a bury rule outranks its boost"]
    hidden = [rule(1, "boost", products=["d2"]), rule(2, "hide", facet="category",
                                                       values=["Electronics"])]
    assert [u.why for u in unverified(result, query=ask, index=INDEX, model=MODEL,
                                      profile=profile(), now=NOW, rules=hidden)] == [
        "a hide rule in force names the product"]


def test_rules_compiled_over_another_snapshot_are_refused() -> None:
    other = _index()
    with pytest.raises(ValueError, match="another snapshot"):
        run_pipeline(index=INDEX, model=MODEL, profile=profile(),
                     query=RecommendationQuery(n=3), config=PipelineConfig(), now=NOW,
                     merchandising=compiled(other, []))
