"""Offline training of the artefacts that the request path reads: popularity, trending
(time-decayed), item-to-item co-occurrence (co-purchase, co-view) and the recommender
models chosen among ``Settings.models`` (``prefero.models``; ``prefero.recommend.selection``
chooses them and their weights), fitted on customers' sequences. The version's manifest
carries the quality report of that choice (``prefero.recommend.quality``).

Popularity and trending come from the anonymous aggregate counters, which include the
behaviour of people who did not consent to tracking (it is never linked to them).
Co-occurrence and the models come only from consented, linked events.

Both inputs are streamed (``training_input``): rows arrive through a server-side cursor in
chunks and become integer-coded arrays, so that memory grows by tens of bytes per event
rather than by Python objects per row, basket and customer.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.events.models import ProductActivity
from prefero.models import ItemRecommender, TrainingData, Validation, load_model, model_class
from prefero.models.declared import DeclaredChoices
from prefero.models.mf import ALS, BPR
from prefero.models.serving import IndexConfig, VectorIndex
from prefero.recommend.artefact_store import publish
from prefero.recommend.artefacts import write_version
from prefero.recommend.catalog_index import CatalogIndex, build_catalog_index
from prefero.recommend.followers import FOLLOWERS_K, FollowersTable, followers_table
from prefero.recommend.form_calibration import calibrate_forms
from prefero.recommend.models import CANDIDATE_SCORING_FROM
from prefero.recommend.quality import ModelQuality
from prefero.recommend.selection import select_models
from prefero.recommend.training_input import FETCH_ROWS, Baskets, read_behaviour

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["TrainingConfig", "basket_co_occurrence", "co_occurrence_top_k", "fit_models",
           "item_attributes", "popularity_and_trending", "train"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingConfig:
    popularity_days: int = 90
    trending_half_life_days: float = 3.0
    trending_days: int = 21
    neighbours: int = 50
    # Pairs seen together fewer times than this are shrunk towards zero: two shoppers who
    # happened to buy the same two things are not yet a pattern.
    shrinkage: float = 3.0
    type_weights: tuple[tuple[str, float], ...] = (
        ("view", 1.0),
        ("rec_click", 1.0),
        ("add_to_cart", 3.0),
        ("purchase", 5.0),
        ("rating", 2.0),
    )
    #: Hyper-parameters are searched on each customer's last item only when at least this
    #: many customers have three or more items; below that the defaults are used.
    min_tuning_users: int = 50
    seed: int = 0
    #: Catalogues up to this size get every item's followers worked out at training
    #: (``prefero.recommend.followers``); the work grows with the square of the catalogue
    #: (a score row over every item per item), so larger ones keep working them out per
    #: request, once per item and process.
    followers_up_to: int = 200_000


def train(runtime: Runtime, *, config: TrainingConfig | None = None,
          now: datetime | None = None, progress: Progress | None = None) -> str:
    """Build every artefact from the database and publish a new version; returns its name."""
    config = config or TrainingConfig()
    now = now or datetime.now(UTC)
    say = progress or (lambda _msg: None)
    began = time.perf_counter()
    settings = runtime.settings
    with runtime.session() as session:
        index = build_catalog_index(session, runtime.facet_schema)
        item_ids = list(index.ids)
        position = {pid: i for i, pid in enumerate(item_ids)}
        attributes, attribute_keys = item_attributes(index)
        say(f"catalog: {len(item_ids)} products, {len(attribute_keys)} facet values")
        popularity, trending = popularity_and_trending(session, position, config, now)
        say("popularity and trending computed")
        started = time.perf_counter()
        baskets = read_behaviour(session, position, runtime.settings)
        say(f"{baskets.events} consented events read in {time.perf_counter() - started:.1f} s:"
            f" co-occurrence from {len(baskets.purchase)} purchase and {len(baskets.view)} "
            "view baskets")
        sequences = baskets.journeys
    n = len(item_ids)
    # Co-occurrence first, so that the baskets are gone before the models need the memory.
    purchase_idx, purchase_score = basket_co_occurrence(
        baskets.purchase, n_items=n, k=config.neighbours, shrinkage=config.shrinkage)
    view_idx, view_score = basket_co_occurrence(
        baskets.view, n_items=n, k=config.neighbours, shrinkage=config.shrinkage)
    basket_counts = {"purchase_baskets": len(baskets.purchase),
                     "view_baskets": len(baskets.view)}
    events = baskets.events
    journey_customers = baskets.customers  # whose each sequence is: the forms' calibration
    del baskets
    selection = select_models(
        sequences, n_items=n, names=settings.models, attributes=attributes,
        seconds=settings.model_selection_seconds, budget_ms=settings.model_score_budget_ms,
        min_customers=config.min_tuning_users, seed=config.seed, progress=say)
    forms = None
    candidates = selection.candidates
    if isinstance(selection.form, DeclaredChoices):
        # Tuned in place on the forms customers really filled in, before it is saved.
        with runtime.session() as session:
            forms = calibrate_forms(session, index=index, attribute_keys=attribute_keys,
                                    model=selection.form,
                                    data=TrainingData(sequences, n, item_attributes=attributes),
                                    customers=journey_customers, settings=settings)
        if selection.form.name in candidates:  # the report shows the parameters served
            candidates = {**candidates, selection.form.name: candidates[
                selection.form.name].model_copy(update={"params": forms.params_after})}
        say(f"form model: {forms.real_forms} real forms"
            + (f", parameters {forms.params_after}" if forms.calibrated else
               f", fewer than {forms.minimum} needed to calibrate it"))
    models = _as_served(selection.models)
    weights = selection.weights
    followers = _followers({name: models[name] for name in weights},
                           weights=list(weights.values()), n_items=n, config=config, say=say,
                           evidence=[models[selection.evidence]] if selection.evidence
                           else [])
    indexes = _vector_indexes(models, n_items=n, say=say)
    quality = ModelQuality(
        trained_at=now.isoformat(), training_seconds=round(time.perf_counter() - began, 3),
        selection_seconds=round(selection.seconds, 3),
        selection_budget_seconds=settings.model_selection_seconds, products=n,
        customers=len(sequences), events=events,
        validation_customers=selection.validation_customers,
        candidates=candidates, served=selection.served, forms=forms)
    version = write_version(
        runtime.settings.artefact_dir,
        item_ids=item_ids,
        arrays={
            "popularity": popularity,
            "trending": trending,
            "co_purchase_idx": purchase_idx,
            "co_purchase_score": purchase_score,
            "co_view_idx": view_idx,
            "co_view_score": view_score,
        },
        stats={
            "trained_at": now.isoformat(),
            **basket_counts,
            "items_with_co_purchase": int((purchase_idx[:, 0] >= 0).sum()) if n else 0,
            "items_with_co_view": int((view_idx[:, 0] >= 0).sum()) if n else 0,
            "model_sequences": len(sequences),
            "models_tuned_on": tuning_users(sequences, config),
        },
        models=models,
        attribute_keys=attribute_keys,
        followers=followers,
        vector_indexes=indexes,
        quality=quality,
    )
    say(f"published artefact version {version}")
    if runtime.settings.artefact_store == "database":
        with runtime.session(write=True) as session:
            publish(session, runtime.settings.artefact_dir / version)
        say("… and in the database, for every process on every host")
    return version


def _as_served(models: dict[str, ItemRecommender]) -> dict[str, ItemRecommender]:
    """The models as a serving process loads them. Their saved form is what the followers
    table must be worked out from: the item-to-item matrices are stored in float32, which
    moves their scores (and the order of tied neighbours) off the float64 training holds."""
    with tempfile.TemporaryDirectory(prefix="prefero-models-") as folder:
        for name, model in models.items():
            model.save(Path(folder) / name)
        return {name: load_model(Path(folder) / name) for name in models}


def _vector_indexes(models: dict[str, ItemRecommender], *, n_items: int, say: Progress
                    ) -> dict[str, VectorIndex]:
    """An HNSW graph over each factorisation's item vectors, for catalogues the request path
    reads at a candidate set (``CANDIDATE_SCORING_FROM``)."""
    if n_items < CANDIDATE_SCORING_FROM:
        return {}
    indexes = {}
    for name, model in models.items():
        if isinstance(model, ALS | BPR):  # the factorisations the request path searches
            started = time.perf_counter()
            indexes[name] = VectorIndex.build(model.item_vectors(), IndexConfig(ann_threshold=0))
            say(f"vector index of {name} built in {time.perf_counter() - started:.1f} s")
    return indexes


def _followers(models: dict[str, ItemRecommender], *, weights: list[float], n_items: int,
               config: TrainingConfig, say: Progress,
               evidence: list[ItemRecommender]) -> FollowersTable | None:
    """The followers table of the served history models, averaged with their weights as
    the request path averages them (observed by them and the ``evidence`` model)."""
    if not models or n_items > config.followers_up_to:
        if models:
            say(f"followers left to the request path: {n_items} products is above "
                f"{config.followers_up_to}")
        return None
    started = time.perf_counter()
    table = followers_table(list(models.values()), n_items=n_items, k=FOLLOWERS_K,
                            weights=weights, evidence=evidence)
    say(f"followers of {int((np.diff(table.indptr) > 0).sum())} products worked out in "
        f"{time.perf_counter() - started:.1f} s")
    return table


def popularity_and_trending(
    session: Session, position: dict[str, int], config: TrainingConfig, now: datetime
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Each item's weighted activity over ``config.popularity_days`` and its momentum over
    the last ``config.trending_days``, from the anonymous per-day counters (streamed).

    >>> # popularity, trending = popularity_and_trending(session, position, config, now)
    """
    n = len(position)
    popularity = np.zeros(n, dtype=np.float64)
    trending = np.zeros(n, dtype=np.float64)
    weights = dict(config.type_weights)
    today = now.date()
    since = today - timedelta(days=config.popularity_days)
    decay = math.log(2) / config.trending_half_life_days
    # One factor per age, from the same exp as always; np.add.at adds in row order, so
    # each total is summed exactly as a row-by-row loop sums it.
    fading = np.array([math.exp(-decay * age) for age in range(config.trending_days + 1)])
    rows = session.execute(
        select(ProductActivity.product_id, ProductActivity.day, ProductActivity.type,
               ProductActivity.count).where(ProductActivity.day >= since)
        .execution_options(yield_per=FETCH_ROWS)
    )
    for part in rows.partitions():
        products, days, kinds, counts = zip(*part, strict=True)
        size = len(products)
        item = np.fromiter((position.get(p, -1) for p in products), dtype=np.int64, count=size)
        weight = np.fromiter((weights.get(k, 0.0) for k in kinds), dtype=np.float64,
                             count=size)
        age = np.fromiter((max((today - _as_date(d)).days, 0) for d in days), dtype=np.int64,
                          count=size)
        amount = weight * np.fromiter(counts, dtype=np.float64, count=size)
        used = (item >= 0) & (weight != 0.0)
        np.add.at(popularity, item[used], amount[used])
        recent = used & (age <= config.trending_days)
        np.add.at(trending, item[recent], amount[recent] * fading[age[recent]])
    # Trending is momentum: recent activity relative to the item's usual level, damped so
    # that an item with three views is not "trending" because it had none before.
    baseline = popularity / max(config.popularity_days, 1) * config.trending_half_life_days
    trending = trending / (baseline + 5.0)
    return popularity.astype(np.float32), trending.astype(np.float32)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def tuning_users(sequences: list[npt.NDArray[np.int64]], config: TrainingConfig) -> int:
    """Customers whose last item hyper-parameters are chosen on (0: too few to tune)."""
    count = sum(1 for s in sequences if len(s) >= 3)
    return count if count >= config.min_tuning_users else 0


def item_attributes(index: CatalogIndex) -> tuple[sparse.csr_matrix, list[tuple[str, str]]]:
    """The catalogue's facet values as the models' side information: a product × value
    matrix with one column per (facet, value) the request path posts (category and its
    ancestors, brand, list and yes/no facets), and the columns' keys in order. A customer's
    declared preference names the same keys, so a model can read a form in its columns.

    >>> # matrix, keys = item_attributes(build_catalog_index(session, schema))
    """
    keys = sorted(index.postings)
    lengths = [len(index.postings[key]) for key in keys]
    rows = (np.concatenate([index.postings[key] for key in keys]) if keys
            else np.zeros(0, dtype=np.int64))
    columns = np.repeat(np.arange(len(keys)), lengths)
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)),
                               shape=(index.size, len(keys)))
    return matrix, keys


def fit_models(
    sequences: list[npt.NDArray[np.int64]], *, n_items: int, names: Iterable[str],
    config: TrainingConfig, progress: Progress | None = None,
    attributes: sparse.csr_matrix | None = None,
) -> dict[str, ItemRecommender]:
    """Fit each named model on the sequences (``attributes``: the items' facet values, for
    the models that read them). With enough customers, hyper-parameters are chosen on every
    customer's last item and the model is then refitted on everything; otherwise the
    defaults are fitted directly.

    >>> # fit_models([np.array([0, 1, 2])], n_items=3, names=["transitions"], config=cfg)
    """
    say = progress or (lambda _msg: None)
    data = TrainingData(sequences, n_items, item_attributes=attributes)
    tunable = [s for s in sequences if len(s) >= 3]
    if not tuning_users(sequences, config):
        tunable = []
    models: dict[str, ItemRecommender] = {}
    for name in names:
        started = time.perf_counter()
        model = model_class(name)(seed=config.seed)
        if tunable:
            validation = Validation(histories=[s[:-1] for s in tunable],
                                    targets=np.array([s[-1] for s in tunable]))
            prefixes = TrainingData([s[:-1] if len(s) >= 3 else s for s in sequences], n_items,
                                    item_attributes=attributes)
            model.fit(prefixes, validation=validation).refit(data)
            say(f"model {name}: tuned on {len(tunable)} customers, params {model.params} "
                f"({time.perf_counter() - started:.1f} s)")
        else:
            model.fit(data)
            say(f"model {name}: fitted with default settings ({len(tunable)} customers "
                f"with 3+ items, fewer than {config.min_tuning_users} needed to tune; "
                f"{time.perf_counter() - started:.1f} s)")
        models[name] = model
    return models


def co_occurrence_top_k(
    baskets: Iterable[list[int]], *, n_items: int, k: int, shrinkage: float
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """Top-``k`` neighbours of every item by shrunk cosine co-occurrence, from baskets given
    as lists of distinct items (see ``basket_co_occurrence``).

    >>> idx, score = co_occurrence_top_k([[0, 1], [0, 1], [1, 2]], n_items=3, k=2,
    ...                                  shrinkage=0.0)
    >>> idx[0].tolist(), idx[2].tolist()
    ([1, -1], [1, -1])
    """
    lists = [list(items) for items in baskets]
    sizes = np.array([len(items) for items in lists], dtype=np.int64)
    flat = np.array([i for items in lists for i in items], dtype=np.int64)
    return basket_co_occurrence(
        Baskets(indptr=np.concatenate(([0], np.cumsum(sizes))).astype(np.int64), items=flat),
        n_items=n_items, k=k, shrinkage=shrinkage)


def basket_co_occurrence(
    baskets: Baskets, *, n_items: int, k: int, shrinkage: float
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """Top-``k`` neighbours of every item by shrunk cosine co-occurrence.

    score(i, j) = c_ij / sqrt(n_i n_j) * c_ij / (c_ij + shrinkage), where c_ij counts the
    baskets holding both and n_i the baskets holding i. Rows with fewer neighbours are
    padded with index -1 and score 0.

    >>> baskets = Baskets(indptr=np.array([0, 2, 4, 6]), items=np.array([0, 1, 0, 1, 1, 2]))
    >>> idx, score = basket_co_occurrence(baskets, n_items=3, k=2, shrinkage=0.0)
    >>> idx[0].tolist(), idx[2].tolist()
    ([1, -1], [1, -1])
    """
    idx = np.full((n_items, k), -1, dtype=np.int32)
    score = np.zeros((n_items, k), dtype=np.float32)
    if not len(baskets.items) or n_items == 0:
        return idx, score
    rows = baskets.rows()
    data = np.ones(len(rows), dtype=np.float32)
    x = sparse.csr_matrix((data, (rows, baskets.items)), shape=(int(rows[-1]) + 1, n_items))
    x.data[:] = 1.0  # a basket holding an item twice still counts once
    counts = np.asarray(x.sum(axis=0)).ravel()
    co = (x.T @ x).tocsr()
    del x
    co.setdiag(0)
    co.eliminate_zeros()
    co = co.tocoo()
    norm = np.sqrt(counts[co.row] * counts[co.col])
    values = co.data / norm * (co.data / (co.data + shrinkage))
    matrix = sparse.csr_matrix((values, (co.row, co.col)), shape=(n_items, n_items))
    del co, norm, values
    for i in range(n_items):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        if start == end:
            continue
        neighbours = matrix.indices[start:end]
        scores = matrix.data[start:end]
        take = min(k, len(scores))
        top = np.argpartition(-scores, take - 1)[:take]
        # ties broken by item index so that training is deterministic
        order = top[np.lexsort((neighbours[top], -scores[top]))]
        idx[i, :take] = neighbours[order]
        score[i, :take] = scores[order]
    return idx, score
