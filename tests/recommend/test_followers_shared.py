"""Per-item candidate lists shared through Redis: a product page served by one process lets
every other process answer the same page without scoring the models again, with the same
answer; another artefact version or catalogue revision never reads them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from postgres_shop import require_redis
from prefero.recommend.followers_shared import SharedFollowers, decode, encode
from prefero.recommend.models import ModelView
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def two_processes(demo_shop: Runtime) -> Iterator[tuple[Runtime, Runtime]]:
    """Two runtimes over the demo shop, as two server processes would be, sharing a Redis
    under a key space of their own."""
    require_redis(REDIS_URL)
    client = redis.Redis.from_url(REDIS_URL)
    shop = f"prefero:test:{uuid.uuid4().hex}"
    runtimes = []
    for _ in range(2):
        runtime = Runtime(demo_shop.settings.model_copy(update={"redis_url": REDIS_URL}))
        runtime.recommender._shared_followers = SharedFollowers(REDIS_URL, shop=shop)
        runtimes.append(runtime)
    yield runtimes[0], runtimes[1]
    for runtime in runtimes:
        runtime.close()
    for key in client.scan_iter(f"{shop}*"):
        client.delete(key)


def _answer(runtime: Runtime, query: RecommendationQuery) -> list[tuple[str, list[Any]]]:
    with runtime.session() as session:
        result = runtime.recommender.recommend(session, query)
    return [(item.product_id, [(r.code, r.params) for r in item.reasons])
            for item in result.items]


def test_a_page_worked_out_by_one_process_is_read_by_the_other(
    two_processes: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_processes
    with first.session() as session:
        index, _ = first.recommender.snapshot(session)
    anchors = [index.ids[p] for p in range(index.size) if index.eligible[p]][:5]
    queries = [RecommendationQuery(placement="product", product_id=a, n=8) for a in anchors]
    answers = [_answer(first, query) for query in queries]

    scored: list[Sequence[Sequence[int]]] = []
    original = ModelView.model_scores

    def counting(view: ModelView, histories: Sequence[Sequence[int]]) -> Any:
        scored.append(histories)
        return original(view, histories)

    monkeypatch.setattr(ModelView, "model_scores", counting)
    assert [_answer(second, query) for query in queries] == answers
    # Anonymous product pages score nothing but the anchors' followers: all were shared.
    assert scored == []


def test_another_catalogue_revision_reads_none_of_them() -> None:
    lists = SharedFollowers("redis://127.0.0.1:1/0", shop="prefero:test:none")
    assert lists.scope(version="v1", revision=1) != lists.scope(version="v1", revision=2)
    assert lists.scope(version="v1", revision=1) != lists.scope(version="v2", revision=1)
    # Redis unreachable: nothing found, nothing raised.
    assert lists.get(lists.scope(version="v1", revision=1), [(3, 50)]) == {}
    lists.put(lists.scope(version="v1", revision=1), {(3, 50): (np.array([1]),
                                                                np.array([0.5]))})


@given(positions=st.lists(st.integers(min_value=0, max_value=2**40), max_size=60),
       data=st.data())
def test_a_list_reads_back_exactly(positions: list[int], data: st.DataObject) -> None:
    scores = data.draw(st.lists(st.floats(allow_nan=False), min_size=len(positions),
                                max_size=len(positions)))
    observed, values = decode(encode((np.array(positions, dtype=np.int64),
                                      np.array(scores, dtype=np.float64))))
    assert observed.tolist() == positions
    assert values.tolist() == scores
