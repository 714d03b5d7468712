"""Serving a dot-product model from a vector index: the best ``k`` items for one query
vector, never an excluded one, in a few milliseconds even for a million items.

Below ``ann_threshold`` items the index is the item matrix itself and a search is exact (one
matrix-vector product and a partial sort: well under a millisecond at 20k items). Above it,
scoring every item costs tens of milliseconds, so a faiss HNSW graph over the inner product
answers instead; its recall against exact search is measured, never assumed
(``recall_at_k``, ``prefero bench model``).

Exclusions (seen items, hidden categories, "never" constraints) on the HNSW path
(measured in docs/benchmarks.md):

* the graph is asked for ``k + min(len(exclude), overfetch_limit)`` neighbours and the
  excluded ones are dropped. Whenever ``k`` allowed items survive, they are the best allowed
  items as far as the graph's recall goes, however many items are excluded elsewhere; with
  a few dozen exclusions this costs little (the beam is twice the window, against
  ``ef_search`` without exclusions). If too few survive, the window widens four times and
  the graph is asked again;
* if the query's whole neighbourhood is excluded even then (a customer hiding the very
  category they browse), an exact search over the allowed items answers. faiss's filtered
  search (an ID selector) would be faster there but silently poor: with the nearest
  thousands of items excluded its beam never leaves them (recall@10 0.3-0.7 measured at
  1M items), so it is only a ``strategy="selector"`` option, fine for exclusions scattered
  across the catalogue;
* when no more than ``ann_threshold`` items remain allowed, scoring exactly those is both
  cheaper than the graph and exact.

Models add a 1e-9 popularity tie-break to their scores (``popularity_tiebreak``); float32
vectors cannot carry it, so here ties (and scores within float32 rounding of each other)
fall to the lower item index on the exact path and to the graph's order on the HNSW path.

The index is saved next to the model it serves (``vector_index.json`` + the vectors as
``.npy`` or the graph as ``.faiss``: faiss's own binary format, not a pickle).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss_module
import numpy as np
from numpy.typing import NDArray

from prefero.models.base import (
    EmbeddingModel,
    FloatArray,
    IntArray,
    ModelFormatError,
)

#: faiss's bundled stubs lack the SWIG classes used here (SearchParametersHNSW, the
#: one-argument selector constructors of its Python layer); treat the module as untyped.
faiss: Any = _faiss_module

__all__ = [
    "INDEX_FILE",
    "IndexConfig",
    "Strategy",
    "VectorIndex",
    "recommend_from_index",
]

INDEX_FILE = "vector_index.json"
_VECTORS_FILE = "vector_index.npy"
_GRAPH_FILE = "vector_index.faiss"
_FORMAT = 1
#: Exclusions below n_items / this go to faiss as a hash set, more as a bitmap of the
#: allowed items (O(n_items / 8) bytes to build per request, but cheaper to probe).
_BITMAP_RATIO = 64
#: The second over-fetch window is this many times the first.
_WIDEN = 4
#: Beam width per over-fetched item. The survivors of a window sit at its far end, where a
#: beam only as wide as the window ranks worst: at 1M items with the nearest 5,000 excluded,
#: a 1,034-item window found 88 % of the true top 10 with a beam of 1,034, 95 % with 2,068.
_EF_PER_FETCH = 2

#: How a search honours exclusions; ``auto`` is the documented chain, the others force one
#: route (for measurements).
Strategy = Literal["auto", "exact", "overfetch", "selector"]

Exclusion = IntArray | NDArray[np.bool_] | Sequence[int] | None


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """When to use an HNSW graph, and how to build and search it."""

    #: Catalogues with more items than this get an HNSW graph; smaller ones are searched
    #: exactly. An exact single-query search takes about 0.1 ms at 20k items, 0.3 ms at
    #: 50k and 20 ms at 1M (one core, d = 64).
    ann_threshold: int = 50_000
    #: Graph degree (links per node on the upper layers; twice that on the bottom one).
    m: int = 32
    #: Beam width while building: higher builds slower and finds better links.
    ef_construction: int = 80
    #: Beam width while searching: the recall/latency dial.
    ef_search: int = 64
    #: The over-fetch window: the graph is asked for ``k + min(excluded, this)`` items
    #: first, then four times as many, before an exact search takes over.
    overfetch_limit: int = 256
    #: Threads for building the graph. With one the graph is identical on every build;
    #: faiss's parallel insertion order (and so the graph) depends on thread timing.
    build_threads: int = 1

    def __post_init__(self) -> None:
        if self.ann_threshold < 0 or self.m < 2 or self.ef_construction < 1:
            raise ValueError(f"invalid index config: {self}")
        if self.ef_search < 1 or self.overfetch_limit < 0 or self.build_threads < 1:
            raise ValueError(f"invalid index config: {self}")


@contextmanager
def _omp_threads(count: int) -> Iterator[None]:
    """faiss's OpenMP thread count for the block, restored afterwards: the setting outlives
    the call (for the calling thread), and training code may want every core."""
    previous = faiss.omp_get_max_threads()
    if previous == count:
        yield
        return
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _digest(vectors: NDArray[np.float32]) -> str:
    """Fingerprint of the item vectors: a saved index is only valid for the model whose
    vectors it was built from."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{vectors.shape[0]}x{vectors.shape[1]}".encode())
    digest.update(np.ascontiguousarray(vectors).data)
    return digest.hexdigest()


def _top_k(items: IntArray, scores: NDArray[np.float32], k: int
           ) -> tuple[IntArray, FloatArray]:
    """The ``k`` best of ``items`` by ``scores`` (``-inf`` = excluded), best first, ties to
    the lower item index, padded with ``-1``/``-inf``."""
    count = len(scores)
    if k < count:
        part = np.argpartition(scores, count - k)[count - k:]
        # argpartition splits ties at the k-th score arbitrarily: take every item that
        # reaches it, so that the lower index wins below.
        threshold = scores[part].min()
        part = np.flatnonzero(scores >= threshold if np.isfinite(threshold)
                              else np.isfinite(scores))
    else:
        part = np.arange(count)
    order = np.lexsort((items[part], -scores[part]))
    chosen = part[order]
    return _pad(items[chosen], scores[chosen].astype(np.float64), k)


def _pad(items: IntArray, scores: FloatArray, k: int) -> tuple[IntArray, FloatArray]:
    """Cut to ``k``, mark non-finite (excluded) entries ``-1``/``-inf`` and pad to ``k``."""
    items = np.asarray(items[:k], dtype=np.int64)
    scores = np.asarray(scores[:k], dtype=np.float64)
    valid = np.isfinite(scores) & (items >= 0)
    items, scores = items[valid], scores[valid]
    if len(items) == k:
        return items, scores
    missing = k - len(items)
    return (np.concatenate([items, np.full(missing, -1, dtype=np.int64)]),
            np.concatenate([scores, np.full(missing, -np.inf)]))


class VectorIndex:
    """Top-``k`` inner-product search over item vectors, exact or through an HNSW graph.

    >>> vectors = np.eye(3, dtype=np.float32)
    >>> index = VectorIndex.build(vectors)
    >>> index.search(np.array([0.1, 0.9, 0.5], dtype=np.float32), k=2, exclude=[1])[0].tolist()
    [2, 0]
    """

    def __init__(self, vectors: NDArray[np.float32], *, config: IndexConfig,
                 graph: Any = None, digest: str | None = None) -> None:
        if vectors.ndim != 2:
            raise ValueError(f"item vectors must be 2-D, got shape {vectors.shape}")
        self.config = config
        self._vectors = vectors
        self._graph = graph
        self._digest = digest or _digest(vectors)
        #: Searches per route taken by ``strategy="auto"`` (for benchmarks and metrics).
        self.route_counts: Counter[str] = Counter()

    # ---- construction ----------------------------------------------------------------
    @classmethod
    def build(cls, vectors: NDArray[Any], config: IndexConfig | None = None) -> VectorIndex:
        """Index ``n_items × d`` vectors: exact up to ``config.ann_threshold`` items, an
        HNSW graph above (built with ``config.build_threads``; one gives the same graph on
        every build)."""
        config = config or IndexConfig()
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2:
            raise ValueError(f"item vectors must be 2-D, got shape {matrix.shape}")
        if matrix.shape[0] <= config.ann_threshold:
            return cls(matrix, config=config)
        graph = faiss.IndexHNSWFlat(matrix.shape[1], config.m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = config.ef_construction
        graph.hnsw.efSearch = config.ef_search
        with _omp_threads(config.build_threads):
            graph.add(matrix)
        # Serve from the graph's own copy of the vectors rather than keeping a second one.
        return cls(_graph_vectors(graph), config=config, graph=graph,
                   digest=_digest(matrix))

    @classmethod
    def from_model(cls, model: EmbeddingModel, config: IndexConfig | None = None
                   ) -> VectorIndex:
        """The index of a fitted dot-product model's item vectors."""
        return cls.build(model.item_vectors(), config)

    # ---- facts -----------------------------------------------------------------------
    @property
    def n_items(self) -> int:
        return int(self._vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def kind(self) -> Literal["exact", "hnsw"]:
        return "exact" if self._graph is None else "hnsw"

    @property
    def digest(self) -> str:
        """Fingerprint of the vectors the index was built from."""
        return self._digest

    def nbytes(self) -> int:
        """Memory the index holds: the vectors, plus the graph's links when there is one."""
        size = int(self._vectors.nbytes)
        if self._graph is not None:
            hnsw = self._graph.hnsw
            # neighbours are int32, offsets uint64, levels int32 (faiss/impl/HNSW.h).
            size += 4 * int(hnsw.neighbors.size()) + 8 * int(hnsw.offsets.size())
            size += 4 * int(hnsw.levels.size())
        return size

    def plan(self, n_excluded: int) -> Literal["exact", "graph", "overfetch"]:
        """The first route ``search(strategy="auto")`` takes for this many excluded items
        (``overfetch`` may end in a wider window or an exact search; ``route_counts`` tells
        how often)."""
        if self._graph is None or self.n_items - n_excluded <= self.config.ann_threshold:
            return "exact"
        return "overfetch" if n_excluded else "graph"

    # ---- search ----------------------------------------------------------------------
    def search(self, query: NDArray[Any], *, k: int, exclude: Exclusion = None,
               strategy: Strategy = "auto") -> tuple[IntArray, FloatArray]:
        """The ``k`` best items for one query vector, best first, and their inner products;
        ``-1``/``-inf`` pad the end when fewer than ``k`` items are allowed. ``exclude`` (item
        indices or an ``n_items`` boolean mask) are never returned.

        >>> index = VectorIndex.build(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
        >>> index.search(np.array([1.0, 0.0]), k=2)[0].tolist()
        [0, 1]
        """
        vector = self._query(query)
        excluded = self._excluded(exclude)
        k = max(0, int(k))
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if strategy == "exact" or self._graph is None:
            return self._exact(vector, k, excluded)
        if strategy == "selector":
            return self._filtered(vector, k, excluded)
        if strategy == "overfetch":
            # The whole exclusion list in one window: the reference the cap is judged by.
            found = self._overfetch(vector, k, excluded, window=len(excluded))
            return found if found is not None else self._exact(vector, k, excluded)
        return self._auto(vector, k, excluded)

    def _auto(self, vector: NDArray[np.float32], k: int, excluded: IntArray
              ) -> tuple[IntArray, FloatArray]:
        route: str = self.plan(len(excluded))
        if route != "exact":
            window = min(len(excluded), self.config.overfetch_limit)
            found = self._overfetch(vector, k, excluded, window=window)
            if found is None and len(excluded) > window:
                route = "overfetch_wide"
                found = self._overfetch(vector, k, excluded,
                                        window=min(len(excluded), _WIDEN * window))
            if found is not None:
                self.route_counts[route] += 1
                return found
            route = "exact_fallback"
        self.route_counts[route] += 1
        return self._exact(vector, k, excluded)

    def search_exact(self, query: NDArray[Any], *, k: int, exclude: Exclusion = None
                     ) -> tuple[IntArray, FloatArray]:
        """Brute-force top ``k`` (the reference the HNSW path's recall is measured against)."""
        return self.search(query, k=k, exclude=exclude, strategy="exact")

    def recall_at_k(self, queries: NDArray[Any], *, k: int = 10,
                    exclude: Sequence[Exclusion] | None = None) -> float:
        """Mean share of the exact top ``k`` that ``search`` returns, over ``queries``
        (one per row; ``exclude[i]`` applies to row ``i``). 1.0 for an exact index.

        >>> VectorIndex.build(np.eye(4, dtype=np.float32)).recall_at_k(np.eye(4), k=2)
        1.0
        """
        matrix = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if exclude is not None and len(exclude) != len(matrix):
            raise ValueError("exclude needs one entry per query")
        shares: list[float] = []
        for row, vector in enumerate(matrix):
            excluded = None if exclude is None else exclude[row]
            truth = self.search_exact(vector, k=k, exclude=excluded)[0]
            truth = truth[truth >= 0]
            if not len(truth):
                continue
            found = self.search(vector, k=k, exclude=excluded)[0]
            shares.append(len(np.intersect1d(truth, found)) / len(truth))
        return float(np.mean(shares)) if shares else 1.0

    def _query(self, query: NDArray[Any]) -> NDArray[np.float32]:
        vector = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(-1))
        if len(vector) != self.dim:
            raise ValueError(f"query has {len(vector)} dimensions, the index {self.dim}")
        return vector

    def _excluded(self, exclude: Exclusion) -> IntArray:
        """Sorted unique excluded item indices."""
        if exclude is None:
            return np.zeros(0, dtype=np.int64)
        array = np.asarray(exclude)
        if array.dtype == np.bool_:
            if array.shape != (self.n_items,):
                raise ValueError(f"an exclusion mask needs {self.n_items} entries, "
                                 f"got {array.shape}")
            return np.flatnonzero(array).astype(np.int64)
        ids = array.astype(np.int64).reshape(-1)
        if not len(ids):
            return ids
        if ids.min() < 0 or ids.max() >= self.n_items:
            raise ValueError(f"excluded item out of range 0..{self.n_items - 1}")
        if len(ids) * 16 >= self.n_items:
            # A mask pass is O(n_items) and beats sorting once the list is this long
            # (numpy's hash-based unique took 0.5 s for 500k ids).
            mask = np.zeros(self.n_items, dtype=np.bool_)
            mask[ids] = True
            return np.flatnonzero(mask).astype(np.int64)
        ids = np.sort(ids)
        return ids[np.concatenate(([True], ids[1:] != ids[:-1]))]

    def _exact(self, vector: NDArray[np.float32], k: int, excluded: IntArray
               ) -> tuple[IntArray, FloatArray]:
        allowed_count = self.n_items - len(excluded)
        if self._graph is not None and allowed_count <= self.config.ann_threshold:
            # Few items left (a narrow filter): score only those.
            allowed = np.ones(self.n_items, dtype=np.bool_)
            allowed[excluded] = False
            items = np.flatnonzero(allowed).astype(np.int64)
            return _top_k(items, self._vectors[items] @ vector, k)
        scores = self._vectors @ vector
        if len(excluded):
            scores[excluded] = -np.inf
        return _top_k(np.arange(self.n_items, dtype=np.int64), scores, k)

    def _overfetch(self, vector: NDArray[np.float32], k: int, excluded: IntArray, *,
                   window: int) -> tuple[IntArray, FloatArray] | None:
        """Ask the graph for ``k + window`` items and drop the excluded; ``None`` when fewer
        than ``k`` (or all the allowed items) survive."""
        fetch = min(k + window, self.n_items)
        ef = max(self.config.ef_search, _EF_PER_FETCH * fetch)
        params = faiss.SearchParametersHNSW(efSearch=ef)
        with _omp_threads(1):
            scores, items = self._graph.search(vector[None, :], fetch, params=params)
        items, scores = items[0], scores[0]
        keep = items >= 0
        if len(excluded):
            keep &= ~np.isin(items, excluded)
        items, scores = items[keep], scores[keep]
        if len(items) < min(k, self.n_items - len(excluded)):
            return None
        return _pad(items, scores.astype(np.float64), k)

    def _filtered(self, vector: NDArray[np.float32], k: int, excluded: IntArray
                  ) -> tuple[IntArray, FloatArray]:
        """faiss's filtered search; the beam widens (×4, twice) while the filter leaves
        fewer than ``k`` results, and an exact search over the allowed items ends the
        chase."""
        selector = self._selector(excluded)
        wanted = min(k, self.n_items - len(excluded))
        ef = max(self.config.ef_search, k)
        for _ in range(3):
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=selector)
            with _omp_threads(1):
                scores, items = self._graph.search(vector[None, :], k, params=params)
            if int((items[0] >= 0).sum()) >= wanted:
                return _pad(items[0], scores[0].astype(np.float64), k)
            ef *= 4
        allowed = np.ones(self.n_items, dtype=np.bool_)
        allowed[excluded] = False
        items = np.flatnonzero(allowed).astype(np.int64)
        return _top_k(items, self._vectors[items] @ vector, k)

    def _selector(self, excluded: IntArray) -> Any:
        """Which items the filtered search may return. A hash set of the excluded items
        costs O(excluded); a bitmap of the allowed ones O(n_items / 8) bytes to build but
        is cheaper to probe, so it pays once the exclusions are many."""
        if len(excluded) * _BITMAP_RATIO < self.n_items:
            return faiss.IDSelectorNot(faiss.IDSelectorBatch(excluded))
        allowed = np.ones(self.n_items, dtype=np.bool_)
        allowed[excluded] = False
        # Bit i of byte i // 8, least significant first, is what IDSelectorBitmap reads.
        return faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little"))

    # ---- persistence -----------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (usually the model's own folder)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self._graph is None:
            with (folder / _VECTORS_FILE).open("wb") as handle:
                np.save(handle, self._vectors, allow_pickle=False)
            (folder / _GRAPH_FILE).unlink(missing_ok=True)
        else:
            faiss.write_index(self._graph, str(folder / _GRAPH_FILE))
            (folder / _VECTORS_FILE).unlink(missing_ok=True)
        manifest = {
            "format": _FORMAT,
            "kind": self.kind,
            "n_items": self.n_items,
            "dim": self.dim,
            "digest": self._digest,
            "config": asdict(self.config),
            "faiss": faiss.__version__,
        }
        (folder / INDEX_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True),
                                         "utf-8")

    @classmethod
    def load(cls, folder: Path, *, expect_digest: str | None = None) -> VectorIndex:
        """Read an index written by ``save``. With ``expect_digest`` (``VectorIndex.build``
        of the current model's vectors has it; so does ``digest_of``), an index built
        from other vectors is refused rather than served stale."""
        try:
            manifest = json.loads((folder / INDEX_FILE).read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ModelFormatError(f"{folder}: no {INDEX_FILE}; build the index") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            raise ModelFormatError(f"{folder / INDEX_FILE}: not a format-{_FORMAT} index")
        if expect_digest is not None and manifest.get("digest") != expect_digest:
            raise ModelFormatError(f"{folder}: the index was built from other item "
                                   "vectors; rebuild it")
        known = {field.name for field in fields(IndexConfig)}
        config = IndexConfig(**{key: value for key, value in manifest["config"].items()
                                if key in known})
        if manifest["kind"] == "exact":
            # Memory-mapped: several worker processes share the pages.
            vectors = np.load(folder / _VECTORS_FILE, mmap_mode="r", allow_pickle=False)
            return cls(vectors, config=config, digest=str(manifest["digest"]))
        graph = faiss.read_index(str(folder / _GRAPH_FILE))
        graph.hnsw.efSearch = config.ef_search
        return cls(_graph_vectors(graph), config=config, graph=graph,
                   digest=str(manifest["digest"]))

    @staticmethod
    def digest_of(vectors: NDArray[Any]) -> str:
        """The fingerprint ``load(expect_digest=...)`` compares."""
        return _digest(np.ascontiguousarray(vectors, dtype=np.float32))


def _graph_vectors(graph: Any) -> NDArray[np.float32]:
    """A zero-copy view of the vectors an ``IndexHNSWFlat`` stores (valid while ``graph``
    lives; the ``VectorIndex`` holds both)."""
    storage = faiss.downcast_index(graph.storage)
    flat = faiss.rev_swig_ptr(storage.get_xb(), graph.ntotal * graph.d)
    return np.asarray(flat, dtype=np.float32).reshape(graph.ntotal, graph.d)


def recommend_from_index(
    model: EmbeddingModel, index: VectorIndex, history: IntArray, *, k: int,
    exclude: IntArray | None = None, exclude_seen: bool = True,
) -> tuple[IntArray, FloatArray]:
    """``model.recommend`` for one customer, served from ``index`` (built from the same
    model): the history is folded into a query vector and the index finds the items.

    >>> # index = VectorIndex.from_model(als)
    >>> # recommend_from_index(als, index, np.array([3, 7]), k=10)
    """
    vector = model.query_vectors([np.asarray(history, dtype=np.int64)])[0]
    parts = [np.asarray(exclude, dtype=np.int64)] if exclude is not None else []
    if exclude_seen and len(history):
        parts.append(np.asarray(history, dtype=np.int64))
    excluded = np.concatenate(parts) if parts else None
    return index.search(vector, k=k, exclude=excluded)
