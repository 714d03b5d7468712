"""Diversification: maximal marginal relevance with a per-category cap, turns among the
customer's liked values on home rows (so one strong like does not fill the row), and the
labelled exploration slot that keeps a list from becoming a bubble."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from prefero.recommend.candidates import first_allowed
from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray, IntArray
from prefero.recommend.config import DiversifyConfig, ExplorationConfig
from prefero.recommend.interests import Interest, carries

__all__ = ["mmr", "pick_exploration"]


def _similarity(index: CatalogIndex, a: int, b: np.ndarray) -> FloatArray:
    same_leaf = index.leaf_code[b] == index.leaf_code[a]
    same_brand = (index.brand_code[b] == index.brand_code[a])
    same_vertical = index.vertical_code[b] == index.vertical_code[a]
    result: FloatArray = 0.5 * same_leaf + 0.3 * same_brand + 0.2 * same_vertical
    return result


def mmr(index: CatalogIndex, ranked: np.ndarray, scores: FloatArray, *, n: int,
        config: DiversifyConfig, interests: Sequence[Interest] = ()) -> list[int]:
    """Greedy MMR over the best ``n × pool`` candidates (``ranked`` is best-first).

    Picks argmax λ·relevance − (1−λ)·max-similarity-to-picked, never more than
    ``category_cap`` from one leaf category unless nothing else is left.

    With ``interests`` (two or more liked values; home rows), the pool also holds each
    value's best candidates from further down (``interest_reach``), and the first
    ``interest_share`` of the row takes turns among the values: each of those picks brings a
    value the row does not show yet (the most liked weight first, then MMR's order); once
    the pool has nothing new to bring, another round begins. Only items of ``ranked`` are
    ever picked, so constraints applied before hold.

    >>> from types import SimpleNamespace
    >>> from prefero.recommend.config import DiversifyConfig
    >>> index = SimpleNamespace(leaf_code=np.array([0, 0, 0, 1]),
    ...                         brand_code=np.array([0, 0, 0, 1]),
    ...                         vertical_code=np.array([0, 0, 0, 1]))
    >>> scores, ranked = np.array([4.0, 3.9, 3.8, 1.0]), np.arange(4)
    >>> config = DiversifyConfig(pool=1, category_cap=3, interest_share=1.0)
    >>> mmr(index, ranked, scores, n=3, config=config)
    [0, 1, 2]
    >>> liked = [Interest("brand", "a", 1.0, np.array([0, 1, 2])),
    ...          Interest("brand", "b", 0.5, np.array([3]))]
    >>> mmr(index, ranked, scores, n=3, config=config, interests=liked)
    [0, 3, 1]
    """
    if len(interests) < 2:
        interests = ()  # one liked value is no breadth to keep: relevance already follows it
    head = min(n * config.pool, ranked.size)
    pool = _widened(ranked, head, interests, depth=config.interest_reach(n))
    if pool.size == 0:
        return []
    # Relevance is scaled on the head, so that what the interests add from further down
    # leaves the ordinary trade-off between relevance and similarity as it was.
    top = scores[ranked[:head]]
    low, span = float(top.min()), float(top.max() - top.min())
    rel = ((scores[pool] - low) / span if span > 0
           else (scores[pool] >= low).astype(np.float64))
    leaves, leaf_of = np.unique(index.leaf_code[pool], return_inverse=True)
    per_leaf = np.zeros(leaves.size, dtype=np.int64)
    turns = _Turns(pool, interests, slots=config.interest_slots(n))
    max_sim = np.zeros(pool.size)
    taken = np.zeros(pool.size, dtype=bool)
    picked: list[int] = []
    lam = config.mmr_lambda
    while len(picked) < min(n, pool.size):
        value = lam * rel - (1 - lam) * max_sim
        value[taken] = -np.inf
        capped = per_leaf[leaf_of] >= config.category_cap
        if (~capped & ~taken).any():
            value[capped] = -np.inf
        best = int(np.argmax(turns.steer(value)))
        taken[best] = True
        position = int(pool[best])
        picked.append(position)
        per_leaf[leaf_of[best]] += 1
        turns.took(best)
        max_sim = np.maximum(max_sim, _similarity(index, position, pool))
    return picked


def _widened(ranked: np.ndarray, head: int, interests: Sequence[Interest], *, depth: int
             ) -> np.ndarray:
    """The head of ``ranked`` and, after it, each interest's ``depth`` best items from the
    rest (still in ``ranked``'s order)."""
    if not interests or depth <= 0 or head >= ranked.size:
        return ranked[:head]
    rest = ranked[head:]
    further = np.unique(np.concatenate(
        [np.flatnonzero(carries(interest, rest))[:depth] for interest in interests]))
    return np.concatenate([ranked[:head], rest[further]])


class _Turns:
    """The liked values taking turns in the first picks of a row (see ``mmr``)."""

    def __init__(self, pool: np.ndarray, interests: Sequence[Interest], *, slots: int) -> None:
        self.carries = np.zeros((pool.size, len(interests)), dtype=bool)
        for column, interest in enumerate(interests):
            self.carries[:, column] = carries(interest, pool)
        weights = np.array([interest.weight for interest in interests], dtype=np.float64)
        self.weights = weights / weights.max() if weights.size else weights
        self.shown = np.zeros(len(interests), dtype=bool)
        self.left = slots if interests else 0

    def steer(self, value: FloatArray) -> FloatArray:
        """``value`` restricted to the items bringing a value not shown yet (and raised by
        the liked weight they bring), or unchanged when the turns are over."""
        if self.left <= 0:
            return value
        open_ = np.isfinite(value)
        gain = self.carries[:, ~self.shown] @ self.weights[~self.shown]
        if not (open_ & (gain > 0)).any() and self.shown.any():
            self.shown[:] = False  # every value the pool can show is shown: a new round
            gain = self.carries @ self.weights
        bringing = open_ & (gain > 0)
        if not bringing.any():
            self.left = 0
            return value
        self.left -= 1
        steered: FloatArray = np.where(bringing, value + gain, -np.inf)
        return steered

    def took(self, best: int) -> None:
        self.shown |= self.carries[best]


def pick_exploration(index: CatalogIndex, allowed: BoolArray, chosen: list[int], *,
                     order: IntArray, seed_text: str, config: ExplorationConfig
                     ) -> int | None:
    """An allowed, well-liked item from a category the list does not show yet.

    ``order`` is every position by appeal (popularity and trending), best first, ties in
    position order (``ModelView.editorial_order``): the most appealing are read from it
    rather than sorted out of the catalogue. The choice among the ``pool`` most appealing
    such items varies by ``seed_text`` (the customer and the day), so the slot explores
    without being random per request.
    """
    outside = allowed.copy()
    outside[chosen] = False
    # A department the list does not show, else a leaf category: whole groups taken out of
    # ``outside`` rather than every item's code gathered over the catalogue.
    away = outside.copy()
    for code in {int(index.vertical_code[p]) for p in chosen}:
        away &= ~index.vertical_masks[code]
    best = first_allowed(order, away, config.pool)
    if not best.size:
        away = outside
        for code in {int(index.leaf_code[p]) for p in chosen}:
            away[index.in_leaf(code)] = False
        best = first_allowed(order, away, config.pool)
    if not best.size:
        return None
    digest = hashlib.sha256(seed_text.encode()).digest()
    return int(best[int.from_bytes(digest[:4], "big") % best.size])
