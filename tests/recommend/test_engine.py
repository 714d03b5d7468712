"""The request-path engine under a model swap: no request fails, the new version wins."""

from __future__ import annotations

import threading
import time

import pytest

from factories import add_products, customer, events, product
from prefero.recommend.query import RecommendationQuery
from prefero.recommend.training import train
from prefero.runtime import Runtime


def test_new_model_versions_are_swapped_in_while_requests_keep_flowing(runtime: Runtime
                                                                        ) -> None:
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("a", "b", "c", "d")])
        customer(s, "c1", level="full")
        events(s, "c1", [("view", "a"), ("view", "b")])
    runtime.settings.artefact_check_seconds = 0.0  # look for a new version on every request
    first = train(runtime)
    engine = runtime.recommender
    engine.refresh()
    seen: set[str | None] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                with runtime.session() as session:
                    result = engine.recommend(session, RecommendationQuery(customer_id="c1",
                                                                           n=3))
                assert len(result.items) == 3
                seen.add(result.artefact_version)
            except BaseException as exc:  # any failure is the finding
                errors.append(exc)
                return

    workers = [threading.Thread(target=serve) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        versions = [train(runtime) for _ in range(5)]
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert errors == []
    with runtime.session() as session:
        last = engine.recommend(session, RecommendationQuery(customer_id="c1", n=3))
    assert last.artefact_version == versions[-1] != first
    assert seen <= {first, *versions}


def test_warming_loads_the_snapshot_and_the_models_and_tolerates_an_empty_shop(
    runtime: Runtime,
) -> None:
    engine = runtime.recommender
    engine.warm()  # nothing to recommend yet: no error
    with runtime.session() as s:
        add_products(s, [product(p, category="Shop") for p in ("a", "b", "c")])
        customer(s, "c1", level="full")
        events(s, "c1", [("view", "a"), ("view", "b")])
    version = train(runtime)
    engine.warm()
    # The warmed snapshot is the one requests use: the current catalogue and artefacts.
    assert engine.artefact_version == version
    with runtime.session() as s:
        index, _ = engine.snapshot(s)
    assert sorted(index.ids) == ["a", "b", "c"]


def test_a_profile_the_request_already_read_answers_as_a_fresh_read(
        demo_shop: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages that filter by the customer's rules pass the profile they read; the answer must
    # be the one the engine reads itself, and another customer's profile is refused.
    monkeypatch.setattr(time, "time", lambda: 1.765e9)  # both answers at the same moment
    engine = demo_shop.recommender
    with demo_shop.session() as session:
        for who in ("c00001", "c00002", None):
            query = RecommendationQuery(customer_id=who, placement="home", n=8)
            profile = engine.profile(session, who)
            given = engine.recommend(session, query, profile=profile)
            read = engine.recommend(session, query)
            assert given == read
        stranger = engine.profile(session, "c00003")
        with pytest.raises(ValueError, match="not the query's customer"):
            engine.recommend(session, RecommendationQuery(customer_id="c00001"),
                             profile=stranger)
