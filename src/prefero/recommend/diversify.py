"""Diversification: maximal marginal relevance with a per-category cap, and the labelled
exploration slot that keeps a list from becoming a bubble."""

from __future__ import annotations

import hashlib

import numpy as np

from prefero.recommend.catalog_index import BoolArray, CatalogIndex, FloatArray
from prefero.recommend.config import DiversifyConfig, ExplorationConfig

__all__ = ["mmr", "pick_exploration"]


def _similarity(index: CatalogIndex, a: int, b: np.ndarray) -> FloatArray:
    same_leaf = index.leaf_code[b] == index.leaf_code[a]
    same_brand = (index.brand_code[b] == index.brand_code[a])
    same_vertical = index.vertical_code[b] == index.vertical_code[a]
    result: FloatArray = 0.5 * same_leaf + 0.3 * same_brand + 0.2 * same_vertical
    return result


def mmr(index: CatalogIndex, ranked: np.ndarray, scores: FloatArray, *, n: int,
        config: DiversifyConfig) -> list[int]:
    """Greedy MMR over the best ``n × pool`` candidates (``ranked`` is best-first).

    Picks argmax λ·relevance − (1−λ)·max-similarity-to-picked, never more than
    ``category_cap`` from one leaf category unless nothing else is left.
    """
    pool = ranked[: n * config.pool]
    if pool.size == 0:
        return []
    rel = scores[pool]
    span = float(rel.max() - rel.min())
    rel = (rel - rel.min()) / span if span > 0 else np.ones_like(rel)
    max_sim = np.zeros(pool.size)
    taken = np.zeros(pool.size, dtype=bool)
    per_leaf: dict[int, int] = {}
    picked: list[int] = []
    lam = config.mmr_lambda
    while len(picked) < min(n, pool.size):
        value = lam * rel - (1 - lam) * max_sim
        value[taken] = -np.inf
        capped = np.array([per_leaf.get(int(index.leaf_code[p]), 0) >= config.category_cap
                           for p in pool])
        if (~capped & ~taken).any():
            value[capped] = -np.inf
        best = int(np.argmax(value))
        taken[best] = True
        position = int(pool[best])
        picked.append(position)
        leaf = int(index.leaf_code[position])
        per_leaf[leaf] = per_leaf.get(leaf, 0) + 1
        max_sim = np.maximum(max_sim, _similarity(index, position, pool))
    return picked


def pick_exploration(index: CatalogIndex, allowed: BoolArray, chosen: list[int],
                     appeal: FloatArray, *, seed_text: str, config: ExplorationConfig
                     ) -> int | None:
    """An allowed, well-liked item from a category the list does not show yet.

    The choice among the ``pool`` most appealing such items varies by ``seed_text`` (the
    customer and the day), so the slot explores without being random per request.
    """
    outside = allowed.copy()
    outside[chosen] = False
    shown_leaves = {int(index.leaf_code[p]) for p in chosen}
    shown_verticals = {int(index.vertical_code[p]) for p in chosen}
    for exclude_codes, codes in ((shown_verticals, index.vertical_code),
                                 (shown_leaves, index.leaf_code)):
        fresh = outside & ~np.isin(codes, list(exclude_codes))
        candidates = np.flatnonzero(fresh)
        if candidates.size:
            order = candidates[np.argsort(-appeal[candidates], kind="stable")][: config.pool]
            digest = hashlib.sha256(seed_text.encode()).digest()
            return int(order[int.from_bytes(digest[:4], "big") % order.size])
    return None
