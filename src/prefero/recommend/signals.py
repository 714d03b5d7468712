"""Per-request score vectors over the whole catalog, each with what explains it.

Every vector has one entry per catalog position. Personal vectors stay at zero unless the
profile allows their use: that is how consent and the personalization level bind.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from prefero.recommend.catalog_index import CatalogIndex, FloatArray
from prefero.recommend.models import ModelView
from prefero.recommend.profile import CustomerProfile

__all__ = ["Signals", "compute_signals"]

# How much one past action says about what the customer wants next.
HISTORY_WEIGHTS = {"purchase": 1.0, "add_to_cart": 0.8, "rec_click": 0.6, "view": 0.5,
                   "rating": 0.7}
HISTORY_HALF_LIFE_DAYS = 14.0
SESSION_SECONDS = 30 * 60
NEW_ARRIVAL_DAYS = 30.0


@dataclass
class Signals:
    popularity: FloatArray
    trending: FloatArray
    newness: FloatArray
    declared: FloatArray
    behaviour: FloatArray
    page: FloatArray
    # provenance for explanations: item → (code, anchor product position)
    behaviour_seed: dict[int, tuple[str, int]] = field(default_factory=dict)
    page_seed: dict[int, tuple[str, int]] = field(default_factory=dict)
    liked: dict[int, list[tuple[str, str, float]]] = field(default_factory=dict)
    affinity_label: dict[int, str] = field(default_factory=dict)


def _normalised(values: FloatArray) -> FloatArray:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values


def compute_signals(
    index: CatalogIndex, model: ModelView, profile: CustomerProfile, *,
    anchors: list[int], now: float | None = None,
) -> Signals:
    """Compute every score vector for one request. ``anchors``: the page's products."""
    now = now if now is not None else time.time()
    n = index.size
    age_days = (now - index.created_ts) / 86400.0
    newness = np.clip(1.0 - age_days / NEW_ARRIVAL_DAYS, 0.0, 1.0)
    signals = Signals(
        popularity=_normalised(np.log1p(model.popularity)),
        trending=_normalised(model.trending),
        newness=newness,
        declared=np.zeros(n),
        behaviour=np.zeros(n),
        page=np.zeros(n),
    )
    if profile.uses_declared:
        _declared(index, profile, signals)
    if profile.uses_behaviour and profile.history:
        _behaviour(index, model, profile, signals, now)
    if anchors:
        _page(index, model, anchors, signals)
    return signals


def _declared(index: CatalogIndex, profile: CustomerProfile, signals: Signals) -> None:
    for facet, value, weight in profile.likes:
        mask = index.mask_for(facet, value)
        signals.declared[mask] += weight
        if weight > 0:
            for hit in np.flatnonzero(mask).tolist():
                signals.liked.setdefault(hit, []).append((facet, value, weight))
    # A "not for me" softly lowers the item's brand and category, never below a mild dislike.
    if profile.dismissed:
        penalty = np.zeros(index.size)
        for product_id in profile.dismissed:
            position = index.position.get(product_id)
            if position is None:
                continue
            penalty[index.brand_code == index.brand_code[position]] += 0.05
            penalty[index.leaf_code == index.leaf_code[position]] += 0.05
        signals.declared -= np.minimum(penalty, 0.3)


def _behaviour(index: CatalogIndex, model: ModelView, profile: CustomerProfile,
               signals: Signals, now: float) -> None:
    seeds: dict[int, tuple[float, str]] = {}
    brand_affinity: dict[int, float] = {}
    leaf_affinity: dict[int, float] = {}
    decay = math.log(2) / HISTORY_HALF_LIFE_DAYS
    for item in profile.history:
        position = index.position.get(item.product_id)
        if position is None:
            continue
        age = max(now - item.occurred_at.timestamp(), 0.0)
        weight = HISTORY_WEIGHTS.get(item.type, 0.3) * math.exp(-decay * age / 86400.0)
        if profile.uses_context and age <= SESSION_SECONDS:
            weight *= 3.0  # what they look at right now says most about right now
        previous = seeds.get(position)
        if previous is None or previous[0] < weight:
            seeds[position] = (weight, item.type)
        brand_affinity[int(index.brand_code[position])] = (
            brand_affinity.get(int(index.brand_code[position]), 0.0) + weight)
        leaf_affinity[int(index.leaf_code[position])] = (
            leaf_affinity.get(int(index.leaf_code[position]), 0.0) + weight)
    session = _session_items(profile, index, now) if profile.uses_context else set()
    best = np.zeros(index.size)
    for seed, (weight, kind) in seeds.items():
        for matrix, code in (("purchase", "co_purchase"), ("view", "co_view")):
            if matrix == "purchase" and kind not in ("purchase", "add_to_cart"):
                continue
            neighbours, scores = model.neighbours(seed, matrix)
            contribution = scores * weight
            signals.behaviour[neighbours] += contribution
            for target, value in zip(neighbours.tolist(), contribution.tolist(), strict=True):
                if value > best[target]:
                    best[target] = value
                    signals.behaviour_seed[target] = (
                        "session_context" if seed in session else code, seed)
    affinity = np.zeros(index.size)
    if brand_affinity:
        top_brand = max(brand_affinity.values())
        for brand, value in brand_affinity.items():
            affinity[index.brand_code == brand] += 0.5 * value / top_brand
    if leaf_affinity:
        top_leaf = max(leaf_affinity.values())
        for leaf, value in leaf_affinity.items():
            affinity[index.leaf_code == leaf] += 0.5 * value / top_leaf
    co = _normalised(signals.behaviour)
    signals.behaviour = 0.7 * co + 0.3 * _normalised(affinity)
    for target in np.flatnonzero((affinity > 0) & (co == 0)).tolist():
        signals.affinity_label[target] = index.leaf_names[int(index.leaf_code[target])]
    for seed in seeds:
        signals.behaviour[seed] *= 0.3  # seen already: still possible, not first in line


def _session_items(profile: CustomerProfile, index: CatalogIndex, now: float) -> set[int]:
    return {
        index.position[item.product_id]
        for item in profile.history
        if item.product_id in index.position
        and now - item.occurred_at.timestamp() <= SESSION_SECONDS
    }


def _page(index: CatalogIndex, model: ModelView, anchors: list[int], signals: Signals) -> None:
    """Non-personal context: items related to the product(s) on the page, the same for every
    visitor (aggregate co-occurrence plus attribute similarity)."""
    best = np.zeros(index.size)
    for anchor in anchors:
        for matrix, code, scale in (("purchase", "complement", 1.0), ("view", "similar", 0.6)):
            neighbours, scores = model.neighbours(anchor, matrix)
            contribution = _normalised(scores.astype(np.float64)) * scale
            signals.page[neighbours] += contribution
            for target, value in zip(neighbours.tolist(), contribution.tolist(), strict=True):
                if value > best[target]:
                    best[target] = value
                    signals.page_seed[target] = (code, anchor)
        similar = _attribute_similarity(index, anchor)
        signals.page += 0.5 * similar
        for target in np.flatnonzero(similar > best):
            best[target] = similar[target]
            signals.page_seed[int(target)] = ("similar", anchor)
    signals.page = _normalised(signals.page)


def _attribute_similarity(index: CatalogIndex, anchor: int) -> FloatArray:
    """Same leaf category first, then shared facet values (style, brand, colour...)."""
    same_leaf = index.leaf_code == index.leaf_code[anchor]
    score = np.where(same_leaf, 0.6, 0.0)
    anchor_values = [pair for pair in index.values_of(anchor) if pair[0] != "category"]
    if anchor_values:
        shared = np.zeros(index.size)
        for facet, value in anchor_values:
            shared += index.mask_for(facet, value)
        score += np.where(same_leaf, 0.4 * shared / len(anchor_values), 0.0)
    score[anchor] = 0.0
    return score
