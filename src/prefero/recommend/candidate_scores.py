"""The models' scores after one history, worked out at a candidate set instead of over the
whole catalogue: what a large catalogue's request path reads (``ModelView.candidate_k``).

``followers.lifted`` puts each model's row on one scale: standardised by the row's mean and
spread over every item, cut at zero, scaled to a maximum of 1. None of the three needs the
whole row:

- an item-to-item model's row is a sparse part (the items that followed the history's own)
  plus the per-item tie-break; the mean and spread follow from the sparse part and the
  tie-break's precomputed sums, and the items above the mean are the sparse part's and the
  tie-break's best, read from its precomputed order. So it is exact, up to rounding;
- a factorisation's row is ``q · v_i`` plus the tie-break; its mean and spread follow from
  the item vectors' mean and second-moment matrix (and their products with the tie-break),
  computed once per model, and its best items come from the model's vector index (an HNSW
  graph, ``prefero.models.serving``). Only those ``k`` items get a score: the rest of the
  catalogue, which the full row lifts a little where it sits above the mean, gets none, and
  the graph's recall decides which of the best it finds. That is the deliberate difference
  of this path, measured in docs/benchmarks.md;
- any other model is scored over the catalogue as before, its best ``k`` kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from prefero.models import ItemRecommender
from prefero.models.cooccurrence import CoOccurrence, Transitions
from prefero.models.mf import ALS, BPR
from prefero.models.serving import VectorIndex
from prefero.recommend.catalog_index import FloatArray, IntArray

__all__ = ["ModelRows", "Row", "lifted_at"]

#: Item vectors summed per step while the moments are computed (bounds the float64 copy).
_CHUNK = 16_384


@dataclass(frozen=True)
class Row:
    """One model's score row after one history: its mean and spread over every item, the
    items that may stand above the mean, and the raw score of any item."""

    mean: float
    spread: float
    candidates: IntArray
    at: Callable[[IntArray], FloatArray]


def lifted_at(rows: Sequence[Row], *, extra: IntArray | None = None,
              weights: Sequence[float] | None = None) -> tuple[IntArray, FloatArray]:
    """The models' ``lifted`` scores averaged with ``weights`` (one per row; equal when
    ``None``: ``followers.mean_lifted``'s arithmetic), at the union of their candidates (and
    ``extra``, items the caller needs read): ascending items and their scores. An item
    outside every candidate set scores 0.

    >>> row = Row(0.0, 1.0, np.array([2, 0]), lambda items: np.array([3.0, 1.0, -1.0])[items])
    >>> [values.tolist() for values in lifted_at([row])]
    [[0, 2], [1.0, 0.0]]
    """
    parts = [row.candidates for row in rows]
    if extra is not None:
        parts.append(np.asarray(extra, dtype=np.int64))
    items = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    total = np.zeros(items.size)
    if not rows or not items.size:
        return items, total
    shares = [1.0] * len(rows) if weights is None else [float(w) for w in weights]
    if len(shares) != len(rows):
        raise ValueError(f"{len(rows)} rows, {len(shares)} weights")
    for row, weight in zip(rows, shares, strict=True):
        standard = (row.at(items) - row.mean) / (row.spread if row.spread > 0 else 1.0)
        np.maximum(standard, 0.0, out=standard)
        top = float(standard.max())
        if top > 0:
            standard /= top
        if weight != 1.0:
            standard *= weight
        total += standard
    weight_sum = sum(shares)
    total /= weight_sum if weight_sum > 0 else 1.0
    return items, total


class _Tiebreak:
    """A tie-break's sums and its order, best first."""

    def __init__(self, values: FloatArray) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.total = float(self.values.sum())
        self.squares = float(np.square(self.values).sum())
        self.order = np.argsort(-self.values, kind="stable")

    def above(self, threshold: float, *, k: int) -> IntArray:
        """At most ``k`` of the best items whose tie-break exceeds ``threshold``."""
        count = int(np.count_nonzero(self.values[self.order[:k]] > threshold))
        result: IntArray = self.order[:count]
        return result


class _ItemToItemRow:
    def __init__(self, model: Transitions | CoOccurrence) -> None:
        self.model = model
        self.tiebreak = _Tiebreak(model.tiebreak)

    def row(self, history: IntArray, *, k: int) -> Row:
        reached, values = self.model.sparse_row(history)
        n = self.model.n_items
        t = self.tiebreak.values
        raw = values + t[reached]
        mean = (float(values.sum()) + self.tiebreak.total) / n
        squares = float(np.square(raw).sum()) + self.tiebreak.squares - float(
            np.square(t[reached]).sum())
        spread = float(np.sqrt(max(squares / n - mean * mean, 0.0)))
        # Only the best k of the items the tie-break alone lifts: with a history the models
        # know, the mean stands above every tie-break and there are none.
        candidates = np.concatenate([reached[raw > mean], self.tiebreak.above(mean, k=k)])
        order = np.argsort(reached)
        keys, known = reached[order], raw[order]

        def at(items: IntArray) -> FloatArray:
            values = t[items].copy()
            if keys.size:
                found = np.minimum(np.searchsorted(keys, items), keys.size - 1)
                hit = keys[found] == items
                values[hit] = known[found[hit]]
            result: FloatArray = values
            return result

        return Row(mean, spread, candidates, at)


class _FactorRow:
    def __init__(self, model: ALS | BPR, index: VectorIndex | None) -> None:
        self.model = model
        self.index = index
        self.tiebreak = _Tiebreak(model.tiebreak)

    @cached_property
    def moments(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The item vectors' mean, second-moment matrix and mean product with the
        tie-break: a row's mean is ``q · mean + mean(t)``, its mean square
        ``q' M q + 2 q · cross + mean(t²)``."""
        vectors = self.model.item_vectors()
        n, d = vectors.shape
        total, second, cross = np.zeros(d), np.zeros((d, d)), np.zeros(d)
        t = self.tiebreak.values
        for start in range(0, n, _CHUNK):
            block = np.asarray(vectors[start:start + _CHUNK], dtype=np.float64)
            total += block.sum(axis=0)
            second += block.T @ block
            cross += t[start:start + _CHUNK] @ block
        return total / max(n, 1), second / max(n, 1), cross / max(n, 1)

    def row(self, history: IntArray, *, k: int) -> Row:
        query = np.asarray(self.model.query_vectors([history])[0], dtype=np.float64)
        n = self.model.n_items
        mean_vector, second, cross = self.moments
        mean = float(query @ mean_vector) + self.tiebreak.total / n
        squares = float(query @ second @ query + 2.0 * query @ cross) + (
            self.tiebreak.squares / n)
        spread = float(np.sqrt(max(squares - mean * mean, 0.0)))
        vectors = self.model.item_vectors()
        if not query.any():
            # Every item scores its tie-break alone: its order is the row's.
            candidates = self.tiebreak.above(mean, k=k)
        elif self.index is not None:
            found = self.index.search(query.astype(np.float32), k=k)[0]
            candidates = found[found >= 0]
        else:
            raw = vectors @ query.astype(np.float32)
            candidates = (np.argpartition(-raw, min(k, n) - 1)[:k] if n
                          else np.zeros(0, dtype=np.int64))
        t = self.tiebreak.values

        def at(items: IntArray) -> FloatArray:
            values = np.asarray(vectors[items], dtype=np.float64) @ query
            result: FloatArray = values + t[items]
            return result

        return Row(mean, spread, np.asarray(candidates, dtype=np.int64), at)


class _DenseRow:
    def __init__(self, model: ItemRecommender) -> None:
        self.model = model

    def row(self, history: IntArray, *, k: int) -> Row:
        raw = np.asarray(self.model.score([history])[0], dtype=np.float64)
        mean = float(raw.mean())
        spread = float(np.sqrt(np.mean(np.square(raw - mean))))
        count = min(k, raw.size)
        candidates = np.argpartition(-raw, count - 1)[:count] if count else raw[:0]
        return Row(mean, spread, np.asarray(candidates, dtype=np.int64), lambda items: raw[items])


class ModelRows:
    """Each model's ``Row`` after a history, with what every row needs precomputed once per
    model (the tie-break's order, the item vectors' moments) and kept for the models' life.

    >>> # rows = ModelRows(models, artefacts.vector_indexes, weights=[1.0, 0.5])
    >>> # lifted_at(rows.rows([12, 40], k=300), weights=rows.weights)
    """

    def __init__(self, models: dict[str, ItemRecommender],
                 indexes: dict[str, VectorIndex], *,
                 weights: Sequence[float] | None = None) -> None:
        #: Each model's weight in the average (``lifted_at``), in ``models``' order.
        self.weights: tuple[float, ...] = (tuple(1.0 for _ in models) if weights is None
                                           else tuple(float(w) for w in weights))
        if len(self.weights) != len(models):
            raise ValueError(f"{len(models)} models, {len(self.weights)} weights")
        self._rows: list[_ItemToItemRow | _FactorRow | _DenseRow] = []
        for name, model in models.items():
            if isinstance(model, Transitions | CoOccurrence):
                self._rows.append(_ItemToItemRow(model))
            elif isinstance(model, ALS | BPR):
                self._rows.append(_FactorRow(model, indexes.get(name)))
            else:
                self._rows.append(_DenseRow(model))

    def prepare(self) -> None:
        """Work out now what the first rows would (the factorisations' moments: a pass over
        every item vector), so that no request pays for it."""
        for row in self._rows:
            if isinstance(row, _FactorRow):
                _ = row.moments

    def rows(self, history: IntArray, *, k: int) -> list[Row]:
        return [row.row(np.asarray(history, dtype=np.int64), k=k) for row in self._rows]
