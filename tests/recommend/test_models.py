"""The fast path changes no answer. Over a few hundred requests of every kind on a small
trained demo, what the engine's warm state answers (each item's followers read from the
table training worked out, each customer's declared profile kept in the process) equals what
a fresh view working every follower out per request and a profile read straight from the
database answer: the same items, scores and reasons. So does a view without the table that
keeps what it worked out (artefacts trained before the table, or catalogues too large for
it)."""

from __future__ import annotations

from dataclasses import replace

from prefero.bench.pipeline import sample_queries
from prefero.recommend.models import build_model_view
from prefero.recommend.pipeline import run_pipeline
from prefero.recommend.profile import load_profile
from prefero.runtime import Runtime


def test_the_warm_engine_answers_as_a_fresh_one(demo_shop: Runtime) -> None:
    engine = demo_shop.recommender
    queries = sample_queries(demo_shop, count=200, seed=3)
    with demo_shop.session() as session:
        index, warm = engine.snapshot(session)
        assert warm.artefacts is not None and warm.models
        assert warm.artefacts.followers is not None  # trained with the followers table
        without_table = replace(warm.artefacts, followers=None)
        memo = build_model_view(index, without_table)
        for query in queries * 2:  # the second pass is served from what the first kept
            profile = load_profile(session, customer_id=query.customer_id,
                                   settings=demo_shop.settings)
            fresh = build_model_view(index, without_table)
            expected = run_pipeline(index=index, model=fresh, profile=profile, query=query,
                                    config=engine.config, now=1.8e9)
            for model in (warm, memo):
                got = run_pipeline(index=index, model=model,
                                   profile=engine.profile(session, query.customer_id),
                                   query=query, config=engine.config, now=1.8e9)
                assert got == expected, query
    assert memo._followers  # the view without the table did keep what it worked out
    assert not warm._followers  # the one with it had nothing to work out
    assert len(engine._declared) > 0  # and the process the customers' declared profiles
