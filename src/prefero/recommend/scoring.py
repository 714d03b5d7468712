"""Scoring: the personalization level decides which signals may count and how much."""

from __future__ import annotations

import numpy as np

from prefero.recommend.catalog_index import FloatArray
from prefero.recommend.config import ScoringConfig
from prefero.recommend.context import context_scores
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.signals import Signals
from prefero.types import Placement

__all__ = ["score"]


def score(signals: Signals, profile: CustomerProfile, *, placement: Placement,
          config: ScoringConfig, text: FloatArray | None = None,
          in_context: bool = False) -> FloatArray:
    """One relevance score per catalog position.

    - ``off``: editorial only (popularity, trending, newness) and the page's own context.
    - ``declared``: what the customer said first, editorial as tie-breaker.
    - ``balanced``: declared first; behaviour only orders items liked equally.
    - ``full``: declared and behaviour blended (behaviour boosted by the current session
      when context consent is given).
    The level is the one in force (``profile.effective_level``): a withdrawn consent ranks as
    the level it leaves. The signal vectors are already zero where consent or level forbids
    them. On a page about products (``in_context``) the page's relevance leads and the
    personal part only re-ranks (prefero.recommend.context).
    """
    base = (config.popularity * signals.popularity + config.trending * signals.trending
            + config.newness * signals.newness)
    if placement == "search" and text is not None:
        base = base + config.search_text * text
    level = profile.effective_level
    if level == "off":
        personal = np.zeros_like(base)
    elif level == "full":
        personal = (config.full_declared * signals.declared
                    + config.full_behaviour * signals.behaviour)
    else:
        personal = config.declared_priority * signals.declared
        if level == "balanced":
            personal = personal + config.behaviour_tiebreak * signals.behaviour
    if in_context:
        return context_scores(base=base, page=signals.page, personal=personal,
                              page_weight=config.page, personal_weight=config.context_personal)
    result: FloatArray = base + personal
    return result
