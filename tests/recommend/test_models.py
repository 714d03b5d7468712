"""The fast path changes no answer. Over a few hundred requests of every kind on a small
trained demo, what the engine's warm state answers (each item's followers read from the
table training worked out, each customer's declared profile kept in the process) equals what
a fresh view working every follower out per request and a profile read straight from the
database answer: the same items, scores and reasons. So does a view without the table that
keeps what it worked out (artefacts trained before the table, or catalogues too large for
it)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

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


def test_neighbours_of_many_pairs_are_each_pairs_neighbours_in_order(demo_shop: Runtime) -> None:
    # The behaviour signal reads every seed's rows at once; the entries, their order (which
    # decides the strongest reason among equal contributions) and the pair each came from
    # must be those of asking one pair at a time. Positions the models never saw and a kind
    # without a table give nothing.
    with demo_shop.session() as session:
        index, view = demo_shop.recommender.snapshot(session)
    rng = np.random.default_rng(4)
    for _ in range(40):
        pairs = [(int(position), str(kind)) for position, kind in zip(
            rng.integers(0, index.size, int(rng.integers(1, 30))),
            rng.choice(["purchase", "view", "wishlist"], 30), strict=False)]
        targets, scores, pair = view.neighbours_of(pairs)
        one_by_one = [view.neighbours(position, kind) for position, kind in pairs]
        assert targets.tolist() == [int(t) for found, _ in one_by_one for t in found]
        assert scores.tobytes() == np.concatenate([s for _, s in one_by_one]).tobytes()
        assert pair.tolist() == [i for i, (found, _) in enumerate(one_by_one)
                                 for _ in range(found.size)]
    assert any(view.neighbours(p, "view")[0].size for p in range(index.size))
