"""Per-request score vectors over the whole catalog, and what explains them.

Every vector has one entry per catalog position. Personal vectors stay at zero unless the
profile allows their use: that is how consent and the personalization level bind. Which seed
product lifted which item is kept as flat arrays and only looked up for the few items shown.

Most vectors are zero nearly everywhere in a large catalogue (the items a customer's likes,
history or page reach). Each keeps its *support*, the ascending positions outside which it is
zero, and is written only there: the later stages (candidate sources, scoring) read the
support instead of passing over the catalogue, with the same values item by item.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from prefero.recommend.catalog_index import CatalogIndex, FloatArray, IntArray
from prefero.recommend.followers import FOLLOWERS_K
from prefero.recommend.models import ModelView
from prefero.recommend.profile import CustomerProfile

__all__ = ["Provenance", "Signals", "compute_signals"]

# How much one past action says about what the customer wants next.
HISTORY_WEIGHTS = {"purchase": 1.0, "add_to_cart": 0.8, "rec_click": 0.6, "view": 0.5,
                   "rating": 0.7}
HISTORY_HALF_LIFE_DAYS = 14.0
SESSION_SECONDS = 30 * 60
#: Most recent distinct products whose own model predictions explain a recommendation.
ATTRIBUTION_SEEDS = 10
#: Followers per seed that may carry its "often chosen after" (the depth training works
#: followers out at, so that the request path reads them from the artefact).
ATTRIBUTION_TARGETS = FOLLOWERS_K
#: The trained models' part of the behaviour signal (the rest: co-occurrence, affinity).
MODEL_SHARE = 0.45
#: What shoppers with the same declared preferences went on to choose (the ``declared``
#: model), as a share of the declared signal; each liked value an item carries counts its
#: own weight (1 by default), so a match still comes first.
PEER_SHARE = 0.5
NEW_ARRIVAL_DAYS = 30.0
#: Most observed successors of a page's product that may be "also chosen" with it.
ALSO_CHOSEN_TOP = FOLLOWERS_K


@dataclass
class Provenance:
    """Contributions (target item ← source item, value, reason code) collected while scoring:
    kept as the chunks they were added in, and flattened once, when an item is explained."""

    #: (targets, source or one per target, values, code or one per target)
    _chunks: list[tuple[IntArray, int | IntArray, FloatArray, int | IntArray]] = field(
        default_factory=list)
    code_names: list[str] = field(default_factory=list)
    _frozen: tuple[IntArray, IntArray, FloatArray, IntArray] | None = None

    def _code(self, name: str) -> int:
        if name not in self.code_names:
            self.code_names.append(name)
        return self.code_names.index(name)

    def add(self, targets: IntArray, source: int, values: FloatArray, code: str) -> None:
        if targets.size == 0:
            return
        self._chunks.append((targets, source, values, self._code(code)))
        self._frozen = None

    def add_many(self, targets: IntArray, sources: IntArray, values: FloatArray,
                 codes: IntArray, *, names: Sequence[str]) -> None:
        """Contributions of several sources at once: target ``i`` from ``sources[i]``, for
        the reason ``names[codes[i]]``, ranked as if added one source at a time in order."""
        if targets.size == 0:
            return
        ours = np.array([self._code(name) for name in names], dtype=np.int64)
        self._chunks.append((targets, sources, values, ours[codes]))
        self._frozen = None

    def best(self, position: int) -> tuple[str, int] | None:
        """The strongest (code, source position) behind ``position``, if any."""
        if not self._chunks:
            return None
        if self._frozen is None:
            self._frozen = (
                np.concatenate([targets for targets, _, _, _ in self._chunks]),
                np.concatenate([_each(source, targets.size)
                                for targets, source, _, _ in self._chunks]),
                np.concatenate([values for _, _, values, _ in self._chunks]),
                np.concatenate([_each(code, targets.size)
                                for targets, _, _, code in self._chunks]))
        targets, sources, values, codes = self._frozen
        hits = np.flatnonzero(targets == position)
        if hits.size == 0:
            return None
        top = hits[int(np.argmax(values[hits]))]
        return self.code_names[int(codes[top])], int(sources[top])


def _each(value: int | IntArray, size: int) -> IntArray:
    """``value`` for each of ``size`` entries (an array already is one per entry)."""
    if isinstance(value, np.ndarray):
        return value
    return np.full(size, value, dtype=np.int64)


#: A support that is no item (the vector is zero everywhere); read-only, shared.
NOWHERE: IntArray = np.zeros(0, dtype=np.int64)
NOWHERE.flags.writeable = False


def _nowhere() -> IntArray | None:
    return NOWHERE


@dataclass
class Signals:
    popularity: FloatArray
    trending: FloatArray
    newness: FloatArray
    declared: FloatArray
    behaviour: FloatArray
    page: FloatArray
    affinity: FloatArray
    behaviour_from: Provenance = field(default_factory=Provenance)
    page_from: Provenance = field(default_factory=Provenance)
    session_items: frozenset[int] = frozenset()
    #: The ``declared`` model's part of ``declared`` (before ``PEER_SHARE``), if any.
    peers: FloatArray | None = None
    #: The supports of ``declared``, ``behaviour`` and ``page`` (ascending positions, the
    #: vector zero elsewhere); ``None``: anywhere (a dense model's scores, a wide reach).
    declared_at: IntArray | None = field(default_factory=_nowhere)
    behaviour_at: IntArray | None = field(default_factory=_nowhere)
    page_at: IntArray | None = field(default_factory=_nowhere)


#: A support reaching more than this share of the catalogue is not kept: reading the whole
#: vector then costs less than sorting and gathering the positions.
DENSE_SHARE = 1 / 16
#: Positions are united in a catalogue-long mask where the catalogue is at most this many
#: times their number (a pass over it then costs less than sorting them), else sorted.
_MASK_RATIO = 32


def union(parts: Sequence[IntArray | None], *, size: int) -> IntArray | None:
    """The ascending union of supports in a catalogue of ``size`` items; ``None``
    (anywhere) if any part is, or if together they reach more than ``DENSE_SHARE`` of it.

    >>> union([np.array([4, 1]), np.array([1, 2])], size=100).tolist()
    [1, 2, 4]
    >>> union([np.array([1]), None], size=100) is None
    True
    >>> union([np.arange(10)], size=100) is None
    True
    """
    arrays: list[IntArray] = []
    for part in parts:
        if part is None:
            return None
        arrays.append(part)
    if sum(part.size for part in arrays) > size * DENSE_SHARE:
        return None
    return positions_union(arrays, size=size)


def positions_union(parts: Sequence[IntArray], *, size: int) -> IntArray:
    """The ascending union of positions in a catalogue of ``size`` items.

    >>> positions_union([np.array([4, 1]), np.array([1, 2])], size=6).tolist()
    [1, 2, 4]
    """
    total = sum(part.size for part in parts)
    if total and size <= _MASK_RATIO * total:
        marked = np.zeros(size, dtype=bool)
        for part in parts:
            marked[part] = True
        found: IntArray = np.flatnonzero(marked)
        return found
    result: IntArray = np.unique(np.concatenate(parts)) if parts else NOWHERE
    return result


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
    popularity, trending = model.editorial
    signals = Signals(
        popularity=popularity,
        trending=trending,
        newness=_newness(index, now),
        declared=np.zeros(n),
        behaviour=np.zeros(n),
        page=np.zeros(n),
        affinity=np.zeros(n),
    )
    if profile.uses_declared:
        _declared(index, model, profile, signals)
    if profile.uses_behaviour and profile.history:
        _behaviour(index, model, profile, signals, now)
    if anchors:
        _page(index, model, anchors, signals)
    return signals


def _newness(index: CatalogIndex, now: float) -> FloatArray:
    """1 for an item created now, falling to 0 at ``NEW_ARRIVAL_DAYS``; only the items
    created since then are computed (a second earlier still, so that rounding never leaves
    out an item the formula gives a trace of newness). It never rises with age: the new
    arrivals are read from the catalogue newest first (``CatalogIndex.newest_first``)."""
    newness = np.zeros(index.size)
    recent, created = index.created_since(now - NEW_ARRIVAL_DAYS * 86400.0 - 1.0)
    fresh = 1.0 - (now - created) / 86400.0 / NEW_ARRIVAL_DAYS
    np.clip(fresh, 0.0, 1.0, out=fresh)
    newness[recent] = fresh
    return newness


def _declared(index: CatalogIndex, model: ModelView, profile: CustomerProfile,
              signals: Signals) -> None:
    reached: list[IntArray | None] = []
    for facet, value, weight in profile.likes:
        positions = index.postings.get((facet, value))
        if positions is not None:
            signals.declared[positions] += weight
            reached.append(positions)
    # Other shoppers' choices answer the same form: learnt from consenting customers'
    # journeys, read with this customer's declared values only (never their behaviour).
    liked = [(facet, value) for facet, value, weight in profile.likes if weight > 0]
    if liked and model.form_model is not None:
        peers = model.form_scores(liked)
        if peers.any():
            signals.peers = peers
            signals.declared += PEER_SHARE * peers
            reached.append(None)
    # A "not for me" softly lowers the item's brand and category, never below a mild dislike.
    if profile.dismissed:
        penalty = np.zeros(index.size)
        lowered: list[IntArray] = []
        for product_id in profile.dismissed:
            position = index.position.get(product_id)
            if position is None:
                continue
            for group in (index.in_brand(int(index.brand_code[position])),
                          index.in_leaf(int(index.leaf_code[position]))):
                penalty[group] += 0.05
                lowered.append(group)
        at = np.unique(np.concatenate(lowered)) if lowered else NOWHERE
        signals.declared[at] -= np.minimum(penalty[at], 0.3)
        reached.append(at)
    signals.declared_at = union(reached, size=index.size)


def _behaviour(index: CatalogIndex, model: ModelView, profile: CustomerProfile,
               signals: Signals, now: float) -> None:
    seeds: dict[int, tuple[float, str]] = {}
    session: set[int] = set()
    decay = math.log(2) / HISTORY_HALF_LIFE_DAYS
    for item in profile.history:
        position = index.position.get(item.product_id)
        if position is None:
            continue
        age = max(now - item.occurred_at.timestamp(), 0.0)
        weight = HISTORY_WEIGHTS.get(item.type, 0.3) * math.exp(-decay * age / 86400.0)
        if profile.uses_context and age <= SESSION_SECONDS:
            weight *= 3.0  # what they look at right now says most about right now
            session.add(position)
        previous = seeds.get(position)
        if previous is None or previous[0] < weight:
            seeds[position] = (weight, item.type)
    signals.session_items = frozenset(session)
    co = np.zeros(index.size)
    brand_weight = np.zeros(index.brand_codes)
    leaf_weight = np.zeros(index.leaf_codes)
    # Each seed's co-purchase (for what was bought or put in the cart) and co-view rows, in
    # that order, read for every seed at once and added up in the same order.
    pairs: list[tuple[int, str]] = []
    weights: list[float] = []
    co_at = NOWHERE
    for seed, (weight, kind) in seeds.items():
        brand_weight[index.brand_code[seed]] += weight
        leaf_weight[index.leaf_code[seed]] += weight
        for matrix in ("purchase", "view"):
            if matrix == "purchase" and kind not in ("purchase", "add_to_cart"):
                continue
            pairs.append((seed, matrix))
            weights.append(weight)
    if pairs:
        targets, scores, pair = model.neighbours_of(pairs)
        contribution = scores * np.asarray(weights)[pair]
        np.add.at(co, targets, contribution)
        co_at = targets
        sources = np.fromiter((seed for seed, _ in pairs), dtype=np.int64, count=len(pairs))
        codes = np.fromiter((matrix == "view" for _, matrix in pairs), dtype=np.int64,
                            count=len(pairs))
        signals.behaviour_from.add_many(targets, sources[pair], contribution, codes[pair],
                                        names=("co_purchase", "co_view"))
    # Affinity to the brands and categories the customer keeps coming back to.
    affinity, affinity_at = _affinity(index, brands=_normalised(brand_weight),
                                      leaves=_normalised(leaf_weight))
    signals.affinity = affinity
    co_top = float(co[co_at].max()) if co_at.size else 0.0
    co_scale = co_top if co_top > 0 else 1.0  # ``_normalised``'s divisor
    behaviour = np.zeros(index.size)
    if model.models:
        expected, expected_at = _model_behaviour(index, model, profile, seeds, signals,
                                                 share=MODEL_SHARE)
        at = union([expected_at, co_at, *affinity_at], size=index.size)
        where = slice(None) if at is None else at
        behaviour[where] = (MODEL_SHARE * expected[where] + 0.35 * (co[where] / co_scale)
                            + 0.2 * affinity[where])
    else:
        at = union([co_at, *affinity_at], size=index.size)
        where = slice(None) if at is None else at
        behaviour[where] = 0.7 * (co[where] / co_scale) + 0.3 * affinity[where]
    for seed in seeds:
        behaviour[seed] *= 0.3  # seen already: still possible, not first in line
    signals.behaviour, signals.behaviour_at = behaviour, at


def _affinity(index: CatalogIndex, *, brands: FloatArray, leaves: FloatArray
              ) -> tuple[FloatArray, list[IntArray]]:
    """Half the weight of each item's brand plus half its leaf category's, written at the
    items of the few brands and leaves that have a weight instead of gathered over the
    catalogue (the same sums: an item whose brand has none gets ``0.0 +`` its leaf's);
    and those groups of items."""
    affinity = np.zeros(index.size)
    groups: list[IntArray] = []
    for code in np.flatnonzero(brands):
        groups.append(index.in_brand(int(code)))
        affinity[groups[-1]] = 0.5 * brands[code]
    for code in np.flatnonzero(leaves):
        groups.append(index.in_leaf(int(code)))
        affinity[groups[-1]] += 0.5 * leaves[code]
    return affinity, groups


def _model_behaviour(index: CatalogIndex, model: ModelView, profile: CustomerProfile,
                     seeds: dict[int, tuple[float, str]], signals: Signals, *, share: float
                     ) -> tuple[FloatArray, IntArray | None]:
    """The trained models' expectation after the customer's journey so far (and its
    support), with each lifted item traced to the single past product that predicts it best
    (scored alone)."""
    journey = [index.position[item.product_id] for item in reversed(profile.history)
               if item.product_id in index.position]
    expected, expected_at = model.expected_after_at(journey)
    # Only products the models were trained on can explain anything: scored alone, an unknown
    # one is an empty history, whose "predictions" are the models' prior, not evidence.
    recent = [seed for seed in dict.fromkeys(reversed(journey))
              if model.cat_to_art[seed] >= 0][:ATTRIBUTION_SEEDS]
    # Only items shoppers were seen choosing after a seed: the claim "often chosen after"
    # needs that count, not just a model's score.
    for seed, (observed, alone) in zip(recent, model.followers(recent, k=ATTRIBUTION_TARGETS),
                                       strict=True):
        # Weighted by the share the models get in the behaviour signal, so that these
        # traces compete fairly with co-purchase traces for the strongest reason.
        values = alone * seeds.get(seed, (1.0, ""))[0] * share
        lifted = values > 0
        signals.behaviour_from.add(observed[lifted], seed, values[lifted], "follows")
    return np.asarray(expected, dtype=np.float64), expected_at


def _page(index: CatalogIndex, model: ModelView, anchors: list[int], signals: Signals) -> None:
    """Non-personal context: items related to the product(s) on the page, the same for every
    visitor (aggregate co-occurrence plus attribute similarity)."""
    # "Also chosen" needs an observed choice after the anchor (the item-to-item models'
    # counts); the models' scores then order those items. An anchor the models never saw
    # (imported after training) has none.
    known = [anchor for anchor in anchors if model.cat_to_art[anchor] >= 0]
    reached: list[IntArray | None] = []
    if model.models and known:
        for anchor, (observed, also) in zip(known, model.followers(known, k=ALSO_CHOSEN_TOP),
                                            strict=True):
            kept = (also > 0) & (observed != anchor)
            related = observed[kept]
            contribution = 0.8 * also[kept]
            signals.page[related] += contribution
            signals.page_from.add(related, anchor, contribution, "also_chosen")
            reached.append(related)
    for anchor in anchors:
        for matrix, code, scale in (("purchase", "complement", 1.0), ("view", "similar", 0.6)):
            neighbours, scores = model.neighbours(anchor, matrix)
            contribution = _normalised(scores) * scale
            np.add.at(signals.page, neighbours, contribution)
            signals.page_from.add(neighbours, anchor, contribution, code)
            reached.append(neighbours)
        related, similar = _attribute_similarity(index, anchor)
        signals.page[related] += 0.5 * similar
        signals.page_from.add(related, anchor, similar, "similar")
        reached.append(related)
    at = union(reached, size=index.size)
    where = slice(None) if at is None else at
    signals.page[where] = _normalised(signals.page[where])  # at the support
    signals.page_at = at


def _attribute_similarity(index: CatalogIndex, anchor: int) -> tuple[IntArray, FloatArray]:
    """Same leaf category first, then shared facet values (style, brand, colour...): the
    other items of the anchor's leaf (ascending positions) and their similarity; every other
    item has none. Read from the leaf's items only, not the catalogue."""
    leaf = int(index.leaf_code[anchor])
    same = index.in_leaf(leaf)
    others = same != anchor
    score = np.full(int(others.sum()), 0.6)
    anchor_values = [pair for pair in index.values_of(anchor) if pair[0] != "category"]
    if anchor_values and score.size:
        shared = index.leaf_shared_counts(leaf, anchor_values)[others]
        score += 0.4 * shared / len(anchor_values)
    return same[others], score
