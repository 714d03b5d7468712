"""Training streams its input into arrays; what it learns from must be exactly what the
row-by-row reading (a Python object per row, kept here as the reference) gave."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from scipy import sparse
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factories import add_products, consent, customer, events, product
from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.demo import load_demo
from prefero.events.models import Event, ProductActivity
from prefero.recommend import training
from prefero.recommend.catalog_index import build_catalog_index
from prefero.recommend.training import TrainingConfig, basket_co_occurrence, co_occurrence_top_k
from prefero.recommend.training_input import Baskets, read_behaviour
from prefero.runtime import Runtime

# ---------------------------------------------------------------- the reference (before)


def _reference_behaviour(session: Session, position: dict[str, int], settings: Settings
                         ) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """Journeys, purchase baskets and view baskets as training read them before streaming:
    rows sorted by the database, sets and lists per basket and customer."""
    people = list(session.scalars(select(Event.customer_id).distinct()))
    consenting = {c for c, granted in purpose_consents(
        session, people, purpose="tracking", settings=settings).items() if granted}
    purchase: dict[tuple[str, str], set[int]] = {}
    view: dict[tuple[str, str], set[int]] = {}
    steps: dict[str, list[int]] = {}
    rows = session.execute(
        select(Event.customer_id, Event.session_id, Event.occurred_at, Event.type,
               Event.product_id).where(Event.product_id.is_not(None), Event.type != "refund")
        .order_by(Event.customer_id, Event.occurred_at, Event.id))
    for customer_id, session_id, occurred_at, kind, product_id in rows:
        i = position.get(str(product_id))
        if i is None or customer_id not in consenting:
            continue
        key = (customer_id, session_id or occurred_at.date().isoformat())
        if kind in ("purchase", "add_to_cart"):
            purchase.setdefault(key, set()).add(i)
        if kind in ("view", "rec_click", "add_to_cart", "purchase"):
            view.setdefault(key, set()).add(i)
        journey = steps.setdefault(customer_id, [])
        if not journey or journey[-1] != i:
            journey.append(i)
    return (list(steps.values()), [sorted(b) for b in purchase.values() if len(b) > 1],
            [sorted(b) for b in view.values() if len(b) > 1])


def _reference_co_occurrence(baskets: list[list[int]], *, n_items: int, k: int,
                             shrinkage: float
                             ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    rows: list[int] = []
    cols: list[int] = []
    for b, items in enumerate(baskets):
        rows.extend([b] * len(items))
        cols.extend(items)
    idx = np.full((n_items, k), -1, dtype=np.int32)
    score = np.zeros((n_items, k), dtype=np.float32)
    if not rows or n_items == 0:
        return idx, score
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                          shape=(max(rows) + 1, n_items))
    x.data[:] = 1.0
    counts = np.asarray(x.sum(axis=0)).ravel()
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    co = co.tocoo()
    norm = np.sqrt(counts[co.row] * counts[co.col])
    values = co.data / norm * (co.data / (co.data + shrinkage))
    matrix = sparse.csr_matrix((values, (co.row, co.col)), shape=(n_items, n_items))
    for i in range(n_items):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        if start == end:
            continue
        neighbours = matrix.indices[start:end]
        scores = matrix.data[start:end]
        take = min(k, len(scores))
        top = np.argpartition(-scores, take - 1)[:take]
        order = top[np.lexsort((neighbours[top], -scores[top]))]
        idx[i, :take] = neighbours[order]
        score[i, :take] = scores[order]
    return idx, score


def _reference_popularity(session: Session, position: dict[str, int], config: TrainingConfig,
                          now: datetime) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    n = len(position)
    popularity = np.zeros(n, dtype=np.float64)
    trending = np.zeros(n, dtype=np.float64)
    weights = dict(config.type_weights)
    today = now.date()
    decay = math.log(2) / config.trending_half_life_days
    for product_id, day, kind, count in session.execute(
            select(ProductActivity.product_id, ProductActivity.day, ProductActivity.type,
                   ProductActivity.count)
            .where(ProductActivity.day >= today - timedelta(days=config.popularity_days))):
        i = position.get(product_id)
        weight = weights.get(kind, 0.0)
        if i is None or weight == 0.0:
            continue
        age = max((today - (day if isinstance(day, date) else date.fromisoformat(day))).days,
                  0)
        popularity[i] += weight * count
        if age <= config.trending_days:
            trending[i] += weight * count * math.exp(-decay * age)
    baseline = popularity / max(config.popularity_days, 1) * config.trending_half_life_days
    return popularity.astype(np.float32), (trending / (baseline + 5.0)).astype(np.float32)


# ---------------------------------------------------------------- the shop


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    """The small demo shop, plus the corners the demo does not reach: events without a
    session on one day, an empty session id, equal timestamps, a product not in the
    catalogue, a customer who withdrew tracking, ids of different lengths."""
    load_demo(runtime, products=160, customers=120)
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with runtime.session() as s:
        add_products(s, [product(p, category="Extra") for p in ("x1", "x2", "x3")])
        for who in ("c9", "c10", "c100"):
            customer(s, who)
        events(s, "c9", [("view", "x1"), ("add_to_cart", "x2"), ("purchase", "x2"),
                         ("purchase", "x3")], session_id="", at=noon - timedelta(days=1))
        events(s, "c10", [("add_to_cart", "x1"), ("add_to_cart", "gone"),
                          ("purchase", "x3")], session_id="2030-01-01", at=noon)
        for kind, item in (("view", "x3"), ("purchase", "x1"), ("purchase", "x2")):
            # Three events at the same instant: the id decides their order.
            s.add(Event(customer_id="c100", type=kind, product_id=item, session_id=None,
                        occurred_at=noon))
        # Two purchases without a session on one UTC day, either side of midnight in UTC+14:
        # one basket, whatever the database session's time zone.
        for hour, item in ((9, "x1"), (11, "x2")):
            s.add(Event(customer_id="c100", type="purchase", product_id=item, session_id=None,
                        occurred_at=noon.replace(hour=hour) - timedelta(days=3)))
        s.flush()
        events(s, "c100", [("rating", "x1"), ("rec_dismiss", "x2")], at=noon)
        customer(s, "left")
        events(s, "left", [("purchase", "x1"), ("purchase", "x3")], session_id="l")
        consent(s, "left", "tracking", False)
    return runtime


def _position(runtime: Runtime, session: Session) -> dict[str, int]:
    index = build_catalog_index(session, runtime.facet_schema)
    return {pid: i for i, pid in enumerate(index.ids)}


@pytest.mark.parametrize(("fetch_rows", "zone"), [(7, "UTC"), (50_000, "Pacific/Kiritimati")])
def test_streamed_input_equals_the_row_by_row_reading(shop: Runtime, fetch_rows: int,
                                                      zone: str) -> None:
    with shop.session() as s:
        position = _position(shop, s)
        journeys, purchase, view = _reference_behaviour(s, position, shop.settings)
        if s.get_bind().dialect.name == "postgresql":
            # Rows come as the session's local time on PostgreSQL; days are UTC days.
            s.execute(text(f"SET TIME ZONE '{zone}'"))
        streamed = read_behaviour(s, position, shop.settings, fetch_rows=fetch_rows)
    assert [j.tolist() for j in streamed.journeys] == journeys
    assert all(j.dtype == np.int64 for j in streamed.journeys)
    assert streamed.purchase.as_lists() == purchase
    assert streamed.view.as_lists() == view
    assert len(purchase) > 10 and len(view) > 10  # the demo fills both


def test_co_occurrence_from_streamed_baskets_is_identical(shop: Runtime) -> None:
    with shop.session() as s:
        position = _position(shop, s)
        _, purchase, view = _reference_behaviour(s, position, shop.settings)
        streamed = read_behaviour(s, position, shop.settings)
    n = len(position)
    for before, after in ((purchase, streamed.purchase), (view, streamed.view)):
        expected = _reference_co_occurrence(before, n_items=n, k=20, shrinkage=3.0)
        for got in (basket_co_occurrence(after, n_items=n, k=20, shrinkage=3.0),
                    co_occurrence_top_k(before, n_items=n, k=20, shrinkage=3.0)):
            assert np.array_equal(got[0], expected[0])
            assert np.array_equal(got[1], expected[1])  # bit for bit


def test_streamed_popularity_and_trending_are_identical(shop: Runtime) -> None:
    config = TrainingConfig()
    now = datetime.now(UTC)
    with shop.session() as s:
        position = _position(shop, s)
        expected = _reference_popularity(s, position, config, now)
        got = training.popularity_and_trending(s, position, config, now)
    assert expected[0].any() and expected[1].any()
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])


def test_baskets_keep_the_order_of_their_first_event() -> None:
    baskets = Baskets(indptr=np.array([0, 2, 4]), items=np.array([3, 5, 1, 2]))
    assert len(baskets) == 2 and baskets.rows().tolist() == [0, 0, 1, 1]


def test_no_events_give_no_journeys_and_no_baskets(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product("a", category="Shop")])
        behaviour = read_behaviour(s, {"a": 0}, runtime.settings)
    assert behaviour.journeys == [] and behaviour.events == 0
    assert len(behaviour.purchase) == 0 and len(behaviour.view) == 0


def test_refunded_lines_leave_the_purchase_baskets_and_nothing_else(runtime: Runtime) -> None:
    at = datetime.now(UTC) - timedelta(hours=3)

    def bought(who: str, *lines: tuple[str, str, str | None, int | None]) -> None:
        for offset, (kind, product_id, order, quantity) in enumerate(lines):
            s.add(Event(customer_id=who, type=kind, product_id=product_id, order_id=order,
                        quantity=quantity, session_id="s1",
                        occurred_at=at + timedelta(seconds=offset)))

    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in "abcd"])
        for who in ("r1", "r2", "r3"):
            customer(s, who)
            consent(s, who, "tracking", True)
        bought("r1", ("purchase", "a", "O1", 1), ("purchase", "b", "O1", 2),
               ("add_to_cart", "c", None, 1), ("purchase", "c", "O1", 1),
               ("purchase", "d", "O2", 1),
               ("refund", "b", "O1", 1),  # one of two: the line stays
               ("refund", "c", "O1", None))  # the whole line, its cart addition too
        # Another customer's order of the same number: not refunded.
        bought("r2", ("purchase", "a", "O1", 1), ("purchase", "c", "O1", 1))
        # A whole-order refund: no line of it is left to pair.
        bought("r3", ("purchase", "a", "O3", 1), ("purchase", "b", "O3", 1),
               ("purchase", "d", "O3", 1), ("refund", None, "O3", None))
        s.flush()
        behaviour = read_behaviour(s, {p: i for i, p in enumerate("abcd")}, runtime.settings)
    assert behaviour.purchase.as_lists() == [[0, 1, 3], [0, 2]]
    # Interest stays: the refunded products are still steps of the journeys and browsing.
    assert [j.tolist() for j in behaviour.journeys] == [[0, 1, 2, 3], [0, 2], [0, 1, 3]]
    assert behaviour.view.as_lists() == [[0, 1, 2, 3], [0, 2], [0, 1, 3]]
    assert behaviour.events == 10  # refunds are not events to learn from
