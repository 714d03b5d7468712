"""The demo shop's recommendation statistics: impressions and clicks in
``recommendation_daily``, so that the dashboard's recommendations page has figures on a
freshly loaded demo.

The clicks are the demo's own: every simulated ``rec_click`` per UTC day, placement and
reason (``Behaviour.rec_clicks``, linked to a customer or not, as the storefront counts
them), so the page's clicks agree with the stored click events that its attribution
follows. The demo shows no rows, so its impressions are made up: each (placement, reason)
gets a click-through rate of its own between ``MIN_CTR`` and ``MAX_CTR`` (the cart's and
product page's rows, seen by shoppers who already want something, above the home page's),
varied a little from day to day, and a day's impressions are its clicks divided by that
rate, rounded up: never fewer than its clicks. All drawn from the demo's seed: the same
seed gives the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from sqlalchemy.orm import Session

from prefero.analytics.counts import Key, add_counts

__all__ = ["MAX_CTR", "MIN_CTR", "seed_recommendation_stats", "seeded_counts"]

#: The bounds of a seeded click-through rate, every day, placement and reason.
MIN_CTR = 0.022
MAX_CTR = 0.078
# Where in [MIN_CTR, MAX_CTR] each placement's rates lie (a placement not named: anywhere).
_BANDS: Mapping[str, tuple[float, float]] = {
    "home": (0.0, 0.4),
    "search": (0.2, 0.6),
    "product": (0.35, 0.8),
    "cart": (0.5, 1.0),
}
# A day's rate is its key's rate times a factor this far from one, either way.
_DAILY = 0.15
# Keeps the impressions' stream apart from the behaviour's, which the same seed drives.
_STREAM = 1_417


def seeded_counts(clicks: Mapping[Key, int], *, seed: int) -> dict[Key, tuple[int, int]]:
    """(impressions, clicks) per key of ``clicks``, the impressions made up as the module
    says; keys without a click are left out.

    >>> from datetime import date
    >>> day = date(2026, 3, 1)
    >>> counts = seeded_counts({(day, "cart", "co_purchase"): 5}, seed=7)
    >>> shown, clicked = counts[(day, "cart", "co_purchase")]
    >>> clicked, MIN_CTR <= clicked / shown <= MAX_CTR
    (5, True)
    """
    rng = np.random.default_rng([seed, _STREAM])
    keys = sorted(key for key, n in clicks.items() if n > 0)
    rates: dict[tuple[str, str], float] = {}
    for placement, reason in sorted({(key[1], key[2]) for key in keys}):
        low, high = _BANDS.get(placement, (0.0, 1.0))
        rates[(placement, reason)] = float(rng.uniform(low, high))
    jitter = rng.uniform(-_DAILY, _DAILY, size=len(keys)).tolist()
    counts: dict[Key, tuple[int, int]] = {}
    for key, factor in zip(keys, jitter, strict=True):
        share = rates[(key[1], key[2])] * (1.0 + factor)
        rate = MIN_CTR + (MAX_CTR - MIN_CTR) * min(max(share, 0.0), 1.0)
        counts[key] = (math.ceil(clicks[key] / rate), clicks[key])
    return counts


def seed_recommendation_stats(session: Session, *, clicks: Mapping[Key, int],
                              seed: int) -> int:
    """Add the demo's impressions and ``clicks`` to ``recommendation_daily`` (as the
    storefront's counts are added); answer how many clicks were added.

    >>> # seed_recommendation_stats(session, clicks=shop.behaviour.rec_clicks, seed=7)
    """
    counts = seeded_counts(clicks, seed=seed)
    add_counts(session, counts)
    return sum(clicked for _, clicked in counts.values())
