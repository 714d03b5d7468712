"""The demo shop's recommendation clicks and the statistics seeded from them: a freshly
loaded demo gives the dashboard's recommendations page consistent figures."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.analytics.counts import Key
from prefero.analytics.reasons import PLACEMENTS, is_reason_code
from prefero.analytics.stats import recommendation_stats
from prefero.demo import behaviour
from prefero.demo.behaviour import HISTORY_DAYS, simulate_behaviour
from prefero.demo.clicks import featured_on
from prefero.demo.loader import load_demo
from prefero.demo.recommendation_stats import MAX_CTR, MIN_CTR, seeded_counts
from prefero.demo.shop import DemoShop, generate_demo
from prefero.runtime import Runtime

ANCHOR = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PRODUCTS, CUSTOMERS = 300, 400
FIRST_DAY = (ANCHOR - timedelta(days=HISTORY_DAYS)).date()


@pytest.fixture(scope="module")
def shop() -> DemoShop:
    return generate_demo(seed=7, products=PRODUCTS, customers=CUSTOMERS, anchor=ANCHOR)


def test_every_click_names_a_placement_and_a_known_reason(shop: DemoShop) -> None:
    clicks = [e for e in shop.behaviour.events if e.type == "rec_click"]
    assert clicks
    assert {e.placement for e in clicks} >= {"home", "product", "cart", "search"}
    for event in clicks:
        assert event.placement in PLACEMENTS
        assert event.reason is not None and is_reason_code(event.reason), event
        assert event.row()["reason"] == event.reason
    # Only rec_click events carry a reason (the events' schema refuses one elsewhere).
    assert all(e.reason is None for e in shop.behaviour.events if e.type != "rec_click")


def test_reasons_fit_their_placement(shop: DemoShop) -> None:
    products = {p.id: p for p in shop.products}
    by_placement: dict[str, Counter[str]] = {}
    for event in shop.behaviour.events:
        if event.type != "rec_click":
            continue
        assert event.placement is not None and event.reason is not None
        by_placement.setdefault(event.placement, Counter())[event.reason] += 1
        product = products[event.product_id or ""]
        if event.reason == "featured":
            # Only where a demo campaign pins or boosts the product.
            assert featured_on(product, event.placement), event
        if event.reason == "new_arrival":
            assert event.occurred_at - product.created_at < timedelta(days=14)
    assert set(by_placement["search"]) == {"search_match"}
    assert set(by_placement["cart"]) <= {"co_purchase", "complement", "featured"}
    assert set(by_placement["product"]) <= {"similar", "co_view", "co_purchase",
                                            "also_chosen"}
    assert set(by_placement["home"]) <= {"featured", "new_arrival", "trending",
                                         "declared_like", "popular"}
    assert "popular" in by_placement["home"] and "co_purchase" in by_placement["cart"]


def test_a_click_leads_to_the_clicked_product(shop: DemoShop) -> None:
    """The clicking customer's next event is on the clicked product: a view, or (a grocery
    complement put in the basket from the cart's row) an add to cart."""
    events = shop.behaviour.events
    following: dict[str, int] = {}
    for position in range(len(events) - 1, -1, -1):
        event = events[position]
        if event.type == "rec_click":
            later = following[event.customer_id]
            assert events[later].product_id == event.product_id
            assert events[later].type in ("view", "add_to_cart")
            # In the same visit (a home page click is a gap of its own before the view).
            assert timedelta(0) < events[later].occurred_at - event.occurred_at \
                < timedelta(hours=1)
        following[event.customer_id] = position


def test_the_tally_counts_every_click_linked_or_not(shop: DemoShop) -> None:
    linked: Counter[Key] = Counter()
    for event in shop.behaviour.events:
        if event.type == "rec_click":
            assert event.placement is not None and event.reason is not None
            linked[(event.occurred_at.date(), event.placement, event.reason)] += 1
    tally = shop.behaviour.rec_clicks
    assert all(tally.get(key, 0) >= n for key, n in linked.items())
    # Untracked customers click too: the tally has more than the stored events.
    assert sum(tally.values()) > sum(linked.values())
    activity = sum(n for (_, _, kind), n in shop.behaviour.activity.items()
                   if kind == "rec_click")
    assert sum(tally.values()) == activity


def test_clicks_change_nothing_else_the_simulation_draws(
        shop: DemoShop, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clicks draw from a stream of their own: without any click from a product page,
    cart or search, the same events happen at the same instants; the clicks only add
    themselves and the views of the items a cart's row showed."""
    for share in ("PRODUCT_CLICKS", "CART_CLICKS", "SEARCH_CLICKS", "CART_GLANCES"):
        monkeypatch.setattr(behaviour, share, 0.0)
    rng = np.random.default_rng(np.random.SeedSequence(7).spawn(3)[2])
    without = simulate_behaviour(rng, products=shop.products, customers=shop.customers,
                                 anchor=ANCHOR)
    assert {e.placement for e in without.events if e.type == "rec_click"} == {"home"}

    base = [e for e in without.events if e.type != "rec_click"]
    added = []
    last_click: dict[str, behaviour.DemoEvent] = {}
    at = 0
    for event in shop.behaviour.events:
        if event.type == "rec_click":
            last_click[event.customer_id] = event
        elif at < len(base) and event == base[at]:
            at += 1
        else:
            added.append((event, last_click.get(event.customer_id)))
    assert at == len(base)
    assert added
    for event, click in added:
        assert event.type == "view" and click is not None and click.placement == "cart"
        assert click.product_id == event.product_id
        assert timedelta(0) < event.occurred_at - click.occurred_at < timedelta(seconds=10)


@settings(max_examples=60, deadline=None, database=None)
@given(st.dictionaries(
    st.tuples(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 1)),
              st.sampled_from([*PLACEMENTS, "other"]),
              st.sampled_from(["co_purchase", "popular", "similar", "unknown"])),
    st.integers(min_value=0, max_value=100_000), max_size=30),
    st.integers(min_value=0, max_value=2**32))
def test_seeded_impressions_keep_the_rate_within_bounds(clicks: dict[Key, int],
                                                        seed: int) -> None:
    counts = seeded_counts(clicks, seed=seed)
    assert set(counts) == {key for key, n in clicks.items() if n > 0}
    for key, (shown, clicked) in counts.items():
        assert clicked == clicks[key]
        # Rounded up from clicks / rate: never above the highest rate, never more
        # impressions than the lowest rate gives.
        assert clicked / shown <= MAX_CTR
        assert shown <= math.ceil(clicked / MIN_CTR)
    assert seeded_counts(clicks, seed=seed) == counts


def test_seeded_impressions_follow_the_seed(shop: DemoShop) -> None:
    first = seeded_counts(shop.behaviour.rec_clicks, seed=7)
    assert seeded_counts(shop.behaviour.rec_clicks, seed=7) == first
    other = seeded_counts(shop.behaviour.rec_clicks, seed=8)
    assert {key: clicked for key, (_, clicked) in other.items()} == {
        key: clicked for key, (_, clicked) in first.items()}
    assert other != first


def test_a_loaded_demo_has_recommendation_statistics(runtime: Runtime,
                                                     shop: DemoShop) -> None:
    load_demo(runtime, seed=7, products=PRODUCTS, customers=CUSTOMERS, anchor=ANCHOR)
    with runtime.session() as session:
        stats = recommendation_stats(session, start=FIRST_DAY, end=ANCHOR.date(),
                                     today=ANCHOR.date())
    placements = {row.placement: row for row in stats.by_placement}
    assert {"home", "product", "cart", "search"} <= set(placements)
    for where in ("home", "product", "cart"):
        row = placements[where]
        assert row.impressions > row.clicks > 0, where
        # Each day's rate is in [MIN_CTR, MAX_CTR], its impressions rounded up: a
        # placement's rate stays between 2% and 8%.
        assert row.ctr is not None and 0.02 <= row.ctr <= MAX_CTR <= 0.08, where
    # The clicks are the demo's own, every customer's; the followed ones its stored events.
    assert stats.total.clicks == sum(shop.behaviour.rec_clicks.values())
    stored = sum(1 for e in shop.behaviour.events if e.type == "rec_click")
    assert stats.total.followed_clicks == stored < stats.total.clicks
    # The cart's row is clicked by shoppers about to buy: its clicks lead to purchases.
    assert placements["cart"].add_to_carts > 0 and placements["cart"].purchases > 0
    assert stats.total.purchases > 0 and stats.total.revenue > 0
    assert all(row.clicks <= row.impressions for row in stats.rows)
    assert all(day.clicks <= day.impressions for day in stats.days)
    assert sum(day.clicks for day in stats.days) == stats.total.clicks
