"""Leave-one-out through the live request path: the replay behind ``prefero evaluate-live``.

``prefero evaluate`` ranks every item with each model alone. The shop serves something
else: the trained artefact read by the request path, with candidates, level weights,
co-occurrence, popularity, diversification and an exploration slot on top. The replay
measures that, by the same protocol:

1. a throw-away shop holds each user's history up to the test item (``replay_shop``);
2. the shop trains through the real ``prefero.recommend.training.train``;
3. for a seeded sample of users, the engine is asked exactly as the API route asks it
   (``RecommendationEngine.recommend`` in a session of its own, ``n = 20``), on the home
   page and on the page of the user's last item before the test item, once per variant
   of the pipeline (diversification and exploration on and off);
4. the test item's rank in the returned list gives HR and NDCG at 10 and 20 (an item not
   returned counts as a miss);
5. beside it, the same users' model-only figure of the artefact the engine serves: its
   ``ModelView.model_scores`` of the whole history, the history masked, ties counted
   against the target, every item ranked (the offline protocol), so that the ratio
   compares the pipeline with the very models it serves.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from prefero.evaluation.data import IntArray, LeaveOneOut, SequenceData
from prefero.evaluation.replay_catalogue import ReplayCatalogue
from prefero.evaluation.replay_shop import ReplayShop, build_shop, item_id
from prefero.evaluation.runner import Progress, Silent
from prefero.models.ranking import rank_targets, ranking_metrics
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.config import PipelineConfig
from prefero.recommend.engine import RecommendationEngine
from prefero.recommend.models import ModelView
from prefero.recommend.profile import HISTORY_LIMIT
from prefero.recommend.query import RecommendationQuery
from prefero.recommend.training import train
from prefero.types import Placement

__all__ = ["KS", "LIST_SIZE", "MISSING", "PLACEMENTS", "VARIANTS", "Variant", "list_rank",
           "model_only_ranks", "replay", "sample_users", "served_weights"]

#: The length of every list asked for, and the cut-offs measured in it.
LIST_SIZE = 20
KS = (10, 20)
PLACEMENTS: tuple[Placement, ...] = ("home", "product")
#: The rank of a target the list does not hold: beyond every cut-off.
MISSING = 1 << 30
_BATCH = 256


@dataclass(frozen=True, slots=True)
class Variant:
    """The pipeline with diversification and the exploration slot each on or off."""

    name: str
    diversify: bool
    explore: bool

    def config(self, base: PipelineConfig) -> PipelineConfig:
        """``base`` (the shop's own configuration) with what this variant turns off.

        >>> plain = Variant("plain", diversify=False, explore=False).config(PipelineConfig())
        >>> plain.diversify.enabled_for, plain.exploration.enabled_for
        ((), ())
        """
        update: dict[str, Any] = {}
        if not self.diversify:
            update["diversify"] = base.diversify.model_copy(
                update={"enabled_for": (), "interests_for": ()})
        if not self.explore:
            update["exploration"] = base.exploration.model_copy(update={"enabled_for": ()})
        return base.model_copy(update=update)


VARIANTS = (
    Variant("default", diversify=True, explore=True),
    Variant("both off", diversify=False, explore=False),
    Variant("diversify only", diversify=True, explore=False),
    Variant("explore only", diversify=False, explore=True),
)


def list_rank(items: Sequence[str], target: str) -> int:
    """The 0-based rank of ``target`` in a returned list, ``MISSING`` when absent.

    >>> list_rank(["a", "b", "c"], "c"), list_rank(["a"], "z") == MISSING
    (2, True)
    """
    try:
        return items.index(target)
    except ValueError:
        return MISSING


def sample_users(n_users: int, *, users: int, seed: int) -> IntArray:
    """``users`` of the split's ``n_users`` rows drawn with ``seed`` (every row when there
    are no more), ascending.

    >>> sample_users(5, users=10, seed=0).tolist()
    [0, 1, 2, 3, 4]
    """
    if users >= n_users:
        return np.arange(n_users, dtype=np.int64)
    chosen = np.random.default_rng(seed).choice(n_users, size=users, replace=False)
    return np.sort(chosen).astype(np.int64)


def model_only_ranks(view: ModelView, histories: Sequence[IntArray], targets: IntArray
                     ) -> IntArray:
    """The target's 0-based rank among every item by ``view.model_scores`` of the whole
    history (catalogue positions, in time order), the history masked but the target, ties
    counted against it: ``prefero evaluate``'s protocol on the served models."""
    ranks = []
    for start in range(0, len(histories), _BATCH):
        batch = list(histories[start:start + _BATCH])
        scores = view.model_scores([history.tolist() for history in batch])
        ranks.append(rank_targets(scores, targets[start:start + _BATCH], batch,
                                  ties="pessimistic")[0])
    return np.concatenate(ranks) if ranks else np.zeros(0, dtype=np.int64)


def served_weights(view: ModelView) -> dict[str, dict[str, Any]]:
    """The models the artefact serves, each with its role and weight (its quality report's,
    ``Artefacts.quality``), else every model of the manifest (role and weight unknown).

    >>> # served_weights(view) -> {"transitions": {"role": "history", "weight": 1.0}}
    """
    artefacts = view.artefacts
    if artefacts is None:
        return {}
    quality = artefacts.quality
    if quality is None:
        return {name: {"role": None, "weight": None} for name in artefacts.models}
    return {name: {"role": entry.role, "weight": entry.weight}
            for name, entry in quality.candidates.items() if entry.weight > 0}


def _metrics(ranks: IntArray) -> dict[str, float]:
    return ranking_metrics(ranks, KS)


def _ratios(row: dict[str, float], base: dict[str, float]) -> dict[str, float | None]:
    return {key: (row[key] / base[key] if base[key] > 0 else None) for key in base}


def _pipeline_ranks(shop: ReplayShop, engine: RecommendationEngine, users: IntArray,
                    queries: dict[Placement, list[RecommendationQuery]],
                    targets: list[str], progress: Progress
                    ) -> tuple[dict[Placement, IntArray], dict[Placement, float]]:
    """Each placement's target ranks and seconds, every request asked as the API route
    asks it: a session of its own, ``engine.recommend``. BLAS on one thread, as a server
    worker runs it."""
    ranks: dict[Placement, list[int]] = {p: [] for p in PLACEMENTS}
    seconds = dict.fromkeys(PLACEMENTS, 0.0)
    runtime = shop.runtime
    with threadpool_limits(limits=1, user_api="blas"):
        for row in range(len(users)):
            for placement in PLACEMENTS:
                started = time.perf_counter()
                with runtime.session() as session:
                    result = engine.recommend(session, queries[placement][row])
                seconds[placement] += time.perf_counter() - started
                ranks[placement].append(
                    list_rank([item.product_id for item in result.items], targets[row]))
            progress.advance(1)
    return ({p: np.asarray(r, dtype=np.int64) for p, r in ranks.items()}, seconds)


def replay(data: SequenceData, split: LeaveOneOut, catalogue: ReplayCatalogue, *,
           folder: Path, users: int = 5000, seed: int = 0,
           variants: Sequence[Variant] = VARIANTS, now: datetime | None = None,
           progress: Progress | None = None) -> dict[str, Any]:
    """Build the shop under ``folder``, train it, replay the sampled users' requests per
    variant and report (JSON-ready) the figures beside the model-only ones.

    >>> # report = replay(data, leave_one_out(data), replay_catalogue(attributes),
    >>> #                 folder=Path(mkdtemp()), users=5000, seed=0)
    >>> # report["pipeline"]["both off"]["home"]["NDCG@10"]
    """
    hooks: Progress = progress if progress is not None else Silent()
    hooks.stage("building the shop", None)
    shop = build_shop(data, split, catalogue, folder=folder, now=now)
    hooks.stage("training", None)
    started = time.perf_counter()
    train(shop.runtime)
    training_s = time.perf_counter() - started
    sample = sample_users(split.n_users, users=users, seed=seed)
    targets = [item_id(int(split.test[u])) for u in sample]
    queries: dict[Placement, list[RecommendationQuery]] = {
        "home": [RecommendationQuery(customer_id=shop.customer_ids[u], placement="home",
                                     n=LIST_SIZE) for u in sample],
        "product": [RecommendationQuery(customer_id=shop.customer_ids[u], placement="product",
                                        product_id=item_id(int(split.full[u][-2])),
                                        n=LIST_SIZE) for u in sample],
    }
    base = PipelineConfig.from_settings(shop.runtime.settings)
    report: dict[str, Any] = {"users": len(sample), "seed": seed, "list_size": LIST_SIZE}
    pipeline: dict[str, Any] = {}
    requests_s = 0.0
    served: tuple[CatalogIndex, ModelView] | None = None
    for variant in variants:
        engine = RecommendationEngine(runtime=shop.runtime, config=variant.config(base))
        engine.refresh()
        hooks.stage(f"requests: {variant.name}", len(sample))
        ranks, seconds = _pipeline_ranks(shop, engine, sample, queries, targets, hooks)
        requests_s += sum(seconds.values())
        pipeline[variant.name] = {
            "diversify": variant.diversify, "explore": variant.explore,
            **{p: {**_metrics(ranks[p]),
                   "ms_per_request": 1000.0 * seconds[p] / max(len(sample), 1)}
               for p in PLACEMENTS}}
        if served is None:
            with shop.runtime.session() as session:
                served = engine.snapshot(session)
    report["model_only"], report["model_only_recent"], model_s = _model_only(
        served, split, sample, hooks)
    for row in pipeline.values():
        for placement in PLACEMENTS:
            row[placement]["ratio"] = _ratios(
                {k: row[placement][k] for k in report["model_only"]}, report["model_only"])
    report["pipeline"] = pipeline
    report["served_models"] = served_weights(served[1]) if served is not None else {}
    artefacts = served[1].artefacts if served is not None else None
    report["quality"] = artefacts.manifest.get("quality") if artefacts is not None else None
    report["shop"] = {"products": shop.products, "customers": len(shop.customer_ids),
                      "events": shop.events, "mapping": catalogue.describe(),
                      "category_cap": shop.runtime.settings.category_cap}
    report["times"] = {"shop_s": shop.seconds, "training_s": training_s,
                       "requests_s": requests_s, "model_only_s": model_s}
    shop.runtime.close()
    return report


def _model_only(served: tuple[CatalogIndex, ModelView] | None, split: LeaveOneOut,
                sample: IntArray, hooks: Progress
                ) -> tuple[dict[str, float], dict[str, float], float]:
    """The sampled users' model-only figures of the served snapshot's models, from the
    whole history (the offline protocol, the ratios' base) and from the newest
    ``HISTORY_LIMIT`` items only (what a request's profile reads: the difference is the
    cost of that limit, not of the pipeline's scoring), and the seconds they took."""
    if served is None:
        empty = _metrics(np.zeros(0, dtype=np.int64))
        return empty, empty, 0.0
    hooks.stage("model-only ranking", None)
    started = time.perf_counter()
    index, view = served
    position = index.position
    histories = [np.fromiter((position[item_id(i)] for i in split.full[u][:-1].tolist()),
                             dtype=np.int64) for u in sample]
    targets = np.fromiter((position[item_id(int(split.test[u]))] for u in sample),
                          dtype=np.int64, count=len(sample))
    whole = _metrics(model_only_ranks(view, histories, targets))
    recent = _metrics(model_only_ranks(view, [h[-HISTORY_LIMIT:] for h in histories],
                                       targets))
    return whole, recent, time.perf_counter() - started
