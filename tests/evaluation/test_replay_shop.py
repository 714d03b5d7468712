"""The replay's shop (``prefero.evaluation.replay_shop``, ``replay_catalogue``): how a
dataset's attributes become categories and facets, and what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from prefero.customers.models import ConsentRecord, Customer
from prefero.evaluation.data import SequenceData, leave_one_out
from prefero.evaluation.replay_catalogue import ONE_CATEGORY, replay_catalogue
from prefero.evaluation.replay_shop import build_shop, event_times, item_id
from prefero.events.models import Event, ProductActivity
from prefero.recommend.profile import load_profile

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _data(*, timestamps: bool) -> SequenceData:
    sequences = [np.array([0, 1, 2, 3]), np.array([2, 0, 1]), np.array([4, 3])]
    times = ([np.array([100.0, 200.0, 86_500.0, 90_000.0]), np.array([50.0, 60.0, 70.0]),
              np.array([10.0, 20.0])] if timestamps else None)
    return SequenceData(["a", "b", "c"], ["10", "11", "12", "13", "14"], sequences,
                        timestamps=times)


def test_untyped_attributes_become_one_facet_in_one_category_without_a_cap(
        tmp_path: Path) -> None:
    data = _data(timestamps=False)
    catalogue = replay_catalogue([("7", "9"), ("7",), (), ("9",), ("8",)])
    shop = build_shop(data, leave_one_out(data), catalogue, folder=tmp_path, now=NOW)
    runtime = shop.runtime
    assert runtime.facet_schema.by_name["attribute"].type == "multi"
    assert runtime.facet_schema.label_in("attribute", "pl") == "Atrybut"
    assert runtime.settings.category_cap > data.n_items
    with runtime.session() as session:
        index = runtime.recommender.snapshot(session)[0]
    assert set(index.categories) == {ONE_CATEGORY}
    assert index.postings[("attribute", "7")].tolist() == [
        index.position[item_id(0)], index.position[item_id(1)]]
    # Created long before now: no product is a new arrival.
    assert index.created_since(NOW.timestamp() - 365 * 86_400)[0].size == 0
    runtime.close()


def test_columns_become_facets_and_the_first_value_the_category(tmp_path: Path) -> None:
    data = _data(timestamps=True)
    catalogue = replay_catalogue([("class=Comedy", "class=Drama"), ("class=Drama",), (),
                                  ("class=Film-Noir", "class=Comedy"), ("class=Action",)])
    assert catalogue.capped
    shop = build_shop(data, leave_one_out(data), catalogue, folder=tmp_path, now=NOW)
    runtime = shop.runtime
    assert runtime.settings.category_cap == 3  # the shop's default stays
    with runtime.session() as session:
        index = runtime.recommender.snapshot(session)[0]
    category = {index.ids[p]: index.categories[p] for p in range(index.size)}
    assert category == {item_id(0): "Comedy", item_id(1): "Drama", item_id(2): ONE_CATEGORY,
                        item_id(3): "Film-Noir", item_id(4): "Action"}
    comedies = sorted(index.ids[p] for p in index.postings[("genre", "comedy")])
    assert comedies == [item_id(0), item_id(3)]
    runtime.close()


def test_customers_hold_their_history_before_the_test_item_as_purchases(
        tmp_path: Path) -> None:
    data = _data(timestamps=True)
    split = leave_one_out(data)  # "c" has two items: skipped
    shop = build_shop(data, split, replay_catalogue(None, n_items=5), folder=tmp_path, now=NOW)
    runtime = shop.runtime
    assert shop.customer_ids == ["user-0", "user-1"]
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 2
        granted = set(session.execute(
            select(ConsentRecord.customer_id, ConsentRecord.purpose)
            .where(ConsentRecord.granted)).all())
        assert granted == {(c, p) for c in shop.customer_ids
                           for p in ("tracking", "personalization", "context")}
        events = session.execute(select(Event.customer_id, Event.product_id, Event.type,
                                        Event.occurred_at).order_by(Event.id)).all()
        activity = session.execute(select(ProductActivity.product_id, ProductActivity.day,
                                          ProductActivity.count)).all()
        profile = load_profile(session, customer_id="user-0", settings=runtime.settings)
    assert [(c, p) for c, p, _, _ in events] == [
        ("user-0", item_id(0)), ("user-0", item_id(1)), ("user-0", item_id(2)),
        ("user-1", item_id(2)), ("user-1", item_id(0))]
    assert {kind for _, _, kind, _ in events} == {"purchase"}
    # The dataset's last interaction (user 0's test item, at 90,000 s) falls a day before
    # now; the gaps between events stay as they were.
    first = events[0][3]
    assert NOW - timedelta(days=1) - first == timedelta(seconds=90_000 - 100)
    assert events[2][3] - first == timedelta(seconds=86_400)
    assert sum(count for _, _, count in activity) == len(events)
    assert profile.effective_level == "full" and profile.uses_behaviour
    assert profile.uses_context
    assert [item.product_id for item in profile.history] == [item_id(2), item_id(1),
                                                             item_id(0)]
    runtime.close()


def test_without_timestamps_events_are_a_day_apart_ending_a_day_before_now() -> None:
    data = _data(timestamps=False)
    times = event_times(leave_one_out(data), now=NOW)
    assert [len(t) for t in times] == [3, 2]
    assert times[0].tolist() == [NOW.timestamp() - d * 86_400 for d in (3, 2, 1)]
    assert times[1].tolist() == [NOW.timestamp() - d * 86_400 for d in (2, 1)]
