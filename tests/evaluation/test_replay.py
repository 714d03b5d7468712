"""The replay (``prefero.evaluation.replay``) on small planted datasets: every scored request
goes through the engine and the pipeline the API runs, the held-out item never reaches
training, the figures are the ranks' arithmetic, and the model-only figure is the offline
protocol on the served models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import create_engine, select

import prefero.recommend.engine as engine_module
import prefero.recommend.training as training_module
from prefero.evaluation.data import SequenceData, leave_one_out
from prefero.evaluation.replay import (
    MISSING,
    VARIANTS,
    Variant,
    list_rank,
    model_only_ranks,
    replay,
    sample_users,
)
from prefero.evaluation.replay_catalogue import replay_catalogue
from prefero.evaluation.replay_shop import build_shop, item_id
from prefero.events.models import Event
from prefero.recommend.config import PipelineConfig
from prefero.recommend.engine import RecommendationEngine
from prefero.recommend.query import RecommendationQuery, RecommendationResult
from prefero.recommend.training import train
from prefero.recommend.training_input import Behaviour

N_USERS, N_ITEMS = 36, 30


def _planted(seed: int = 1) -> SequenceData:
    """Users walk the items in order from a random start (item k is followed by k + 1), a
    few steps skipped now and then; no user meets an item twice."""
    rng = np.random.default_rng(seed)
    sequences = []
    for _ in range(N_USERS):
        steps = np.cumsum(1 + (rng.random(6) < 0.2))
        sequences.append(((int(rng.integers(0, N_ITEMS)) + steps) % N_ITEMS).astype(np.int64))
    return SequenceData([f"u{u}" for u in range(N_USERS)], [str(i) for i in range(N_ITEMS)],
                        sequences)


def _attributes() -> list[tuple[str, ...]]:
    return [(str(i % 5), str(100 + i % 3)) for i in range(N_ITEMS)]


def _rank_three(targets: dict[str, str]) -> Callable[..., RecommendationResult]:
    """A stand-in for the pipeline that runs the real one, then moves the customer's test
    item to the third place of what it returned."""
    real = engine_module.run_pipeline

    def rearranged(**kwargs: Any) -> RecommendationResult:
        result = real(**kwargs)
        target = targets[kwargs["query"].customer_id]
        others = [item for item in result.items if item.product_id != target]
        moved = others[0].model_copy(update={"product_id": target})
        return result.model_copy(update={"items": [*others[:2], moved, *others[2:]]})
    return rearranged


def test_every_scored_request_goes_through_the_engine_and_the_pipeline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _planted()
    split = leave_one_out(data)
    targets = {f"user-{u}": item_id(int(split.test[u])) for u in range(split.n_users)}
    pipeline_calls: list[tuple[RecommendationQuery, PipelineConfig]] = []
    engine_calls: list[RecommendationQuery] = []
    rank_three = _rank_three(targets)

    def spy_pipeline(**kwargs: Any) -> RecommendationResult:
        pipeline_calls.append((kwargs["query"], kwargs["config"]))
        return rank_three(**kwargs)

    real_recommend = RecommendationEngine.recommend

    def spy_recommend(self: RecommendationEngine, session: Any, query: RecommendationQuery,
                      **kwargs: Any) -> RecommendationResult:
        engine_calls.append(query)
        return real_recommend(self, session, query, **kwargs)

    monkeypatch.setattr(engine_module, "run_pipeline", spy_pipeline)
    monkeypatch.setattr(RecommendationEngine, "recommend", spy_recommend)
    users = 20
    report = replay(data, split, replay_catalogue(_attributes()), folder=tmp_path,
                    users=users)

    asked = users * 2 * len(VARIANTS)
    assert len(engine_calls) == asked
    assert [query for query, _ in pipeline_calls] == engine_calls
    sampled = {f"user-{u}" for u in sample_users(split.n_users, users=users, seed=0)}
    assert {query.customer_id for query in engine_calls} == sampled
    # Every list had the test item third, and the figures say exactly that: 1/log2(4).
    for row in report["pipeline"].values():
        for placement in ("home", "product"):
            assert row[placement]["HR@10"] == 1.0
            assert row[placement]["NDCG@10"] == pytest.approx(0.5)
            assert row[placement]["NDCG@20"] == pytest.approx(0.5)
    # The variants ran one after the other, each with its own configuration.
    per_variant = len(pipeline_calls) // len(VARIANTS)
    for number, variant in enumerate(VARIANTS):
        for _, config in pipeline_calls[number * per_variant:(number + 1) * per_variant]:
            assert (config.diversify.enabled_for == ()) is not variant.diversify
            assert (config.diversify.interests_for == ()) is not variant.diversify
            assert (config.exploration.enabled_for == ()) is not variant.explore
    products = [q for q in engine_calls if q.placement == "product"]
    last_before_test = {f"user-{u}": item_id(int(split.full[u][-2]))
                        for u in range(split.n_users)}
    assert all(q.product_id == last_before_test[q.customer_id] for q in products)


def test_the_held_out_item_never_reaches_training(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _planted(seed=2)
    split = leave_one_out(data)
    read: list[tuple[dict[str, int], Behaviour]] = []
    real_read = training_module.read_behaviour

    def spy_read(session: Any, position: dict[str, int], *args: Any, **kwargs: Any
                 ) -> Behaviour:
        behaviour = real_read(session, position, *args, **kwargs)
        read.append((dict(position), behaviour))
        return behaviour

    monkeypatch.setattr(training_module, "read_behaviour", spy_read)
    replay(data, split, replay_catalogue(_attributes()), folder=tmp_path, users=5,
           variants=[VARIANTS[1]])

    (position, behaviour), = read
    # Training learnt from each user's history before the test item, and nothing else.
    expected = sorted(tuple(position[item_id(i)] for i in history.tolist())
                      for history in split.test_histories())
    assert sorted(tuple(journey.tolist()) for journey in behaviour.journeys) == expected
    engine = create_engine(f"sqlite:///{tmp_path / 'replay.db'}")
    with engine.connect() as connection:
        rows = connection.execute(select(Event.customer_id, Event.product_id)).all()
    engine.dispose()
    bought: dict[str, set[str]] = {}
    for customer, product in rows:
        bought.setdefault(customer, set()).add(str(product))
    assert len(rows) == sum(len(h) for h in split.test_histories())
    for user in range(split.n_users):
        assert item_id(int(split.test[user])) not in bought[f"user-{user}"]


def test_a_target_third_in_the_list_gives_ndcg_one_half() -> None:
    from prefero.models.ranking import ranking_metrics

    ranks = np.array([list_rank(["a", "b", "t", "c"], "t"), list_rank(["a"], "t")])
    assert ranks.tolist() == [2, MISSING]
    metrics = ranking_metrics(ranks, (10, 20))
    assert metrics["NDCG@10"] == pytest.approx(0.25)  # 0.5 and a miss
    assert metrics["HR@20"] == pytest.approx(0.5)


def _offline_ranks(scores: list[np.ndarray], histories: list[list[int]], targets: list[int]
                   ) -> list[int]:
    """The protocol written out item by item: items scored at least as high as the target,
    the history (but the target) left out."""
    ranks = []
    for row, history, target in zip(scores, histories, targets, strict=True):
        masked = set(history) - {target}
        ranks.append(sum(1 for item in range(len(row)) if item != target
                         and item not in masked and row[item] >= row[target]))
    return ranks


def test_the_model_only_figure_is_the_offline_ranking_of_the_served_models(
        tmp_path: Path) -> None:
    data = _planted(seed=3)
    split = leave_one_out(data)
    shop = build_shop(data, split, replay_catalogue(_attributes()), folder=tmp_path)
    train(shop.runtime)
    with shop.runtime.session() as session:
        index, view = shop.runtime.recommender.snapshot(session)
    histories = [[index.position[item_id(i)] for i in split.full[u][:-1].tolist()]
                 for u in range(split.n_users)]
    targets = [index.position[item_id(int(t))] for t in split.test.tolist()]
    ranks = model_only_ranks(view, [np.array(h, dtype=np.int64) for h in histories],
                             np.array(targets, dtype=np.int64))
    scores = [view.model_scores([history])[0] for history in histories]
    assert ranks.tolist() == _offline_ranks(scores, histories, targets)
    # The planted walk is learnt: most targets lead the ranking.
    assert int((ranks == 0).sum()) > split.n_users // 2
    shop.runtime.close()


def test_a_variant_turns_off_only_what_it_names() -> None:
    base = PipelineConfig()
    both = Variant("both off", diversify=False, explore=False).config(base)
    assert both.diversify.enabled_for == () and both.diversify.interests_for == ()
    assert both.exploration.enabled_for == ()
    assert both.scoring == base.scoring and both.candidates == base.candidates
    assert both.diversify.category_cap == base.diversify.category_cap
    assert Variant("default", diversify=True, explore=True).config(base) == base
    assert both.digest() != base.digest()


def test_users_are_drawn_by_seed_and_all_are_taken_when_fewer() -> None:
    assert sample_users(10, users=4, seed=1).tolist() == sample_users(10, users=4,
                                                                     seed=1).tolist()
    assert sample_users(10, users=4, seed=1).tolist() != sample_users(10, users=4,
                                                                     seed=2).tolist()
    assert sample_users(3, users=5000, seed=0).tolist() == [0, 1, 2]


def test_served_models_are_read_from_the_quality_report_where_there_is_one() -> None:
    from types import SimpleNamespace

    from prefero.evaluation.replay import served_weights
    from prefero.recommend.quality import quality_of

    report = {"trained_at": "2026-12-06T00:00:00+00:00", "training_seconds": 1.0,
              "selection_seconds": 1.0, "selection_budget_seconds": 120.0, "products": 3,
              "customers": 60, "events": 200, "validation_customers": 60,
              "served": {"budget_ms": 4.0},
              "candidates": {
                  "transitions": {"role": "history", "weight": 1.0, "fit_seconds": 0.1},
                  "als": {"role": "history", "weight": 0.0, "fit_seconds": 0.1},
                  "declared": {"role": "form", "weight": 1.0, "fit_seconds": 0.1}}}
    with_report = SimpleNamespace(artefacts=SimpleNamespace(
        quality=quality_of({"quality": report}), models={"transitions": 1, "als": 1}))
    assert served_weights(with_report) == {  # type: ignore[arg-type]
        "transitions": {"role": "history", "weight": 1.0},
        "declared": {"role": "form", "weight": 1.0}}
    older = SimpleNamespace(artefacts=SimpleNamespace(quality=None, models={"als": 1}))
    assert served_weights(older) == {"als": {"role": None, "weight": None}}  # type: ignore[arg-type]


def test_the_recent_model_only_figure_reads_what_a_profile_reads() -> None:
    # A history longer than HISTORY_LIMIT: its older items, which alone predict the target,
    # are what a request's profile no longer reads.
    from prefero.evaluation import replay as module
    from prefero.recommend.profile import HISTORY_LIMIT

    seen: list[list[int]] = []

    class View:
        def model_scores(self, histories: list[list[int]]) -> np.ndarray:
            seen.extend(histories)
            return np.zeros((len(histories), 400))

    history = np.arange(HISTORY_LIMIT + 50, dtype=np.int64)
    index = type("Index", (), {"position": {f"item-{i}": i for i in range(400)}})()
    split = type("Split", (), {"full": [np.append(history, 399)],
                               "test": np.array([399])})()
    whole, recent, _ = module._model_only(
        (index, View()), split, np.array([0]), module.Silent())  # type: ignore[arg-type]
    assert [len(h) for h in seen] == [HISTORY_LIMIT + 50, HISTORY_LIMIT]
    assert seen[1] == list(range(50, HISTORY_LIMIT + 50))
    assert set(whole) == set(recent) == {"HR@10", "NDCG@10", "HR@20", "NDCG@20"}
