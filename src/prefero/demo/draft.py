"""The shape every vertical generator fills in, and the small sampling helpers they share.

A draft is a product before the catalog gives it an id, a shop price, stock, dates and a
price tier: the verticals only decide *what* the product is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "ProductDraft",
    "TitleBook",
    "a_or_an",
    "chance",
    "log_uniform",
    "pick",
    "pick_many",
    "sample_distinct",
    "shop_price",
]

T = TypeVar("T")


@dataclass(slots=True)
class ProductDraft:
    """What a vertical generator decided about one product.

    ``kind`` is the product family ("camera_mirrorless", "running_shoes", "pasta"); the
    behaviour simulation uses it to find complements. ``facets`` holds raw values that the
    catalog coerces with the facet schema; brand and category are mirrored in later.
    """

    kind: str
    vertical: str
    category: str
    brand: str
    title: str
    description: str
    price: float
    facets: dict[str, Any] = field(default_factory=dict)
    item_group: str | None = None
    condition: str = "new"


class TitleBook:
    """Keeps titles unique: a generator asks before it keeps a draft and draws again if not.

    After ``patience`` refusals in a row (the vertical's combinations are running out) it
    makes the title unique with a pack-size suffix instead, so generation always ends.

    >>> book = TitleBook(patience=0)
    >>> book.claim("Tea"), book.claim("Tea"), book.claim("Tea")
    ('Tea', 'Tea (2-pack)', 'Tea (3-pack)')
    """

    def __init__(self, patience: int = 200) -> None:
        self.patience = patience
        self._seen: set[str] = set()
        self._refusals = 0

    def claim(self, title: str) -> str | None:
        """``title`` (or a suffixed form) if it may be used, ``None`` to draw again."""
        if title not in self._seen:
            self._refusals = 0
            self._seen.add(title)
            return title
        if self._refusals < self.patience:
            self._refusals += 1
            return None
        pack = 2
        while f"{title} ({pack}-pack)" in self._seen:
            pack += 1
        self._refusals = 0
        unique = f"{title} ({pack}-pack)"
        self._seen.add(unique)
        return unique


def pick(rng: np.random.Generator, options: Sequence[T],
         weights: Sequence[float] | None = None) -> T:
    """One element of ``options``, uniformly or by (unnormalized) ``weights``.

    >>> pick(np.random.default_rng(1), ["a", "b"], [0.0, 1.0])
    'b'
    """
    if weights is None:
        return options[int(rng.integers(len(options)))]
    # Inverse-CDF by hand: an order of magnitude cheaper than Generator.choice(p=...) for
    # the short lists drawn from thousands of times.
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return options[min(index, len(options) - 1)]


def pick_many(rng: np.random.Generator, options: Sequence[T], low: int, high: int) -> list[T]:
    """Between ``low`` and ``high`` distinct elements, in the order of ``options``.

    Keeping the original order makes multi-valued facets read naturally ("cotton, linen").

    >>> pick_many(np.random.default_rng(1), ["x", "y", "z"], 3, 3)
    ['x', 'y', 'z']
    """
    high = min(high, len(options))
    count = int(rng.integers(low, high + 1)) if high > low else high
    chosen = sorted(rng.choice(len(options), size=count, replace=False).tolist())
    return [options[i] for i in chosen]


def sample_distinct(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices of ``size`` distinct items drawn with probability proportional to ``weights``.

    Efraimidis-Spirakis keys (``u ** (1 / w)``, keep the largest): one vectorized pass,
    where ``Generator.choice(replace=False, p=...)`` loops. Zero weights are never drawn.

    >>> sample_distinct(np.random.default_rng(1), np.array([0.0, 1.0, 0.0, 2.0]), 2).tolist()
    [1, 3]
    """
    weights = np.asarray(weights, dtype=float)
    positive = weights > 0
    size = min(size, int(positive.sum()))
    with np.errstate(divide="ignore"):
        scaled = np.log(rng.random(len(weights))) / np.where(positive, weights, 1.0)
    keys = np.where(positive, scaled, -np.inf)
    return np.sort(np.argsort(-keys, kind="stable")[:size])


def a_or_an(phrase: str) -> str:
    """``phrase`` with the indefinite article it needs; plurals ("socks", "jeans") take none.

    >>> a_or_an("athletic hiking socks"), a_or_an("elegant midi dress"), a_or_an("lens")
    ('athletic hiking socks', 'an elegant midi dress', 'a lens')
    """
    last = phrase.split("(")[0].split()[-1].lower()
    if last.endswith("s") and not last.endswith("ss") and last != "lens":
        return phrase
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def chance(rng: np.random.Generator, probability: float) -> bool:
    """True with the given probability.

    >>> chance(np.random.default_rng(1), 1.0)
    True
    """
    return bool(rng.random() < probability)


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """A value spread evenly on a log scale, the way shop prices within a range spread.

    >>> 10 <= log_uniform(np.random.default_rng(1), 10, 1000) <= 1000
    True
    """
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def shop_price(value: float) -> Decimal:
    """Round a raw price to a price a Polish shop would print.

    Cheap items end in .99, mid-priced ones at a ten minus a grosz, dear ones at a round
    fifty or hundred złoty.

    >>> shop_price(7.3), shop_price(143.0), shop_price(2466.0)
    (Decimal('6.99'), Decimal('139.99'), Decimal('2449.00'))
    """
    if value < 20:
        whole = max(1, int(value))
        return Decimal(whole) - Decimal("0.01")
    if value < 995:
        tens = max(2, round(value / 10.0))
        return Decimal(tens * 10) - Decimal("0.01")
    step = 50 if value < 5000 else 100
    rounded = round(value / step) * step
    return (Decimal(rounded) - Decimal(1)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
