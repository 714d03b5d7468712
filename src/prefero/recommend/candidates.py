"""Candidate sources: each proposes items it has a reason for; the union goes on."""

from __future__ import annotations

import numpy as np

from prefero.recommend.catalog_index import BoolArray, FloatArray
from prefero.recommend.config import CandidatesConfig
from prefero.recommend.signals import Signals

__all__ = ["gather_candidates", "top_positions"]


def top_positions(values: FloatArray, allowed: BoolArray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest positive values among allowed items."""
    eligible = np.flatnonzero(allowed & (values > 0))
    if k <= 0 or eligible.size == 0:
        return eligible[:0]
    if eligible.size > k:
        part = np.argpartition(-values[eligible], k - 1)[:k]
        eligible = eligible[part]
    return eligible


def gather_candidates(signals: Signals, allowed: BoolArray, config: CandidatesConfig
                      ) -> BoolArray:
    """Declared match, behaviour (co-occurrence), page context, popularity, trending and
    new arrivals — only among items the constraints allow."""
    chosen = np.zeros(allowed.size, dtype=bool)
    for values, k in (
        (signals.declared, config.declared),
        (signals.behaviour, config.behaviour),
        (signals.page, config.page),
        (signals.popularity, config.popular),
        (signals.trending, config.trending),
        (signals.newness, config.new_arrivals),
    ):
        chosen[top_positions(values, allowed, k)] = True
    if not chosen.any():
        # A fresh shop with no behaviour and no likes: anything allowed, newest first.
        chosen[top_positions(signals.newness + 1e-6, allowed, config.popular)] = True
    return chosen
