"""The statistics the dashboard shows: per placement and reason, totals per placement, per
reason and overall, rates only where something divides, labels in words in the staff
member's language, every day of the period, and precise errors for a wrong period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from prefero.analytics.counts import add_counts
from prefero.analytics.stats import MAX_DAYS, recommendation_stats
from prefero.customers.repository import ensure_customers
from prefero.errors import InvalidInput
from prefero.events.models import Event
from prefero.runtime import Runtime

D1, D2 = date(2026, 11, 10), date(2026, 11, 11)
T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def seed(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_counts(session, {(D1, "home", "trending"): (100, 4),
                             (D2, "home", "trending"): (100, 6),
                             (D1, "home", "popular"): (50, 0),
                             (D1, "product", "similar"): (40, 2),
                             (D2 + timedelta(days=1), "home", "trending"): (999, 9)})
        ensure_customers(session, {"c1": False, "c2": False})
        session.add_all([
            Event(customer_id="c1", type="rec_click", product_id="p1", placement="home",
                  reason="trending", occurred_at=T0),
            Event(customer_id="c1", type="purchase", product_id="p1", quantity=2,
                  price=Decimal("10.25"), occurred_at=T0 + timedelta(days=1)),
            Event(customer_id="c2", type="rec_click", product_id="p1", placement="home",
                  reason="trending", occurred_at=T0),
            Event(customer_id="c2", type="rec_click", product_id="p5", placement="product",
                  reason="similar", occurred_at=T0),
            Event(customer_id="c2", type="add_to_cart", product_id="p5",
                  occurred_at=T0 + timedelta(hours=1))])


def test_rows_and_totals_per_placement_reason_and_overall(runtime: Runtime) -> None:
    seed(runtime)
    with runtime.session() as session:
        stats = recommendation_stats(session, start=D1, end=D2, today=date(2026, 12, 1))
    rows = {(r.placement, r.reason): (r.impressions, r.clicks, r.followed_clicks,
                                      r.add_to_carts, r.purchases, r.revenue)
            for r in stats.rows}
    assert rows == {("home", "trending"): (200, 10, 2, 0, 1, 20.5),
                    ("home", "popular"): (50, 0, 0, 0, 0, 0.0),
                    ("product", "similar"): (40, 2, 1, 1, 0, 0.0)}
    assert [r.placement for r in stats.rows] == ["home", "home", "product"]  # most shown
    trending = stats.rows[0]
    assert (trending.ctr, trending.conversion, trending.add_to_cart_rate) == (0.05, 0.5, 0.0)
    assert stats.rows[1].ctr == 0.0 and stats.rows[1].conversion is None  # nothing followed
    assert [(r.placement, r.impressions, r.clicks, r.purchases)
            for r in stats.by_placement] == [("home", 250, 10, 1), ("product", 40, 2, 0)]
    assert [(r.reason, r.impressions) for r in stats.by_reason] == [
        ("trending", 200), ("popular", 50), ("similar", 40)]
    total = stats.total
    assert (total.impressions, total.clicks, total.followed_clicks, total.add_to_carts,
            total.purchases, total.revenue) == (290, 12, 3, 1, 1, 20.5)
    assert total.ctr == pytest.approx(12 / 290) and total.conversion == pytest.approx(1 / 3)
    assert [(d.day, d.impressions, d.clicks) for d in stats.days] == [
        (D1, 190, 6), (D2, 100, 6)]
    assert stats.pending_from is None  # every click's 7 days are over
    assert (stats.currency, stats.placement) == ("PLN", None)


def test_one_placement_only(runtime: Runtime) -> None:
    seed(runtime)
    with runtime.session() as session:
        stats = recommendation_stats(session, start=D1, end=D2, placement="product")
    assert [(r.placement, r.reason, r.impressions, r.add_to_carts) for r in stats.rows] == [
        ("product", "similar", 40, 1)]
    assert [d.impressions for d in stats.days] == [40, 0]


def test_labels_are_words_in_the_language_asked(runtime: Runtime) -> None:
    seed(runtime)
    with runtime.session() as session:
        english = recommendation_stats(session, start=D1, end=D2)
        polish = recommendation_stats(session, start=D1, end=D2, language="pl")
    assert [(r.placement_label, r.reason_label) for r in english.rows] == [
        ("Home page", "Trending"), ("Home page", "Popular in its category"),
        ("Product page", "Similar product")]
    assert [(r.placement_label, r.reason_label) for r in polish.rows] == [
        ("Strona główna", "Na czasie"), ("Strona główna", "Popularne w swojej kategorii"),
        ("Strona produktu", "Podobny produkt")]
    assert (english.total.placement_label, english.total.reason_label) == (None, None)


def test_an_empty_period_has_days_and_no_rates(runtime: Runtime) -> None:
    with runtime.session() as session:
        stats = recommendation_stats(session, start=D1, end=D2, today=D2)
    assert stats.rows == [] and stats.by_placement == [] and stats.by_reason == []
    assert (stats.total.impressions, stats.total.ctr, stats.total.conversion) == (0, None, None)
    assert [d.day for d in stats.days] == [D1, D2]
    assert stats.pending_from == D1  # clicks of the last 7 days may still convert


@pytest.mark.parametrize(("arguments", "errors"), [
    ({"start": D2, "end": D1}, [(("start",), "start is after end")]),
    ({"start": D1, "end": D1 + timedelta(days=MAX_DAYS)},
     [(("end",), f"at most {MAX_DAYS} days at once")]),
    ({"start": D1, "end": D2, "placement": "sidebar"},
     [(("placement",), "not a placement: one of home, product, cart, checkout, search, "
                       "other")]),
    ({"start": D2, "end": D1, "language": "de"},
     [(("start",), "start is after end"), (("language",), "one of en, pl")]),
])
def test_a_wrong_argument_is_named(runtime: Runtime, arguments: dict[str, object],
                                   errors: list[tuple[tuple[str], str]]) -> None:
    with pytest.raises(InvalidInput) as raised, runtime.session() as session:
        recommendation_stats(session, **arguments)  # type: ignore[arg-type]
    assert [(e.loc, e.msg) for e in raised.value.errors] == errors


def test_the_longest_period_is_accepted(runtime: Runtime) -> None:
    with runtime.session() as session:
        stats = recommendation_stats(session, start=D1,
                                     end=D1 + timedelta(days=MAX_DAYS - 1))
    assert len(stats.days) == MAX_DAYS
