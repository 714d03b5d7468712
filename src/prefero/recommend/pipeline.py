"""The pipeline for one request: candidates → constraints → scoring → diversify → explain.

Pure computation over precomputed state (catalog snapshot, trained artefacts, the customer's
profile, the shop's merchandising rules compiled over the snapshot); it reads nothing from
the database and never trains.

The shop's rules apply at every level, off included, and never instead of the customer's:
a hidden product leaves the candidates as the customer's exclusions do; a boost or bury
moves the scores of what the customer's rules allow; a pin shows its product only where
those rules allow it (``prefero.recommend.featuring``), and the assertion after re-ranking
runs on the row with the pins in it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

from prefero.merchandising.compiled import NOTHING, CompiledRules, InForce
from prefero.recommend.add_ons import order_context
from prefero.recommend.basis import item_basis, row_basis
from prefero.recommend.candidates import gather_candidates
from prefero.recommend.catalog_index import CatalogIndex, FloatArray, IntArray
from prefero.recommend.config import PipelineConfig
from prefero.recommend.constraints import allowed_mask, assert_allowed
from prefero.recommend.context import CONTEXT_PLACEMENTS, context_mask
from prefero.recommend.diversify import mmr, pick_exploration
from prefero.recommend.explain import explain
from prefero.recommend.featuring import place_pins
from prefero.recommend.interests import Interest, declared_interests, interest_candidates
from prefero.recommend.models import ModelView
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery, RecommendationResult, RecommendedItem
from prefero.recommend.scoring import Scorer
from prefero.recommend.signals import compute_signals
from prefero.recommend.variants import family_of, one_per_family
from prefero.types import Basis

__all__ = ["LIFT_REACH", "run_pipeline"]

#: Boosted products join the candidates, at most this many (the most popular of them): a
#: boost on a whole department must not score the department per request.
LIFT_REACH = 200


def _text_scores(index: CatalogIndex, hits: tuple[str, ...]) -> tuple[FloatArray, IntArray]:
    """Search hits in relevance order → a score falling from 1 with rank, and the hits'
    positions (ascending)."""
    text = np.zeros(index.size)
    found: dict[int, None] = {}
    total = max(len(hits), 1)
    for rank, product_id in enumerate(hits):
        position = index.position.get(product_id)
        if position is not None and position not in found:
            text[position] = 1.0 - rank / (total + 1)
            found[position] = None
    return text, np.sort(np.fromiter(found, dtype=np.int64, count=len(found)))


def run_pipeline(
    *, index: CatalogIndex, model: ModelView, profile: CustomerProfile,
    query: RecommendationQuery, config: PipelineConfig, apply_preferences: bool = True,
    now: float | None = None, merchandising: CompiledRules | None = None,
    ranking_rules: bool = True,
) -> RecommendationResult:
    """Recommend ``query.n`` items for ``profile`` at ``query.placement``, the shop's rules
    in force at ``now`` (``merchandising``, compiled over ``index``) applied; with
    ``ranking_rules=False`` (an experiment's arm without merchandising) only its hides, which
    exclude as a customer's rules do: no boost, bury or pin."""
    now = now if now is not None else time.time()
    if merchandising is not None and merchandising.index is not index:
        raise ValueError("the merchandising rules were compiled over another snapshot")
    shop = (merchandising.in_force(query.placement, now) if merchandising is not None
            else NOTHING)
    if not ranking_rules and not shop.empty:
        shop = InForce(hidden=shop.hidden, visible=shop.visible)
    anchor_ids: list[str] = []
    if query.placement == "product" and query.product_id:
        anchor_ids = [query.product_id]
    elif query.placement in ("cart", "checkout"):
        anchor_ids = list(query.cart)
    anchors = [index.position[p] for p in anchor_ids if p in index.position]

    allowed = allowed_mask(index, profile, exclude=anchor_ids,
                           apply_preferences=apply_preferences)
    if shop.visible is not None:
        # In addition to the customer's rules, never instead: "show everything" shows what
        # the customer's rules hide, never what the shop hides.
        allowed &= shop.visible
    signals = compute_signals(index, model, profile, anchors=anchors, now=now)

    in_context = bool(anchors) and query.placement in CONTEXT_PLACEMENTS
    by_popularity, by_trending, by_appeal = model.editorial_order
    orders = (by_popularity, by_trending)
    pool = allowed  # where candidates, and the exploration slot, may come from
    text: FloatArray | None = None
    usable = allowed  # where a pin may come from
    if query.placement == "search":
        text, hit_at = _text_scores(index, query.hits)
        candidates = hit_at[allowed[hit_at]]
        # A search answers with its hits: the shop's rules order them, add nothing.
        usable = np.zeros(index.size, dtype=bool)
        usable[candidates] = True
    elif in_context:
        pool = allowed & context_mask(index, signals.page, anchors)
        services: list[int] = []
        if query.placement == "checkout":
            # The services that go with the order (set-up, warranty) belong to its context
            # even where nothing popular or related lifts them; other services do not.
            pool, services = order_context(index, pool, anchors, allowed)
        candidates = gather_candidates(signals, pool, config.candidates, orders=orders,
                                       newest=index.newest_first)
        if services:
            candidates = np.union1d(candidates, np.asarray(services, dtype=np.int64))
    else:
        candidates = gather_candidates(signals, allowed, config.candidates, orders=orders,
                                       newest=index.newest_first)
    if shop.lifted.size and query.placement != "search":
        # What a boost lifts is in the running where the page's context allows it.
        lifted = shop.lifted[pool[shop.lifted]]
        if lifted.size > LIFT_REACH:
            lifted = lifted[np.argpartition(-signals.popularity[lifted], LIFT_REACH)
                            [:LIFT_REACH]]
        candidates = np.union1d(candidates, lifted)

    # Scores are worked out only where read (candidates, the interests' items, the fill),
    # each exactly what a pass over the catalogue gives there; the rest stays 0, unread.
    scorer = Scorer(signals, profile, placement=query.placement, config=config.scoring,
                    text=text, in_context=in_context, shift=shop.shift)
    scores = np.zeros(index.size)
    scorer.fill(scores, candidates)
    interests: tuple[Interest, ...] = ()
    if (query.placement in config.diversify.interests_for and not in_context
            and query.placement != "search"):
        # Each liked value keeps its best allowed items in the running, so that the row
        # can show the breadth of what the customer said (diversify.mmr takes turns).
        interests = declared_interests(index, profile, signals.declared)
        if interests:
            # Interests read their own items' scores (interest_candidates).
            scorer.fill(scores, np.concatenate([interest.positions for interest in interests]))
            candidates = np.union1d(candidates, interest_candidates(
                interests, pool, scores, depth=config.diversify.interest_reach(query.n)))
    ranked = one_per_family(index, candidates[np.argsort(-scores[candidates], kind="stable")])
    related = ranked.size  # on a page about products: how many of ranked relate to it
    if in_context and ranked.size < query.n:
        # Too little relates to the page to fill the row: the general candidates follow,
        # every one of them after every related item.
        rest = gather_candidates(signals, allowed & ~pool, config.candidates, orders=orders,
                                 newest=index.newest_first)
        scorer.fill(scores, rest)
        rest = rest[np.argsort(-scores[rest], kind="stable")]
        # A family already among the related items is not offered again by the rest.
        rest = one_per_family(index, rest)
        rest = rest[~np.isin(index.groups[rest], index.groups[ranked])]
        if rest.size:
            floor = float(scores[ranked].min()) if ranked.size else 0.0
            scores[rest] += floor - float(scores[rest].max()) - 1.0
            ranked = np.concatenate([ranked, rest])

    if query.placement in config.diversify.enabled_for:
        # The related items are diversified among themselves and the general candidates
        # only fill what they leave: across both, the category cap and the similarity
        # penalty would let another aisle's popular items in ahead of the page's own.
        picked = mmr(index, ranked[:related], scores, n=query.n, config=config.diversify,
                     interests=interests)
        if len(picked) < query.n and ranked.size > related:
            picked += mmr(index, ranked[related:], scores, n=query.n - len(picked),
                          config=config.diversify)
    else:
        picked = [int(p) for p in ranked[: query.n]]

    explore_slot: int | None = None
    # At the level off nothing is personal, so there is no bubble to step out of: the slot
    # would only be one more editorial item labelled as something it is not.
    wants_exploration = profile.effective_level != "off" and (
        query.exploration if query.exploration is not None else profile.exploration)
    if (wants_exploration and query.placement in config.exploration.enabled_for
            and query.n >= config.exploration.min_n and len(picked) >= config.exploration.min_n):
        day = datetime.fromtimestamp(now, UTC).date().isoformat()
        explore_slot = pick_exploration(
            index, pool, picked[:-1], order=by_appeal,
            seed_text=f"{profile.customer_id}:{query.placement}:{day}",
            config=config.exploration,
        )
        if explore_slot is not None:
            picked[-1] = explore_slot
            scores[explore_slot] = scorer.at(np.array([explore_slot]))[0]

    pinned: set[int] = set()
    if shop.pins:
        picked, pinned = place_pins(index, picked, shop.pins, usable=usable, n=query.n,
                                    scores=scores, popularity=signals.popularity,
                                    score=lambda at: scorer.fill(scores, at),
                                    keep_last=explore_slot)
        if explore_slot not in picked:
            explore_slot = None
        # A pin by product id places without scoring: its score is read like any other.
        scorer.fill(scores, np.fromiter(pinned, dtype=np.int64, count=len(pinned)))
    # Featured: what a pin placed, or a boost lifted (its score holds the lift); never the
    # exploration slot, which its own choice placed.
    featured = pinned | ({p for p in picked if shop.shift[p] > 0} if shop.shift is not None
                         else set())
    featured.discard(explore_slot if explore_slot is not None else -1)

    # The second, independent check: nothing that breaks a rule leaves this function.
    assert_allowed(index, picked, profile, apply_preferences=apply_preferences)

    items: list[RecommendedItem] = []
    for p in picked:
        reasons = explain(index, p, signals, profile, exploration=p == explore_slot,
                          search_match=query.placement == "search", featured=p in featured)
        items.append(RecommendedItem(
            product_id=index.ids[p],
            score=round(float(scores[p]), 4),
            title=index.titles[p],
            price=float(index.price[p]),
            currency=index.currency_of(p),
            category=index.categories[p],
            reasons=reasons,
            basis=item_basis([reason.code for reason in reasons],
                             from_context=in_context and bool(pool[p])),
            variants=family_of(index, p, allowed),
        ))
    empty: Basis = ("context" if in_context else "search" if query.placement == "search"
                    else "editorial")
    return RecommendationResult(
        customer_id=profile.customer_id,
        placement=query.placement,
        level=profile.level,
        effective_level=profile.effective_level,
        basis=row_basis([item.basis for item in items], default=empty),
        items=items,
        artefact_version=model.version,
        config_digest=config.digest(),
    )
