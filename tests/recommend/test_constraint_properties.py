"""Properties over random catalogs and profiles: no declared rule ever leaks, whatever the
placement, level, consents or trained neighbours (nor, under a "never" rule on a safety
facet, a product that states nothing for it where the facet applies); behaviour only counts
when allowed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.recommend.artefacts import Artefacts
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.config import PipelineConfig
from prefero.recommend.constraints import allowed_mask, hidden_by_rule
from prefero.recommend.explain import BEHAVIOURAL_CODES
from prefero.recommend.models import ModelView, build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import CustomerProfile, HistoryItem
from prefero.recommend.query import RecommendationQuery

SCHEMA = load_facet_schema()
# Groceries and Cosmetics are where the schema's safety facets (allergens, diet) apply.
CATEGORIES = ["Food > Bread", "Food > Snacks", "Wear > Shoes > Run", "Wear > Shirts",
              "Tech > Phones", "Tech", "Groceries > Bread", "Cosmetics > Face"]
BRANDS = ["acme", "bolt", "cora"]
DIETS = ["vegan", "keto", "gluten free"]
ALLERGENS = ["gluten", "nuts", "lactose"]
SIZES = ["s", "m", "42", "43"]
COLORS = ["red", "blue"]


@st.composite
def catalogs(draw: st.DrawFn) -> list[ProductRow]:
    n = draw(st.integers(min_value=1, max_value=30))
    rows = []
    for i in range(n):
        category = draw(st.sampled_from(CATEGORIES))
        facets: dict[str, Any] = {"category": category}
        brand = draw(st.sampled_from([*BRANDS, None]))
        if brand:
            facets["brand"] = brand
        if draw(st.booleans()):
            facets["diet"] = draw(st.lists(st.sampled_from(DIETS), unique=True))
        if draw(st.booleans()):
            facets["allergens"] = draw(st.lists(st.sampled_from(ALLERGENS), unique=True))
        if draw(st.booleans()):
            facets["size"] = draw(st.lists(st.sampled_from(SIZES), unique=True))
        if draw(st.booleans()):
            facets["color"] = draw(st.lists(st.sampled_from(COLORS), unique=True, min_size=1))
        if draw(st.booleans()):
            facets["eco"] = draw(st.booleans())
        price = Decimal(draw(st.integers(min_value=1, max_value=500)))
        sale = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=500)))
        rows.append(ProductRow(
            id=f"p{i:02d}", title=f"Item {i}", price=price,
            sale_price=Decimal(sale) if sale is not None else None,
            active=draw(st.booleans()) or draw(st.booleans()),
            availability=draw(st.sampled_from(["in_stock", "in_stock", "out_of_stock",
                                               "preorder"])),
            category=category, brand=brand, facets=facets, created_at=None,
        ))
    return rows


facet_values = st.one_of(
    st.tuples(st.just("diet"), st.sampled_from(DIETS)),
    st.tuples(st.just("allergens"), st.sampled_from(ALLERGENS)),
    st.tuples(st.just("brand"), st.sampled_from(BRANDS)),
    st.tuples(st.just("color"), st.sampled_from(COLORS)),
    st.tuples(st.just("category"), st.sampled_from(["Food", "Wear", "Tech", "Wear > Shoes"])),
    st.tuples(st.just("eco"), st.sampled_from(["true", "false"])),
)


@st.composite
def profiles(draw: st.DrawFn, ids: list[str]) -> CustomerProfile:
    must: dict[str, list[str]] = {}
    for facet, value in draw(st.lists(facet_values, max_size=2)):
        must.setdefault(facet, []).append(value)
    budget_max = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=500)))
    history = tuple(
        HistoryItem(product_id=pid, type=kind, occurred_at=datetime(2026, 11, 1, tzinfo=UTC))
        for pid, kind in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(
            ["view", "purchase", "add_to_cart"])), max_size=5))
    )
    return CustomerProfile(
        customer_id="c1",
        level=draw(st.sampled_from(["off", "declared", "balanced", "full"])),
        consents={"tracking": draw(st.booleans()), "personalization": draw(st.booleans()),
                  "context": draw(st.booleans()), "marketing_email": False,
                  "marketing_push": False},
        likes=tuple((f, v, w) for (f, v), w in draw(st.lists(st.tuples(
            facet_values, st.floats(min_value=-1, max_value=1)), max_size=4))),
        never=tuple(draw(st.lists(facet_values, max_size=3))),
        must={facet: tuple(values) for facet, values in must.items()},
        budget_max=float(budget_max) if budget_max is not None else None,
        budget_min=draw(st.one_of(st.none(), st.just(5.0))),
        sizes=draw(st.one_of(st.just({}), st.just({"Wear > Shoes": frozenset({"42"})}))),
        dismissed=frozenset(draw(st.lists(st.sampled_from(ids), max_size=3))),
        exploration=draw(st.booleans()),
        history=history,
    )


@st.composite
def queries(draw: st.DrawFn, ids: list[str]) -> RecommendationQuery:
    """A request on any placement, anchored on the catalogue's own products."""
    placement = draw(st.sampled_from(["home", "product", "cart", "checkout", "search"]))
    return RecommendationQuery(
        customer_id="c1", placement=placement, n=draw(st.integers(1, 12)),
        product_id=draw(st.sampled_from(ids)) if placement == "product" else None,
        cart=tuple(draw(st.lists(st.sampled_from(ids), max_size=3)))
        if placement in ("cart", "checkout") else (),
        hits=tuple(draw(st.permutations(ids))) if placement == "search" else (),
    )


def random_model(index: CatalogIndex, seed: int) -> ModelView:
    rng = np.random.default_rng(seed)
    n, k = index.size, 4
    idx = rng.integers(-1, n, size=(n, k)).astype(np.int32)
    artefacts = Artefacts(
        version="v-test", item_ids=list(index.ids),
        popularity=rng.random(n).astype(np.float32),
        trending=rng.random(n).astype(np.float32),
        co_purchase_idx=idx, co_purchase_score=rng.random((n, k)).astype(np.float32),
        co_view_idx=idx[:, ::-1].copy(), co_view_score=rng.random((n, k)).astype(np.float32),
        manifest={},
    )
    return build_model_view(index, artefacts)


def unlabelled_where_unsafe(row: ProductRow, facet: str) -> bool:
    """A product in a category a safety facet covers, stating nothing for it."""
    spec = SCHEMA.get(facet)
    return (spec is not None and spec.safety and row.facets.get(facet) is None
            and any(row.category == path or row.category.startswith(path + " > ")
                    for path in spec.applies_to))


def breaks_rules(row: ProductRow, profile: CustomerProfile) -> list[str]:
    """The rules, written out once more from the raw rows — independent of the engine."""
    facets = row.facets
    problems = []
    if not row.active or row.availability == "out_of_stock":
        problems.append("unavailable")

    def has(facet: str, value: str) -> bool:
        raw = facets.get(facet)
        if facet == "category":
            return row.category == value or row.category.startswith(value + " > ")
        if isinstance(raw, bool):
            return value == str(raw).lower()
        if isinstance(raw, list):
            return value in raw
        return raw == value

    for facet, value in profile.never:
        if has(facet, value):
            problems.append(f"never {facet}={value}")
    for facet in {facet for facet, _ in profile.never}:
        if unlabelled_where_unsafe(row, facet):
            problems.append(f"no {facet} information")
    for facet, values in profile.must.items():
        spec = SCHEMA.get(facet)
        covered = spec is not None and any(
            row.category == path or row.category.startswith(path + " > ")
            for path in spec.applies_to)
        applies = facet == "category" or facet in facets or covered
        if applies and not any(has(facet, v) for v in values):
            problems.append(f"must {facet}")
    price = float(row.sale_price if row.sale_price is not None else row.price)
    if profile.budget_max is not None and price > profile.budget_max:
        problems.append("over budget")
    if profile.budget_min is not None and price < profile.budget_min:
        problems.append("under budget")
    for category, sizes in profile.sizes.items():
        in_category = row.category == category or row.category.startswith(category + " > ")
        if in_category and "size" in facets and not sizes & set(facets["size"]):
            problems.append("size")
    if row.id in profile.dismissed:
        problems.append("dismissed")
    return problems


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_no_declared_rule_ever_leaks(data: st.DataObject) -> None:
    rows = sorted(data.draw(catalogs()), key=lambda r: r.id)
    index = index_products(rows, schema=SCHEMA)
    ids = [r.id for r in rows]
    profile = data.draw(profiles(ids))
    query = data.draw(queries(ids))
    model = random_model(index, data.draw(st.integers(0, 2**16)))
    result = run_pipeline(index=index, model=model, profile=profile, query=query,
                          config=PipelineConfig())
    by_id = {r.id: r for r in rows}
    returned = [item.product_id for item in result.items]
    assert len(returned) == len(set(returned)), "an item was returned twice"
    assert len(returned) <= query.n
    for product_id in returned:
        assert breaks_rules(by_id[product_id], profile) == [], product_id
        assert product_id != query.product_id
        assert product_id not in query.cart
    if not profile.uses_behaviour:
        assert not {r.code for i in result.items for r in i.reasons} & BEHAVIOURAL_CODES
    for item in result.items:
        assert item.reasons, "every item explains itself"


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_without_tracking_consent_history_has_no_influence(data: st.DataObject) -> None:
    rows = sorted(data.draw(catalogs()), key=lambda r: r.id)
    index = index_products(rows, schema=SCHEMA)
    profile = data.draw(profiles([r.id for r in rows]))
    no_tracking = CustomerProfile(**{**profile.__dict__,
                                     "consents": {**profile.consents, "tracking": False}})
    forgotten = CustomerProfile(**{**no_tracking.__dict__, "history": ()})
    model = random_model(index, 1)
    query = RecommendationQuery(customer_id="c1", n=8)
    first = run_pipeline(index=index, model=model, profile=no_tracking, query=query,
                         config=PipelineConfig(), now=1.8e9)
    second = run_pipeline(index=index, model=model, profile=forgotten, query=query,
                          config=PipelineConfig(), now=1.8e9)
    assert first.model_dump() == second.model_dump()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_listings_show_only_what_passes_every_rule(data: st.DataObject) -> None:
    """Category and search listings show ``available & allowed_mask`` and count what each
    rule hides: nothing shown breaks a rule, and the "missing information" count of a safety
    facet is exactly the unlabelled products it covers."""
    rows = sorted(data.draw(catalogs()), key=lambda r: r.id)
    index = index_products(rows, schema=SCHEMA)
    profile = data.draw(profiles([r.id for r in rows]))
    available = index.eligible.copy()
    shown = available & allowed_mask(index, profile)
    for position in np.flatnonzero(shown).tolist():
        assert breaks_rules(rows[position], profile) == [], rows[position].id
    for position in np.flatnonzero(available & ~shown).tolist():
        assert breaks_rules(rows[position], profile) != [], rows[position].id
    missing = {h.rule: h.count for h in hidden_by_rule(index, profile, available)
               if h.missing_information}
    expected = {f"missing:{facet}": sum(
        1 for i, row in enumerate(rows) if available[i] and unlabelled_where_unsafe(row, facet))
        for facet in {facet for facet, _ in profile.never}}
    assert missing == {rule: n for rule, n in expected.items() if n}
