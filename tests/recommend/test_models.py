"""The model view's memo of each item's followers changes no answer: a warm view (every
item's followers kept from earlier requests) answers exactly as a fresh one that scores
everything anew, over a few hundred requests of every kind on a small trained demo."""

from __future__ import annotations

from prefero.bench.pipeline import sample_queries
from prefero.recommend.models import build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.runtime import Runtime


def test_a_warm_view_answers_as_a_fresh_one(demo_shop: Runtime) -> None:
    engine = demo_shop.recommender
    queries = sample_queries(demo_shop, count=300, seed=3)
    with demo_shop.session() as session:
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
