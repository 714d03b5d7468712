"""Scoring: the personalization level decides which signals may count and how much."""

from __future__ import annotations

import numpy as np

from prefero.recommend.catalog_index import FloatArray, IntArray
from prefero.recommend.config import ScoringConfig
from prefero.recommend.context import context_scores
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.signals import DENSE_SHARE, Signals, union
from prefero.types import Placement

__all__ = ["Scorer"]


class Scorer:
    """One relevance score per catalog position, worked out at the positions asked for.

    - ``off``: editorial only (popularity, trending, newness) and the page's own context.
    - ``declared``: what the customer said first, editorial as tie-breaker.
    - ``balanced``: declared first; behaviour only orders items liked equally.
    - ``full``: declared and behaviour blended (behaviour boosted by the current session
      when context consent is given); once behaviour scores some item, editorial signals
      only break ties (``ScoringConfig.full_editorial``) on rows not bound to a page.
    The level is the one in force (``profile.effective_level``): a withdrawn consent ranks as
    the level it leaves. The signal vectors are already zero where consent or level forbids
    them. On a page about products (``in_context``) the page's relevance leads and the
    personal part only re-ranks (prefero.recommend.context), scaled by its largest magnitude
    over the catalogue, read from the personal signals' supports.

    Every score is a sum of the signals at its own item: asked at some positions, it is
    exactly what a pass over the catalogue would give there. ``shift`` (the shop's boost and
    bury rules in force, ``prefero.merchandising``) is added last, at every level.
    """

    def __init__(self, signals: Signals, profile: CustomerProfile, *, placement: Placement,
                 config: ScoringConfig, text: FloatArray | None = None,
                 in_context: bool = False, shift: FloatArray | None = None) -> None:
        self.signals = signals
        self.shift = shift
        self.level = profile.effective_level
        self.config = config
        self.text = text if placement == "search" else None
        self.in_context = in_context
        self.personal_top = 0.0
        self._whole = False
        # The editorial base's weight: a tie-break at "full" for a customer whose behaviour
        # reaches some item (``ScoringConfig.full_editorial``), outside a page's context.
        behaves = signals.behaviour_at is None or signals.behaviour_at.size > 0
        self.editorial = (config.full_editorial if self.level == "full" and behaves
                          and not in_context and placement != "search" else 1.0)
        if in_context and self.level != "off":
            at = union([signals.declared_at, signals.behaviour_at],
                       size=signals.popularity.size)
            personal = self._personal(slice(None) if at is None else at)
            self.personal_top = float(np.abs(personal).max()) if personal.size else 0.0

    def _personal(self, where: IntArray | slice) -> FloatArray:
        config, signals = self.config, self.signals
        if self.level == "full":
            result: FloatArray = (config.full_declared * signals.declared[where]
                                  + config.full_behaviour * signals.behaviour[where])
            return result
        personal: FloatArray = config.declared_priority * signals.declared[where]
        if self.level == "balanced":
            personal = personal + config.behaviour_tiebreak * signals.behaviour[where]
        return personal

    def at(self, positions: IntArray | slice) -> FloatArray:
        """The scores at ``positions`` (``slice(None)``: every item, without a gather)."""
        config, signals = self.config, self.signals
        base = (config.popularity * signals.popularity[positions]
                + config.trending * signals.trending[positions]
                + config.newness * signals.newness[positions])
        if self.editorial != 1.0:
            base *= self.editorial
        if self.text is not None:
            base = base + config.search_text * self.text[positions]
        personal = (np.zeros_like(base) if self.level == "off"
                    else self._personal(positions))
        if self.in_context:
            result: FloatArray = context_scores(
                base=base, page=signals.page[positions], personal=personal,
                page_weight=config.page, personal_weight=config.context_personal,
                personal_top=self.personal_top)
        else:
            result = base + personal
        if self.shift is not None:
            result = result + self.shift[positions]
        return result

    def fill(self, scores: FloatArray, positions: IntArray) -> None:
        """Write the scores at ``positions`` into ``scores`` (a catalogue-long array); where
        they are a large part of the catalogue, one pass over it costs less than gathering
        each signal at them, and gives the same values."""
        if self._whole:
            return  # every item was written by an earlier pass
        if positions.size > scores.size * DENSE_SHARE:
            scores[:] = self.at(slice(None))
            self._whole = True
        else:
            scores[positions] = self.at(positions)
