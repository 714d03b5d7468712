"""Properties over random catalogues, customers and merchandising rules, at every level (off,
declared, balanced, full): a pinned or boosted product that the customer's rules exclude
never reaches them; a hidden product never appears, not even when the customer shows
everything; "Featured by the shop" is said only where a pin or a boost in force names the
item, never on a buried one, and the independent checker bears every claim out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from merchandising_rules import compiled, rule
from prefero.merchandising.schemas import ALL_PLACEMENTS, Rule
from prefero.recommend.catalog_index import ProductRow, index_products
from prefero.recommend.config import PipelineConfig
from prefero.recommend.honesty import unverified
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import CustomerProfile
from recommend.test_constraint_properties import (
    SCHEMA,
    breaks_rules,
    catalogs,
    facet_values,
    profiles,
    queries,
    random_model,
)

NOW = datetime(2026, 11, 2, tzinfo=UTC)
LEVELS = ("off", "declared", "balanced", "full")
# Mostly rules in force now, so that most examples exercise them; some expired, some to come.
_WINDOWS = {
    "open": (None, None),
    "current": (timedelta(hours=-1), timedelta(hours=1)),
    "from": (timedelta(hours=-1), None),
    "until": (None, timedelta(seconds=1)),
    "past": (timedelta(days=-2), timedelta(days=-1)),
    "future": (timedelta(seconds=1), None),
}


@st.composite
def shop_rules(draw: st.DrawFn, ids: list[str]) -> list[Rule]:
    rules = []
    for rule_id in range(1, draw(st.integers(min_value=1, max_value=6)) + 1):
        action = draw(st.sampled_from(["pin", "boost", "bury", "hide"]))
        fields: dict[str, Any] = {}
        if draw(st.booleans()):
            facet, value = draw(facet_values)
            fields.update(facet=facet, values=[value])
        else:
            fields["products"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3,
                                               unique=True))
        start, end = _WINDOWS[draw(st.sampled_from(
            ["open", "open", "open", "current", "from", "until", "past", "future"]))]
        fields["starts_at"] = NOW + start if start is not None else None
        fields["ends_at"] = NOW + end if end is not None else None
        if action == "pin":
            fields["position"] = draw(st.integers(min_value=1, max_value=12))
        if action in ("boost", "bury"):
            fields["strength"] = draw(st.sampled_from([0.1, 1.0, 10.0]))
        placements = draw(st.one_of(
            st.just(list(ALL_PLACEMENTS)),
            st.lists(st.sampled_from(ALL_PLACEMENTS), min_size=1, max_size=5, unique=True)))
        rules.append(rule(rule_id, action, placements=placements,
                          priority=draw(st.integers(min_value=-2, max_value=2)),
                          enabled=draw(st.sampled_from([True, True, True, False])), **fields))
    return rules


def names(row: ProductRow, shop_rule: Rule) -> bool:
    """Whether ``shop_rule`` names ``row``, written out once more from the raw row."""
    condition = shop_rule.condition
    if condition.facet is None:
        return row.id in condition.product_ids
    if condition.facet == "category":
        return any(row.category == value or row.category.startswith(value + " > ")
                   for value in condition.values)
    raw = row.facets.get(condition.facet)
    if isinstance(raw, bool):
        return ("true" if raw else "false") in condition.values
    if isinstance(raw, list):
        return any(value in condition.values for value in raw)
    return raw in condition.values


def in_force(shop_rule: Rule, placement: str) -> bool:
    at = NOW.timestamp()
    return (shop_rule.enabled and placement in shop_rule.placements
            and (shop_rule.starts_at is None or shop_rule.starts_at.timestamp() <= at)
            and (shop_rule.ends_at is None or at < shop_rule.ends_at.timestamp()))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_shops_rules_never_override_the_customers_at_any_level(
        data: st.DataObject) -> None:
    rows = sorted(data.draw(catalogs()), key=lambda r: r.id)
    index = index_products(rows, schema=SCHEMA)
    ids = [r.id for r in rows]
    drawn = data.draw(profiles(ids))
    query = data.draw(queries(ids))
    rules = data.draw(shop_rules(ids))
    show_all = data.draw(st.booleans())
    model = random_model(index, data.draw(st.integers(0, 2**16)))
    merchandising = compiled(index, rules)
    by_id = {r.id: r for r in rows}
    live = [r for r in rules if in_force(r, query.placement)]
    for level in LEVELS:
        profile = CustomerProfile(**{**drawn.__dict__, "level": level})
        result = run_pipeline(index=index, model=model, profile=profile, query=query,
                              config=PipelineConfig(), apply_preferences=not show_all,
                              now=NOW.timestamp(), merchandising=merchandising)
        returned = [item.product_id for item in result.items]
        assert len(returned) == len(set(returned)) and len(returned) <= query.n
        for item in result.items:
            row = by_id[item.product_id]
            problems = breaks_rules(row, profile)
            if show_all:
                problems = [p for p in problems if p == "unavailable"]
            assert problems == [], (level, item.product_id, problems)
            assert not any(r.action == "hide" and names(row, r) for r in live), (
                level, item.product_id)
            if query.placement == "search":
                assert item.product_id in query.hits
            codes = [reason.code for reason in item.reasons]
            if "featured" in codes:
                assert any(r.action in ("pin", "boost") and names(row, r) for r in live), (
                    level, item.product_id)
            assert item.reasons
        assert unverified(result, query=query, index=index, model=model, profile=profile,
                          now=NOW.timestamp(), rules=rules) == []
