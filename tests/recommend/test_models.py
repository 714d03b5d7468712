"""The model view's memo of each item's followers changes no answer: a warm view (every
item's followers kept from earlier requests) answers exactly as a fresh one that scores
everything anew, over a few hundred requests of every kind on a small trained demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from prefero.bench.pipeline import sample_queries
from prefero.config import Settings
from prefero.demo import load_demo
from prefero.recommend.models import build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.training import train
from prefero.runtime import Runtime


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    path: Path = tmp_path_factory.mktemp("memo")
    runtime = Runtime(Settings(data_dir=path / "shop"))
    load_demo(runtime, products=300, customers=200)
    train(runtime)
    runtime.recommender.refresh()
    return runtime


def test_a_warm_view_answers_as_a_fresh_one(shop: Runtime) -> None:
    engine = shop.recommender
    queries = sample_queries(shop, count=300, seed=3)
    with shop.session() as session:
        index, warm = engine.snapshot(session)
        assert warm.artefacts is not None and warm.models  # trained: the memo is in use
        for query in queries:
            profile = engine.profile(session, query.customer_id)
            fresh = build_model_view(index, warm.artefacts)
            expected = run_pipeline(index=index, model=fresh, profile=profile, query=query,
                                    config=engine.config, now=1.8e9)
            got = run_pipeline(index=index, model=warm, profile=profile, query=query,
                               config=engine.config, now=1.8e9)
            assert got == expected, query
    assert warm._followers  # the warm view did keep what it worked out
