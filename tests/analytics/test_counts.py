"""Impressions wait in the process and are written in batches (by count, by age, at stop),
concurrent flushes lose nothing, and a failed write keeps its counts for the next."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from apikeys import READ_KEY
from prefero.analytics import counts
from prefero.analytics.counts import (
    add_counts,
    count_impressions,
    finish_impressions,
    flush_impressions,
    waiting_impressions,
)
from prefero.analytics.models import RecommendationDaily
from prefero.api.app import create_app
from prefero.db.base import utcnow
from prefero.errors import Overloaded
from prefero.recommend.query import Reason, RecommendedItem
from prefero.runtime import Runtime

Stored = dict[tuple[date, str, str], tuple[int, int]]


def item(product_id: str, *codes: str) -> RecommendedItem:
    return RecommendedItem(product_id=product_id, score=1.0, title=product_id, price=1.0,
                           currency="PLN", category="A", basis="editorial",
                           reasons=[Reason(code=code, text=code) for code in codes])


def stored(runtime: Runtime) -> Stored:
    with runtime.session() as session:
        return {(row.day, row.placement, row.reason): (row.impressions, row.clicks)
                for row in session.scalars(select(RecommendationDaily))}


@pytest.fixture
def batched(runtime: Runtime) -> Iterator[Runtime]:
    """A runtime of its own (its own waiting counts) that writes every 5 impressions."""
    own = Runtime(runtime.settings.model_copy(update={
        "recommendation_impression_batch": 5, "db_wait_seconds": 30.0}))
    yield own
    own.close()


def test_each_item_counts_once_under_its_placement_and_leading_reason(
        batched: Runtime) -> None:
    today = utcnow().date()
    count_impressions(batched, placement="home",
                      items=[item("a", "trending", "popular"), item("b", "popular"),
                             item("c", "trending")])
    count_impressions(batched, placement="cart", items=[item("d")])
    assert waiting_impressions(batched) == {(today, "home", "trending"): 2,
                                            (today, "home", "popular"): 1,
                                            (today, "cart", "unknown"): 1}
    assert stored(batched) == {}  # 4 < 5: nothing written yet
    assert count_impressions(batched, placement="home", items=[]) == 0
    assert finish_impressions(batched) == 4
    assert stored(batched) == {(today, "home", "trending"): (2, 0),
                               (today, "home", "popular"): (1, 0),
                               (today, "cart", "unknown"): (1, 0)}
    assert waiting_impressions(batched) == {} and flush_impressions(batched) == 0


def test_a_full_batch_is_written_by_a_thread_of_its_own(batched: Runtime) -> None:
    today = utcnow().date()
    count_impressions(batched, placement="product", items=[item("a", "similar")] * 4)
    assert stored(batched) == {}
    count_impressions(batched, placement="product", items=[item("b", "similar")])
    finish_impressions(batched)  # waits for the thread the fifth impression started
    assert stored(batched) == {(today, "product", "similar"): (5, 0)}


def test_an_old_count_is_written_with_the_next_one(batched: Runtime,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    today = utcnow().date()
    clock = [1000.0]
    monkeypatch.setattr(counts.time, "monotonic", lambda: clock[0])
    count_impressions(batched, placement="home", items=[item("a", "new_arrival")])
    clock[0] += counts.FLUSH_SECONDS - 0.5
    count_impressions(batched, placement="home", items=[item("a", "new_arrival")])
    assert stored(batched) == {}  # the oldest has waited less than FLUSH_SECONDS
    clock[0] += 0.5
    count_impressions(batched, placement="home", items=[item("a", "new_arrival")])
    finish_impressions(batched)
    assert stored(batched) == {(today, "home", "new_arrival"): (3, 0)}


def test_a_stopping_worker_writes_what_waits(shop: Runtime) -> None:
    with TestClient(create_app(runtime=shop), headers={"X-API-Key": READ_KEY}) as client:
        shown = client.get("/v1/recommendations", params={"n": 3}).json()["items"]
        assert len(shown) == 3
        assert stored(shop) == {}  # the default batch is far from full
    # The app's lifespan ended with the client: what waited is in the table now.
    assert sum(n for n, _clicks in stored(shop).values()) == 3


def test_a_failed_write_keeps_its_counts_for_the_next(batched: Runtime,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    today = utcnow().date()
    count_impressions(batched, placement="search", items=[item("a", "search_match")] * 2)

    def busy(*, write: bool = False) -> Iterator[None]:
        raise Overloaded("busy")

    with monkeypatch.context() as patched:
        patched.setattr(batched, "session", busy)
        assert flush_impressions(batched) == 0
    assert waiting_impressions(batched) == {(today, "search", "search_match"): 2}
    count_impressions(batched, placement="search", items=[item("b", "search_match")])
    assert finish_impressions(batched) == 3
    assert stored(batched) == {(today, "search", "search_match"): (3, 0)}


def test_flushes_racing_each_other_lose_and_repeat_nothing(batched: Runtime) -> None:
    """Threads serve and flush at once (each count may start a background flush too):
    every impression is written exactly once."""
    today = utcnow().date()
    failures: list[BaseException] = []

    def serve(reason: str) -> None:
        try:
            for n in range(60):
                count_impressions(batched, placement="home",
                                  items=[item("a", reason), item("b", "popular")])
                if n % 7 == 0:
                    flush_impressions(batched)
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=serve, args=(reason,))
               for reason in ("trending", "trending", "similar", "editorial")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    finish_impressions(batched)
    assert failures == []
    assert stored(batched) == {(today, "home", "trending"): (120, 0),
                               (today, "home", "similar"): (60, 0),
                               (today, "home", "editorial"): (60, 0),
                               (today, "home", "popular"): (240, 0)}


def test_impressions_and_clicks_add_to_the_same_row(runtime: Runtime) -> None:
    day = date(2026, 11, 20)
    with runtime.session(write=True) as session:
        add_counts(session, {(day, "home", "trending"): (5, 0)})
    with runtime.session(write=True) as session:
        add_counts(session, {(day, "home", "trending"): (2, 1),
                             (day, "cart", "complement"): (0, 1)})
    assert stored(runtime) == {(day, "home", "trending"): (7, 1),
                               (day, "cart", "complement"): (0, 1)}


_CODES = ["trending", "popular", "similar", "co_purchase", "exploration"]


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.tuples(
    st.sampled_from(["home", "product", "cart"]),
    st.lists(st.lists(st.sampled_from(_CODES), max_size=3), max_size=6),
    st.booleans()), max_size=12))
def test_written_and_waiting_always_add_up_to_what_was_served(
        batched: Runtime, answers: list[tuple[str, list[list[str]], bool]]) -> None:
    """Whatever is served and whenever a flush runs, what is stored plus what waits equals
    one count per item served, under its leading reason."""
    before = Counter({key: shown for key, (shown, _) in stored(batched).items()})
    before.update(waiting_impressions(batched))
    served: Counter[tuple[date, str, str]] = Counter()
    today = utcnow().date()
    for placement, items, flush in answers:
        count_impressions(batched, placement=placement,
                          items=[item(f"p{n}", *codes) for n, codes in enumerate(items)])
        served.update((today, placement, codes[0] if codes else "unknown")
                      for codes in items)
        if flush:
            flush_impressions(batched)
    finish_impressions(batched)
    after = Counter({key: shown for key, (shown, _) in stored(batched).items()})
    assert after - before == served and waiting_impressions(batched) == {}
