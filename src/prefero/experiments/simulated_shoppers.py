"""Synthetic shoppers for the experiments' simulation (``prefero.experiments.simulation``):
each with planted preferences (a liked category, a category declared as a "never" rule) and
a latent chance of buying in one experiment window.

The chances differ between shoppers (a gamma-distributed multiple of the base rate, capped),
so that a shopper who bought before an experiment is more likely to buy during it: the
pre-period then predicts the outcome, which is what CUPED needs to reduce anything. Their
mean is the base rate (10 % by default), the conversion the simulation's design assumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CATEGORIES", "MAX_PROPENSITY", "Shopper", "choose_products", "plant_shoppers",
           "shopper_id"]

#: The simulated shop's categories (the default facet schema translates every one).
CATEGORIES: tuple[str, ...] = ("Fashion > Shoes", "Fashion > Outerwear",
                               "Electronics > Audio", "Electronics > Cameras",
                               "Fashion > Accessories", "Electronics > Phones")
#: The highest chance of buying a shopper gets: a planted lift of up to +25 % keeps it
#: below 1, so that the lift is applied to every shopper alike.
MAX_PROPENSITY = 0.8
# Gamma shape of the spread between shoppers: 0.5 gives a long tail of loyal buyers and
# many who rarely buy, roughly the shape of real shops' purchase frequencies.
_SHAPE = 0.5
#: The chance that an order comes from the liked category (else from any allowed one).
LIKED_SHARE = 0.7


def shopper_id(index: int) -> str:
    """The customer id of the ``index``-th shopper.

    >>> shopper_id(7)
    'shopper-00007'
    """
    return f"shopper-{index:05d}"


@dataclass(frozen=True)
class Shopper:
    """A shopper with planted preferences and a chance of buying per window."""

    id: str
    liked: str
    excluded: str
    propensity: float


def plant_shoppers(rng: np.random.Generator, *, count: int, base_rate: float = 0.10,
                   categories: Sequence[str] = CATEGORIES) -> list[Shopper]:
    """``count`` shoppers whose chances average ``base_rate``; each likes one category and
    excludes another.

    >>> shoppers = plant_shoppers(np.random.default_rng(1), count=20_000)
    >>> round(sum(s.propensity for s in shoppers) / len(shoppers), 3)
    0.1
    >>> all(s.liked != s.excluded for s in shoppers)
    True
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count!r}")
    if not 0.0 < base_rate < MAX_PROPENSITY:
        raise ValueError(f"base_rate must lie in (0, {MAX_PROPENSITY}), got {base_rate!r}")
    spread = rng.gamma(_SHAPE, 1.0 / _SHAPE, size=count)
    chances = np.minimum(base_rate * spread, MAX_PROPENSITY)
    # Capping lowered the mean a little; scale back (a few times: scaling moves more to the cap).
    for _ in range(5):
        chances = np.minimum(chances * base_rate / chances.mean(), MAX_PROPENSITY)
    liked = rng.integers(0, len(categories), size=count)
    # Any other category, uniformly: an offset of 1 .. len - 1 from the liked one.
    excluded = (liked + rng.integers(1, len(categories), size=count)) % len(categories)
    return [Shopper(id=shopper_id(i), liked=categories[int(liked[i])],
                    excluded=categories[int(excluded[i])], propensity=float(chances[i]))
            for i in range(count)]


def choose_products(rng: np.random.Generator, shopper: Shopper, *,
                    catalogue: Mapping[str, Sequence[str]], count: int) -> list[str]:
    """``count`` distinct products the shopper buys: from the liked category mostly, from
    another one they allow otherwise, never from the excluded one.

    >>> shopper = Shopper(id="s", liked="A", excluded="B", propensity=0.1)
    >>> shop = {"A": ["a1", "a2"], "B": ["b1"], "C": ["c1"]}
    >>> picks = choose_products(np.random.default_rng(0), shopper, catalogue=shop, count=2)
    >>> len(picks), "b1" in picks
    (2, False)
    """
    allowed = [category for category in catalogue if category != shopper.excluded]
    others = [category for category in allowed if category != shopper.liked]
    chosen: list[str] = []
    for _ in range(count * 4):  # distinct picks; a few tries each is plenty
        if len(chosen) == count:
            break
        if rng.random() < LIKED_SHARE or not others:
            category = shopper.liked
        else:
            category = others[int(rng.integers(0, len(others)))]
        products = catalogue[category]
        product = products[int(rng.integers(0, len(products)))]
        if product not in chosen:
            chosen.append(product)
    return chosen
