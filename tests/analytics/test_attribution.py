"""Carts and purchases after a recommendation click: the latest click on the product by the
same customer wins, within 24 hours for a cart and 7 days for a purchase; each click counts
once per kind, revenue adds up; counted on the click's day. A Hypothesis property holds the
SQL-and-stream implementation to a naive reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from prefero.analytics.attribution import CART_WINDOW, PURCHASE_WINDOW, Attributed, attributed
from prefero.customers.repository import ensure_customers
from prefero.events.models import Event
from prefero.runtime import Runtime

START, END = date(2026, 11, 10), date(2026, 11, 12)
T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class E:
    kind: str
    at: datetime
    who: str = "c1"
    product: str = "p1"
    placement: str | None = "home"
    reason: str | None = "trending"
    price: Decimal | None = None
    quantity: int | None = None


def store(runtime: Runtime, events: list[E]) -> None:
    with runtime.session() as session:
        session.execute(delete(Event))
        ensure_customers(session, {who: False for who in sorted({e.who for e in events})})
        session.add_all([Event(customer_id=e.who, type=e.kind, product_id=e.product,
                               placement=e.placement if e.kind == "rec_click" else None,
                               reason=e.reason if e.kind == "rec_click" else None,
                               price=e.price, quantity=e.quantity, occurred_at=e.at)
                         for e in events])


def found(runtime: Runtime, *, start: date = START, end: date = END,
          placement: str | None = None) -> dict[tuple[str, str], Attributed]:
    with runtime.session() as session:
        return attributed(session, start=start, end=end, placement=placement)


def test_a_cart_within_24_hours_and_a_purchase_within_7_days_count(runtime: Runtime) -> None:
    store(runtime, [E("rec_click", T0), E("add_to_cart", T0 + CART_WINDOW),
                    E("purchase", T0 + PURCHASE_WINDOW, price=Decimal("12.50"), quantity=2)])
    assert found(runtime) == {("home", "trending"): Attributed(
        followed_clicks=1, add_to_carts=1, purchases=1, revenue=Decimal("25.00"))}


def test_a_moment_past_the_window_counts_nothing(runtime: Runtime) -> None:
    store(runtime, [E("rec_click", T0), E("add_to_cart", T0 + CART_WINDOW + TICK),
                    E("purchase", T0 + PURCHASE_WINDOW + TICK, price=Decimal("9"))])
    assert found(runtime) == {("home", "trending"): Attributed(followed_clicks=1)}


def test_what_happened_before_the_click_or_to_another_product_or_person_is_not_its(
        runtime: Runtime) -> None:
    store(runtime, [E("purchase", T0 - TICK, price=Decimal("5")),
                    E("rec_click", T0),
                    E("add_to_cart", T0 + timedelta(hours=1), product="p2"),
                    E("purchase", T0 + timedelta(hours=1), who="c2", price=Decimal("5"))])
    assert found(runtime) == {("home", "trending"): Attributed(followed_clicks=1)}


def test_the_latest_click_takes_the_conversion(runtime: Runtime) -> None:
    store(runtime, [E("rec_click", T0),
                    E("rec_click", T0 + timedelta(hours=2), placement="product",
                      reason="similar"),
                    E("add_to_cart", T0 + timedelta(hours=3)),
                    E("purchase", T0 + timedelta(hours=4), price=Decimal("10"))])
    assert found(runtime) == {
        ("home", "trending"): Attributed(followed_clicks=1),
        ("product", "similar"): Attributed(followed_clicks=1, add_to_carts=1, purchases=1,
                                           revenue=Decimal("10"))}


def test_a_click_counts_once_however_many_carts_and_purchases_follow(
        runtime: Runtime) -> None:
    store(runtime, [E("rec_click", T0, reason=None),
                    E("add_to_cart", T0 + timedelta(minutes=1)),
                    E("add_to_cart", T0 + timedelta(minutes=2)),
                    E("purchase", T0 + timedelta(days=1), price=Decimal("3")),
                    E("purchase", T0 + timedelta(days=2), price=Decimal("4"))])
    assert found(runtime) == {("home", "unknown"): Attributed(
        followed_clicks=1, add_to_carts=1, purchases=1, revenue=Decimal("7"))}


def test_clicks_count_on_their_own_day_and_a_later_click_outside_takes_over(
        runtime: Runtime) -> None:
    last_day = datetime(2026, 11, 12, 23, 0, tzinfo=UTC)
    store(runtime, [E("rec_click", T0 - timedelta(days=1)),  # before the period
                    E("purchase", T0 - timedelta(hours=1), price=Decimal("1")),
                    E("rec_click", last_day, product="p2"),
                    E("purchase", last_day + timedelta(days=3), product="p2",
                      price=Decimal("2")),  # after the period, for a click in it
                    E("rec_click", last_day, product="p3"),
                    E("rec_click", last_day + timedelta(hours=2), product="p3",
                      reason="popular"),  # the next day: outside, and the latest
                    E("purchase", last_day + timedelta(hours=3), product="p3",
                      price=Decimal("4"))])
    assert found(runtime) == {("home", "trending"): Attributed(
        followed_clicks=2, purchases=1, revenue=Decimal("2"))}
    assert found(runtime, placement="cart") == {}
    assert found(runtime, start=date(2026, 11, 13), end=date(2026, 11, 13)) == {
        ("home", "popular"): Attributed(followed_clicks=1, purchases=1,
                                        revenue=Decimal("4"))}


def reference(events: list[E], *, start: date, end: date) -> dict[tuple[str, str], Attributed]:
    """The rule, read literally, one conversion at a time."""
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    ordered = list(enumerate(events))
    result: dict[tuple[str, str], Attributed] = {}

    def key(e: E) -> tuple[str, str]:
        places = ("home", "product", "cart", "checkout", "search")
        return (e.placement if e.placement in places else "other", e.reason or "unknown")

    for _, e in ordered:
        if e.kind == "rec_click" and since <= e.at < until:
            result.setdefault(key(e), Attributed()).followed_clicks += 1
    converted: set[tuple[str, int]] = set()
    for _, e in ordered:
        if e.kind not in ("add_to_cart", "purchase"):
            continue
        window = CART_WINDOW if e.kind == "add_to_cart" else PURCHASE_WINDOW
        candidates = [(c.at, n, c) for n, c in ordered if c.kind == "rec_click"
                      and c.who == e.who and c.product == e.product
                      and c.at <= e.at and e.at - c.at <= window]
        if not candidates:
            continue
        _at, n, c = max(candidates, key=lambda t: (t[0], t[1]))
        if not since <= c.at < until:
            continue
        tally = result.setdefault(key(c), Attributed())
        if (e.kind, n) not in converted:
            converted.add((e.kind, n))
            if e.kind == "add_to_cart":
                tally.add_to_carts += 1
            else:
                tally.purchases += 1
        if e.kind == "purchase":
            tally.revenue += (e.price or Decimal(0)) * (e.quantity or 1)
    return result


_EVENTS = st.lists(st.builds(
    E, kind=st.sampled_from(["rec_click", "rec_click", "add_to_cart", "purchase", "view"]),
    # A few instants, so that the windows' edges (24 h, 7 days apart) and the period's
    # (the first and the day after the last, 00:00) are hit exactly, often.
    at=st.sampled_from([-180, -12, 0, 12, 24, 36, 60, 156, 168, 180]).map(
        lambda hours: T0 + timedelta(hours=hours)),
    who=st.sampled_from(["c1", "c2"]), product=st.sampled_from(["p1", "p2"]),
    placement=st.sampled_from(["home", "cart", "sidebar", None]),
    reason=st.sampled_from(["trending", "similar", None]),
    price=st.sampled_from([None, Decimal("2.50"), Decimal("10")]),
    quantity=st.sampled_from([None, 1, 3])), min_size=4, max_size=25)


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_EVENTS)
def test_the_attribution_follows_the_rule_read_literally(runtime: Runtime,
                                                         events: list[E]) -> None:
    # Click ids follow the insertion order, which the reference uses to break ties.
    store(runtime, events)
    assert found(runtime) == reference(events, start=START, end=END)
