"""Replenishment from the customer's own purchases: the median interval between distinct
purchase days (two at least), the next due date, refunds not counted, only consumables, only
with tracking consent; "due soon" read against a controllable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from factories import add_products, consent, customer, product
from prefero.boxes.replenishment import Purchase, cadences, due_soon, replenishments
from prefero.events.models import Event
from prefero.runtime import Runtime

COFFEE = "Groceries > Beverages > Coffee & Tea"
T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


def bought(pid: str, *days: int, category: str = COFFEE) -> list[Purchase]:
    return [Purchase(product_id=pid, title=pid.title(), category=category,
                     day=(T0 + timedelta(days=d)).date()) for d in days]


def test_the_median_interval_and_the_next_due_date() -> None:
    [found] = cadences(bought("beans", 0, 10, 20, 50))  # gaps 10, 10, 30
    assert found.scope == "product" and found.interval_days == 10.0
    assert found.last_bought == date(2026, 10, 21) and found.due_on == date(2026, 10, 31)
    assert found.purchases == 4


def test_one_purchase_or_one_day_is_no_cadence() -> None:
    assert cadences(bought("beans", 3)) == []
    assert cadences(bought("beans", 3, 3, 3)) == []


def test_a_leaf_category_stands_in_when_no_product_repeats() -> None:
    [found] = cadences([*bought("beans", 0), *bought("ground", 14), *bought("decaf", 28)])
    assert found.scope == "category" and found.category == COFFEE
    assert found.product_id == "decaf" and found.interval_days == 14.0
    # A product of its own cadence covers its leaf: no second reminder for the category.
    both = cadences([*bought("beans", 0, 14), *bought("ground", 7)])
    assert [(r.scope, r.product_id) for r in both] == [("product", "beans")]


@given(st.lists(st.integers(0, 400), min_size=2, max_size=12, unique=True))
def test_the_interval_lies_within_the_gaps_and_the_due_date_follows_the_last(
        days: list[int]) -> None:
    [found] = cadences(bought("beans", *days))
    ordered = sorted(days)
    gaps = [b - a for a, b in pairwise(ordered)]
    assert min(gaps) <= found.interval_days <= max(gaps)
    assert found.last_bought == (T0 + timedelta(days=ordered[-1])).date()
    assert found.due_on > found.last_bought


def test_due_soon_follows_the_clock_and_the_lead_time() -> None:
    [found] = cadences(bought("beans", 0, 10))  # due on day 20
    at = [T0 + timedelta(days=d) for d in (16, 17, 20, 30, 31)]
    assert [bool(due_soon([found], now=now, lead_days=3)) for now in at] == [
        False, True, True, True, False]


def _purchase(cid: str, pid: str, day: int, order: str) -> Event:
    return Event(customer_id=cid, type="purchase", product_id=pid, order_id=order,
                 occurred_at=T0 + timedelta(days=day))


def test_from_the_database_refunds_excluded_and_consent_required(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product("beans", category=COFFEE, price=40),
                               product("tv", category="Electronics > TV", price=900)])
        customer(session, "ann")
        consent(session, "ann", "tracking", True)
        session.add_all([
            _purchase("ann", "beans", 0, "o1"),
            _purchase("ann", "beans", 10, "o2"),
            _purchase("ann", "beans", 12, "o3"),  # refunded: not a purchase
            _purchase("ann", "beans", 20, "o4"),
            _purchase("ann", "tv", 0, "o1"),  # not a consumable
            _purchase("ann", "tv", 30, "o5"),
            Event(customer_id="ann", type="refund", product_id=None, order_id="o3",
                  occurred_at=T0 + timedelta(days=13)),
        ])
        session.flush()
        [found] = replenishments(session, customer_id="ann", settings=runtime.settings)
        assert (found.product_id, found.interval_days, found.purchases) == ("beans", 10.0, 3)
        assert found.due_on == (T0 + timedelta(days=30)).date()
        consent(session, "ann", "tracking", False)
        assert replenishments(session, customer_id="ann", settings=runtime.settings) == []
