"""Single-customer recommendation latency from item vectors: exact search at catalogue sizes
where it is cheap, the HNSW graph above ``ann_threshold``, with the exclusions a real request
carries (seen items and a hidden category).

The item vectors are synthetic but shaped like learned embeddings: a two-level mixture
(top categories, sub-categories inside them, items around their sub-category) with
popularity-like norms. Uniform random vectors would mislead in both directions: in 64
dimensions every pair of them is about equally far apart, so the exact top 10 is barely
better than random (no structure for a graph to exploit: recall looks bad) and nothing
depends on the query's neighbourhood (exclusions cost nothing: latency looks good). Queries
are built the way a model folds a history in: the mean of a few seen items plus noise; the
excluded items are those seen items and a slice of the category next to them, the hard case
for over-fetching because they sit right where the search looks.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from prefero.bench.stats import summarise
from prefero.models.base import IntArray
from prefero.models.serving import IndexConfig, Strategy, VectorIndex

__all__ = [
    "Catalog",
    "bench_index",
    "bench_model_serving",
    "bench_models",
    "fold_in_queries",
    "synthetic_catalog",
]

#: Items per sub-category and sub-categories per top category of the synthetic catalogue.
_SUB_SIZE = 250
_SUBS_PER_TOP = 20


@dataclass(frozen=True, slots=True)
class Catalog:
    """Item vectors with the (sub-)category each item was drawn around."""

    vectors: NDArray[np.float32]
    sub: IntArray
    top: IntArray


def synthetic_catalog(n_items: int, *, dim: int = 64, seed: int = 0) -> Catalog:
    """Clustered item vectors (see the module docstring).

    >>> synthetic_catalog(600, dim=8).vectors.shape
    (600, 8)
    """
    rng = np.random.default_rng(seed)
    n_sub = max(1, n_items // _SUB_SIZE)
    n_top = max(1, n_sub // _SUBS_PER_TOP)
    scale = 1.0 / np.sqrt(dim)
    top_centres = rng.normal(0.0, scale, size=(n_top, dim))
    sub_top = rng.integers(n_top, size=n_sub)
    sub_centres = top_centres[sub_top] + rng.normal(0.0, 0.8 * scale, size=(n_sub, dim))
    sub = rng.integers(n_sub, size=n_items)
    vectors = sub_centres[sub] + rng.normal(0.0, 0.8 * scale, size=(n_items, dim))
    # Popular items get longer vectors in factor models; a log-normal spread of norms.
    vectors *= rng.lognormal(0.0, 0.25, size=(n_items, 1))
    return Catalog(vectors=vectors.astype(np.float32), sub=sub.astype(np.int64),
                   top=sub_top[sub].astype(np.int64))


def fold_in_queries(catalog: Catalog, *, count: int, exclude: int, seed: int = 0
                    ) -> tuple[NDArray[np.float32], list[IntArray]]:
    """``count`` query vectors (mean of a few seen items of one top category, plus noise)
    and, per query, ``exclude`` excluded items: the seen ones, then the seen items'
    sub-category, then the rest of their top category, then anything (a hidden category).

    >>> queries, excluded = fold_in_queries(synthetic_catalog(600, dim=8), count=3, exclude=20)
    >>> queries.shape, [len(e) for e in excluded]
    ((3, 8), [20, 20, 20])
    """
    rng = np.random.default_rng(seed + 1)
    n_items, dim = catalog.vectors.shape
    exclude = min(exclude, n_items)
    by_top = _members(catalog.top)
    by_sub = _members(catalog.sub)
    queries = np.empty((count, dim), dtype=np.float32)
    exclusions: list[IntArray] = []
    for row in range(count):
        anchor = int(rng.integers(n_items))
        pool = by_top[int(catalog.top[anchor])]
        n_seen = int(min(max(1, exclude // 5), len(pool), 20))
        seen = rng.choice(pool, size=n_seen, replace=False)
        noise = rng.normal(0.0, 0.3 / np.sqrt(dim), size=dim)
        queries[row] = catalog.vectors[seen].mean(axis=0) + noise
        # Anything else, as a last resort: a permutation of a million items per query
        # would cost more than the searches, so random draws unless they could run short.
        anything = (rng.permutation(n_items) if 4 * exclude > n_items
                    else rng.integers(n_items, size=2 * exclude + 16))
        hidden = [by_sub[int(catalog.sub[seen[0]])], pool, anything]
        exclusions.append(_first_unique([seen, *hidden], exclude))
    return queries, exclusions


def _members(labels: IntArray) -> dict[int, IntArray]:
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    groups = np.split(order, cuts)
    return {int(labels[group[0]]): group.astype(np.int64) for group in groups if len(group)}


def _first_unique(parts: Sequence[NDArray[Any]], count: int) -> IntArray:
    """The first ``count`` distinct items of ``parts`` in order."""
    chosen: dict[int, None] = {}
    for part in parts:
        for item in part:
            if len(chosen) >= count:
                return np.fromiter(chosen, dtype=np.int64, count=len(chosen))
            chosen.setdefault(int(item), None)
    return np.fromiter(chosen, dtype=np.int64, count=len(chosen))


def _latency(seconds: Sequence[float]) -> dict[str, float]:
    """``summarise`` plus the 95th percentile."""
    figures = summarise(seconds)
    values = np.asarray(seconds, dtype=np.float64) * 1000.0
    figures["p95_ms"] = round(float(np.percentile(values, 95)), 3) if values.size else 0.0
    return figures


def _time_searches(search: Callable[[int], object], count: int, *, warmup: int = 20
                   ) -> list[float]:
    """Wall-clock seconds of ``search(row)`` for each row (after ``warmup`` untimed)."""
    return _timed(search, count, warmup=warmup)[0]


def _timed(search: Callable[[int], object], count: int, *, warmup: int = 20
           ) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``search(row)`` for each row. On a shared machine the
    wall clock's tail is mostly time spent waiting for a core; the CPU time is what the
    search itself costs."""
    for row in range(min(warmup, count)):
        search(row)
    wall: list[float] = []
    cpu: list[float] = []
    for row in range(count):
        started, started_cpu = time.perf_counter(), time.thread_time()
        search(row)
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return wall, cpu


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def bench_index(n_items: int, *, dim: int = 64, queries: int = 2000, exclude: int = 50,
                config: IndexConfig | None = None, k: int = 10, seed: int = 0,
                recall_queries: int = 500, exact_queries: int = 200,
                strategy_excludes: Sequence[int] = (50, 500, 5000)) -> dict[str, Any]:
    """Build the index of a synthetic catalogue of ``n_items`` and time single-query
    searches with ``exclude`` exclusions each; recall@``k`` against exact search on the
    same queries and exclusions; on an HNSW index also exact search's latency and the
    exclusion routes side by side for each of ``strategy_excludes``.

    >>> bench_index(300, dim=8, queries=20, exclude=5, recall_queries=5,
    ...             exact_queries=5)["kind"]
    'exact'
    """
    config = config or IndexConfig()
    catalog = synthetic_catalog(n_items, dim=dim, seed=seed)
    started, started_cpu = time.perf_counter(), time.process_time()
    index = VectorIndex.build(catalog.vectors, config)
    build_s = time.perf_counter() - started
    build_cpu_s = time.process_time() - started_cpu
    vectors, excluded = fold_in_queries(catalog, count=queries, exclude=exclude, seed=seed)

    def search(row: int) -> object:
        return index.search(vectors[row], k=k, exclude=excluded[row])

    figures: dict[str, Any] = {
        "items": n_items, "dim": dim, "k": k, "excluded_per_query": exclude,
        "kind": index.kind, "route": index.plan(exclude), "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "index_mb": round(index.nbytes() / 2**20, 1),
    }
    for row in range(min(20, queries)):
        search(row)  # warm-up, not counted
    index.route_counts.clear()
    wall, cpu = _timed(search, queries, warmup=0)
    figures["search"] = _latency(wall)
    figures["search_cpu"] = _latency(cpu)
    figures["routes_taken"] = dict(index.route_counts)
    n_recall = min(recall_queries, queries)
    figures["recall_at_k"] = round(index.recall_at_k(
        vectors[:n_recall], k=k, exclude=excluded[:n_recall]), 4)
    figures["recall_queries"] = n_recall
    if index.kind == "hnsw":
        n_exact = min(exact_queries, queries)
        figures["exact_search"] = _latency(_time_searches(
            lambda row: index.search_exact(vectors[row], k=k, exclude=excluded[row]),
            n_exact, warmup=3))
        figures["hnsw"] = {"m": config.m, "ef_construction": config.ef_construction,
                           "ef_search": config.ef_search}
        figures["routes"] = _compare_routes(index, catalog, k=k, seed=seed,
                                            count=min(300, queries),
                                            excludes=strategy_excludes)
    figures["peak_rss_mb"] = _peak_rss_mb()
    return figures


def _compare_routes(index: VectorIndex, catalog: Catalog, *, k: int, seed: int, count: int,
                    excludes: Sequence[int]) -> dict[str, dict[str, float]]:
    """Median, p99 and recall@``k`` per exclusion count of the routes: ``auto`` (capped
    over-fetch window, a wider one, exact fallback), over-fetching the whole exclusion list,
    and faiss's filtered search with an ID selector."""
    routes: dict[str, dict[str, float]] = {}
    strategies: tuple[Strategy, ...] = ("auto", "overfetch", "selector")
    for exclude in excludes:
        vectors, excluded = fold_in_queries(catalog, count=count, exclude=exclude,
                                            seed=seed + exclude)
        truth = [index.search_exact(vectors[row], k=k, exclude=excluded[row])[0]
                 for row in range(count)]
        row_figures: dict[str, float] = {}
        for strategy in strategies:
            found: list[IntArray] = []

            def search(row: int, strategy: Strategy = strategy,
                       found: list[IntArray] = found,
                       vectors: NDArray[np.float32] = vectors,
                       excluded: list[IntArray] = excluded) -> object:
                items = index.search(vectors[row], k=k, exclude=excluded[row],
                                     strategy=strategy)[0]
                found.append(items)
                return items

            summary = _latency(_time_searches(search, count, warmup=0))
            row_figures[f"{strategy}_median_ms"] = summary["median_ms"]
            row_figures[f"{strategy}_p99_ms"] = summary["p99_ms"]
            row_figures[f"{strategy}_recall"] = round(float(np.mean(
                [len(np.intersect1d(t, f)) / max(1, int((t >= 0).sum()))
                 for t, f in zip(truth, found, strict=True)])), 4)
        routes[f"exclude_{exclude}"] = row_figures
    return routes


def bench_model_serving(*, n_items: int = 20_000, n_users: int = 20_000, requests: int = 500,
                        k: int = 10, seed: int = 0, model_name: str = "als"
                        ) -> dict[str, Any]:
    """End to end with a real fitted dot-product model, when ``model_name`` is importable
    and an ``EmbeddingModel``: fit it on synthetic sessions over ``n_items`` items, then
    time ``model.recommend`` (scores every item) against ``recommend_from_index`` (fold-in
    + index search) for single customers. ``{"skipped": why}`` otherwise."""
    from prefero.models.base import EmbeddingModel, TrainingData
    from prefero.models.registry import model_class
    from prefero.models.serving import recommend_from_index

    try:
        cls = model_class(model_name)
    except (ImportError, AttributeError) as exc:
        return {"skipped": f"model {model_name!r} not available: {exc}"}
    catalog = synthetic_catalog(n_items, dim=16, seed=seed)
    sequences = _sessions(catalog, n_users=n_users, seed=seed)
    model = cls(seed=seed)
    started = time.perf_counter()
    model.fit(TrainingData(sequences=sequences, n_items=n_items))
    fit_s = time.perf_counter() - started
    if not isinstance(model, EmbeddingModel):
        return {"skipped": f"model {model_name!r} is not an EmbeddingModel"}
    index = VectorIndex.from_model(model)
    histories = sequences[:requests]
    full = _time_searches(lambda row: model.recommend(histories[row], k=k), len(histories))
    served = _time_searches(lambda row: recommend_from_index(model, index, histories[row], k=k),
                            len(histories))
    agree = [len(np.intersect1d(model.recommend(h, k=k)[0],
                                recommend_from_index(model, index, h, k=k)[0])) / k
             for h in histories[:100]]
    return {"model": model_name, "items": n_items, "fit_s": round(fit_s, 2),
            "index_kind": index.kind, "model_recommend": _latency(full),
            "index_recommend": _latency(served),
            "top_k_agreement": round(float(np.mean(agree)), 4)}


def _sessions(catalog: Catalog, *, n_users: int, seed: int) -> list[IntArray]:
    """Users who browse inside one top category, mostly one sub-category of it."""
    rng = np.random.default_rng(seed + 2)
    by_top = _members(catalog.top)
    by_sub = _members(catalog.sub)
    sequences: list[IntArray] = []
    for _ in range(n_users):
        anchor = int(rng.integers(len(catalog.sub)))
        length = int(rng.integers(5, 20))
        own = by_sub[int(catalog.sub[anchor])]
        wider = by_top[int(catalog.top[anchor])]
        picks = np.where(rng.random(length) < 0.7, rng.choice(own, size=length),
                         rng.choice(wider, size=length))
        sequences.append(picks.astype(np.int64))
    return sequences


def bench_models(sizes: Sequence[int], *, dim: int = 64, queries: int = 2000,
                 exclude: int = 50, config: IndexConfig | None = None, seed: int = 0,
                 with_model: bool = True) -> dict[str, Any]:
    """``bench_index`` for each catalogue size, then the end-to-end model check."""
    config = config or IndexConfig()
    results: dict[str, Any] = {"config": {"ann_threshold": config.ann_threshold,
                                          "overfetch_limit": config.overfetch_limit}}
    for n_items in sizes:
        results[f"items_{n_items}"] = bench_index(
            n_items, dim=dim, queries=queries, exclude=exclude,
            config=config, seed=seed)
    if with_model:
        results["model"] = bench_model_serving(seed=seed)
    return results
