"""How fresh each declared value is, and what that does to it.

Nothing the customer said is trusted forever. Every ``Preference`` row records when the
customer last declared or confirmed it (``confirmed_at``); each value has a freshness
window in days (``window_days``: per facet for likes and rules, per category for sizes,
shorter for children's sizes). Counting whole windows since the confirmation:

* inside the first window the value is **fresh**: full weight, nothing asked;
* from the end of the first window on it is **stale**: the customer is asked to confirm it
  again (the preference center's banner, a ``stale_preference`` message);
* a **like**'s weight halves with each window that has passed — ``0.5 ** windows``: full in
  the first window, half in the second, a quarter in the third... — so a taste declared
  years ago and never confirmed fades instead of steering the shop for ever. Dislikes
  (negative weights) fade the same way.
* **rules** (``never``/``must``) never lose force: a ``never`` rule is safety (an allergy
  does not wear off because nobody asked), and a rule filters rather than weighs, so half a
  rule means nothing. They still go stale and are offered for re-confirmation.
* **sizes** filter too, so they keep their force; they go stale (children's fastest) and are
  asked about.
* **dismissals** ("not for me" on one product) are not declarations about taste and never go
  stale.

Confirming sets ``confirmed_at`` to now (``confirm``), which writes the row: the database's
triggers move ``customers.profile_revision`` as for any other change, so cached profiles are
replaced. Time alone changes a factor without any write, so the recommender applies factors
when it reads a profile (``decay_factor``), from the stored times, never from a cached weight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from prefero.config import Settings
from prefero.customers.schemas import StaleValue

__all__ = [
    "DAY_SECONDS",
    "Freshness",
    "Stamped",
    "StampedValue",
    "confirmed_at",
    "decay_factor",
    "freshness",
    "stale_values",
    "window_days",
]

DAY_SECONDS = 86_400.0
# Kinds whose weight decays; the others keep full force (see the module's docstring).
_DECAYING = frozenset({"like"})
# Kinds the customer is never asked about again.
_TIMELESS = frozenset({"dismiss"})
_SEPARATOR = ">"


class Stamped(Protocol):
    """What freshness needs of a stored value (a ``Preference`` row fits)."""

    @property
    def kind(self) -> str: ...

    @property
    def facet(self) -> str: ...

    @property
    def confirmed_at(self) -> datetime | None: ...

    @property
    def updated_at(self) -> datetime: ...


class StampedValue(Stamped, Protocol):
    @property
    def value(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Freshness:
    """How one value stands at a moment.

    ``windows`` is how many whole windows have passed since the confirmation (0: fresh);
    ``factor`` multiplies a like's weight; ``age_days`` is exact, for wording ("8 months ago").
    """

    window_days: int | None
    age_days: float
    windows: int
    factor: float

    @property
    def stale(self) -> bool:
        return self.windows >= 1

    @property
    def months(self) -> int:
        """Whole months since the confirmation, as a shopper counts them (30-day months)."""
        return int(self.age_days // 30)


def window_days(*, kind: str, facet: str, settings: Settings) -> int | None:
    """The freshness window of a value of ``kind`` on ``facet`` (for sizes ``facet`` is the
    category path); None when such values never go stale.

    >>> s = Settings(freshness_days=365, freshness_facet_days={"style": 730},
    ...              freshness_size_days=300, freshness_size_category_days={"kids": 120})
    >>> [window_days(kind="like", facet=f, settings=s) for f in ("brand", "style")]
    [365, 730]
    >>> window_days(kind="size", facet="Fashion > Kids > Shoes", settings=s)
    120
    >>> window_days(kind="size", facet="Fashion > Shoes", settings=s), \\
    ...     window_days(kind="dismiss", facet="product", settings=s)
    (300, None)
    """
    if kind in _TIMELESS:
        return None
    if kind == "size":
        segments = {part.strip().casefold() for part in facet.split(_SEPARATOR)}
        matching = [days for name, days in settings.freshness_size_category_days.items()
                    if name.strip().casefold() in segments]
        # The shortest: a category that is both "Kids" and "Baby" changes as fast as babies.
        return min(matching, default=settings.freshness_size_days)
    return settings.freshness_facet_days.get(facet, settings.freshness_days)


def _windows(age_days: float, window: int) -> int:
    return math.floor(age_days / window)


def decay_factor(*, kind: str, facet: str, confirmed_at: datetime | None, now: datetime,
                 settings: Settings) -> float:
    """The factor a stored weight is multiplied by at ``now``: ``0.5 ** windows`` for likes,
    1 for everything else (and for a value with no recorded time: nothing to count from).

    >>> from datetime import UTC, timedelta
    >>> now = datetime(2027, 1, 1, tzinfo=UTC)
    >>> s = Settings(freshness_days=100)
    >>> [decay_factor(kind="like", facet="brand", confirmed_at=now - timedelta(days=d),
    ...               now=now, settings=s) for d in (0, 99, 100, 250, 300)]
    [1.0, 1.0, 0.5, 0.25, 0.125]
    >>> decay_factor(kind="never", facet="allergens", now=now, settings=s,
    ...              confirmed_at=now - timedelta(days=10_000))
    1.0
    """
    if kind not in _DECAYING or confirmed_at is None:
        return 1.0
    window = window_days(kind=kind, facet=facet, settings=settings)
    if window is None:
        return 1.0
    age = max(0.0, (now - confirmed_at).total_seconds() / DAY_SECONDS)
    return 0.5 ** _windows(age, window)


def freshness(pref: Stamped, *, now: datetime, settings: Settings) -> Freshness:
    """How fresh ``pref`` is at ``now``. A value confirmed "in the future" (a clock that
    stepped back) counts as just confirmed; one with no ``confirmed_at`` counts from its
    last write.

    >>> from datetime import UTC, timedelta
    >>> from prefero.customers.models import Preference
    >>> now = datetime(2027, 1, 1, tzinfo=UTC)
    >>> like = Preference(kind="like", facet="brand", value="acme", weight=0.8,
    ...                   updated_at=now, confirmed_at=now - timedelta(days=400))
    >>> f = freshness(like, now=now, settings=Settings(freshness_days=365))
    >>> f.stale, f.windows, f.factor, f.months
    (True, 1, 0.5, 13)
    """
    confirmed = pref.confirmed_at or pref.updated_at
    age = max(0.0, (now - confirmed).total_seconds() / DAY_SECONDS)
    window = window_days(kind=pref.kind, facet=pref.facet, settings=settings)
    if window is None:
        return Freshness(window_days=None, age_days=age, windows=0, factor=1.0)
    windows = _windows(age, window)
    factor = 0.5 ** windows if pref.kind in _DECAYING else 1.0
    return Freshness(window_days=window, age_days=age, windows=windows, factor=factor)


def confirmed_at(pref: Stamped) -> datetime:
    """When ``pref`` was last declared or confirmed (its last write when never recorded)."""
    return pref.confirmed_at or pref.updated_at


def stale_values(rows: Iterable[StampedValue], *, now: datetime, settings: Settings
                 ) -> list[StaleValue]:
    """The values of ``rows`` past their window at ``now``, longest unconfirmed first.

    >>> from datetime import UTC, timedelta
    >>> from prefero.customers.models import Preference
    >>> now = datetime(2027, 1, 1, tzinfo=UTC)
    >>> rows = [Preference(kind="size", facet="Fashion > Kids", value="110", updated_at=now,
    ...                    confirmed_at=now - timedelta(days=240)),
    ...         Preference(kind="size", facet="Fashion > Shoes", value="42", updated_at=now,
    ...                    confirmed_at=now - timedelta(days=240))]
    >>> [(v.value, v.months) for v in stale_values(rows, now=now, settings=Settings())]
    [('110', 8)]
    """
    found: list[StaleValue] = []
    for row in rows:
        state = freshness(row, now=now, settings=settings)
        if not state.stale or row.kind not in ("like", "never", "must", "size"):
            continue
        found.append(StaleValue(kind=row.kind, facet=row.facet,
                                value=row.value, confirmed_at=confirmed_at(row),
                                months=state.months, factor=state.factor))
    found.sort(key=lambda v: (v.confirmed_at, v.kind, v.facet, v.value))
    return found
