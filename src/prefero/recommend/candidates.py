"""Candidate sources: each proposes items it has a reason for; the union goes on."""

from __future__ import annotations

import numpy as np

from prefero.recommend.catalog_index import BoolArray, FloatArray, IntArray
from prefero.recommend.config import CandidatesConfig
from prefero.recommend.signals import Signals, positions_union

__all__ = ["first_allowed", "gather_candidates", "top_in_order", "top_positions"]


def top_positions(values: FloatArray, allowed: BoolArray, k: int, *,
                  at: IntArray | None = None) -> np.ndarray:
    """Positions of the ``k`` largest positive values among allowed items. ``at``: the
    ascending positions outside which ``values`` is zero (read instead of the catalogue;
    the same items come out).

    >>> values = np.array([0.0, 0.4, 0.0, 0.9, 0.2])
    >>> allowed = np.array([True, True, True, False, True])
    >>> sorted(top_positions(values, allowed, 2).tolist())
    [1, 4]
    >>> sorted(top_positions(values, allowed, 2, at=np.array([1, 3, 4])).tolist())
    [1, 4]
    """
    if at is None:
        eligible = np.flatnonzero(allowed & (values > 0))
    else:
        eligible = at[allowed[at] & (values[at] > 0)]
    if k <= 0 or eligible.size == 0:
        return eligible[:0]
    if eligible.size > k:
        part = np.argpartition(-values[eligible], k - 1)[:k]
        eligible = eligible[part]
    return eligible


def top_in_order(order: IntArray, values: FloatArray, allowed: BoolArray, k: int) -> IntArray:
    """``top_positions`` read from ``order`` (every position by ``values``, best first):
    the ``k`` best allowed, ties at the ``k``-th value to the first in ``order``.

    >>> values = np.array([0.5, 0.9, 0.0, 0.9])
    >>> top_in_order(np.array([1, 3, 0, 2]), values, np.array([True, False, True, True]),
    ...              3).tolist()
    [3, 0]
    """
    head = first_allowed(order, allowed, k)
    result: IntArray = head[values[head] > 0]
    return result


def first_allowed(order: IntArray, allowed: BoolArray, k: int) -> IntArray:
    """The first ``k`` items of ``order`` that ``allowed`` lets through, looked up in growing
    slices: usually the first few hundred are enough, and a lookup over a whole shuffled
    catalogue costs more than the sort it replaces.

    >>> first_allowed(np.array([4, 0, 3, 1, 2]), np.array([True, False, True, True, False]),
    ...               2).tolist()
    [0, 3]
    """
    found: list[IntArray] = []
    count, start, step = 0, 0, max(4 * k, 256)
    while count < k and start < order.size:
        chunk = order[start:start + step]
        kept = chunk[allowed[chunk]]
        found.append(kept)
        count += kept.size
        start += step
        step *= 4
    result: IntArray = np.concatenate(found)[:max(k, 0)] if found else order[:0]
    return result


def gather_candidates(signals: Signals, allowed: BoolArray, config: CandidatesConfig, *,
                      orders: tuple[IntArray, IntArray], newest: IntArray) -> IntArray:
    """Declared match, behaviour (co-occurrence), page context, popularity, trending and
    new arrivals — only among items the constraints allow — as ascending positions.
    ``orders``: the catalogue by popularity and by trending, best first
    (``ModelView.editorial_order``), and ``newest``: newest first
    (``CatalogIndex.newest_first``, the order of newness), which the three sources the
    same for every request are read from instead of sorted. The other sources read their
    signal's support."""
    found: list[IntArray] = []
    for values, at, k in (
        (signals.declared, signals.declared_at, config.declared),
        (signals.behaviour, signals.behaviour_at, config.behaviour),
        (signals.page, signals.page_at, config.page),
    ):
        found.append(top_positions(values, allowed, k, at=at))
    for values, k, order in ((signals.popularity, config.popular, orders[0]),
                             (signals.trending, config.trending, orders[1]),
                             (signals.newness, config.new_arrivals, newest)):
        found.append(top_in_order(order, values, allowed, k))
    chosen = positions_union(found, size=allowed.size)
    if not chosen.size:
        # A fresh shop with no behaviour and no likes: anything allowed, newest first.
        chosen = np.sort(top_positions(signals.newness + 1e-6, allowed, config.popular))
    return chosen
