"""The customers of a generated shop at scale: profiles, consent ledger rows and declared
preferences as NumPy arrays, plus each customer's hidden taste (how much they shop, which
two leaf categories they come back to) that the behaviour reads and nothing stores.

Most customers consent to tracking (so training has data to learn from), a few withdraw it
later (their stored events must then be left out of training), and about a third have
declared something: a liked brand or category, an allergen they never want, a diet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from prefero.bench.scale_catalog import (
    ALLERGENS,
    LEAVES,
    NULL,
    ScaleCatalog,
    timestamps,
)

__all__ = [
    "CONSENT_COLUMNS",
    "CONSENT_SOURCE",
    "CUSTOMER_COLUMNS",
    "LEVELS",
    "PREFERENCE_COLUMNS",
    "ScalePeople",
    "generate_people",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Personalization levels a customer chose (index -1: none, the shop's default applies).
LEVELS = ("off", "declared", "balanced", "full")
CONSENT_SOURCE = "bench-generate"
#: Share of customers granting each purpose at sign-up.
CONSENT_RATES = (("tracking", 0.85), ("personalization", 0.9), ("context", 0.4),
                 ("marketing_email", 0.3))
#: Share of tracking consents withdrawn later.
WITHDRAWAL_RATE = 0.02
#: Customers' accounts are opened up to this many days before the behaviour window starts.
SIGN_UP_DAYS = 720

CUSTOMER_COLUMNS = ("id", "anonymous", "level", "level_updated_at", "exploration",
                    "budget_max", "budget_source", "budget_updated_at", "created_at",
                    "updated_at", "profile_revision")
CONSENT_COLUMNS = ("customer_id", "purpose", "granted", "source", "policy_version",
                   "recorded_at")
PREFERENCE_COLUMNS = ("customer_id", "kind", "facet", "value", "weight", "source",
                      "created_at", "updated_at")


@dataclass(frozen=True)
class ScalePeople:
    """The generated customers as parallel arrays (position ``i`` is ``ids[i]``)."""

    ids: list[str]
    created_s: IntArray
    level: IntArray  # index into LEVELS, -1 for none
    budget_max: FloatArray  # NaN for none
    granted: dict[str, BoolArray]  # purpose → granted at sign-up
    withdrawn_s: IntArray  # when tracking was withdrawn (epoch seconds), -1 for never
    activity: FloatArray  # hidden: relative amount of shopping
    home_leaves: IntArray  # hidden: (customers, 2) leaf indices they come back to
    like_brand: IntArray  # brand index or -1
    like_leaf: BoolArray  # likes their first home leaf
    never_allergen: IntArray  # index into ALLERGENS or -1
    must_vegan: BoolArray

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def linked(self) -> BoolArray:
        """Customers whose events are stored linked to them: tracking granted at sign-up
        (a later withdrawal leaves what was stored before; training must then skip it)."""
        return self.granted["tracking"]

    def customer_lines(self, start: int, stop: int, *, revision: int) -> Iterator[str]:
        """``customers`` rows in COPY text format (``CUSTOMER_COLUMNS``); ``revision`` is
        the loading transaction's id, the stamp the profile triggers would have set."""
        created = timestamps(self.created_s[start:stop])
        for offset, i in enumerate(range(start, stop)):
            level = int(self.level[i])
            budget = self.budget_max[i]
            when = created[offset]
            level_text = NULL if level < 0 else LEVELS[level]
            level_at = NULL if level < 0 else when
            budget_text, source, budget_at = ((NULL, NULL, NULL) if np.isnan(budget)
                                              else (f"{budget:.2f}", "declared", when))
            yield (f"{self.ids[i]}\tf\t{level_text}\t{level_at}\tt\t{budget_text}\t{source}\t"
                   f"{budget_at}\t{when}\t{when}\t{revision}\n")

    def consent_lines(self, start: int, stop: int, *, policy_version: str) -> Iterator[str]:
        """``consent_records`` rows (``CONSENT_COLUMNS``): each purpose answered at sign-up,
        then the withdrawals, in the order a ledger would have received them."""
        created = timestamps(self.created_s[start:stop])
        withdrawn = timestamps(np.maximum(self.withdrawn_s[start:stop], 0))
        for offset, i in enumerate(range(start, stop)):
            for purpose, _rate in CONSENT_RATES:
                granted = "t" if self.granted[purpose][i] else "f"
                yield (f"{self.ids[i]}\t{purpose}\t{granted}\t{CONSENT_SOURCE}\t"
                       f"{policy_version}\t{created[offset]}\n")
            if self.withdrawn_s[i] >= 0:
                yield (f"{self.ids[i]}\ttracking\tf\t{CONSENT_SOURCE}\t{policy_version}\t"
                       f"{withdrawn[offset]}\n")

    def preference_lines(self, start: int, stop: int, *, catalog: ScaleCatalog
                         ) -> Iterator[str]:
        """``preferences`` rows (``PREFERENCE_COLUMNS``), in the stored form the preference
        service writes: brands case-folded, category paths as they are."""
        created = timestamps(self.created_s[start:stop] + 3600)
        for offset, i in enumerate(range(start, stop)):
            when = created[offset]
            who = self.ids[i]
            brand = int(self.like_brand[i])
            if brand >= 0:
                value = catalog.brand_names[brand].casefold()
                yield f"{who}\tlike\tbrand\t{value}\t1.0\tdeclared\t{when}\t{when}\n"
            if self.like_leaf[i]:
                path = LEAVES[int(self.home_leaves[i, 0])].path
                yield f"{who}\tlike\tcategory\t{path}\t0.8\tdeclared\t{when}\t{when}\n"
            allergen = int(self.never_allergen[i])
            if allergen >= 0:
                yield (f"{who}\tnever\tallergens\t{ALLERGENS[allergen]}\t{NULL}\tdeclared\t"
                       f"{when}\t{when}\n")
            if self.must_vegan[i]:
                yield f"{who}\tmust\tdiet\tvegan\t{NULL}\tdeclared\t{when}\t{when}\n"


def generate_people(rng: np.random.Generator, count: int, *, catalog: ScaleCatalog,
                    anchor_s: int, window_days: int) -> ScalePeople:
    """``count`` customers, ids ``c0000001`` onwards (at least seven digits), all signed up
    before the behaviour window of ``window_days`` days ending at ``anchor_s``.

    >>> from prefero.bench.scale_catalog import generate_catalog
    >>> catalog = generate_catalog(np.random.default_rng(1), 60, anchor_s=1_767_225_600)
    >>> people = generate_people(np.random.default_rng(2), 10, catalog=catalog,
    ...                          anchor_s=1_767_225_600, window_days=90)
    >>> people.ids[0], people.home_leaves.shape
    ('c0000001', (10, 2))
    """
    width = max(7, len(str(count)))
    ids = [f"c{i:0{width}d}" for i in range(1, count + 1)]
    window_start = anchor_s - window_days * 86_400
    created_s = window_start - (rng.random(count) * SIGN_UP_DAYS * 86_400).astype(np.int64)
    level = rng.choice(len(LEVELS) + 1, size=count, p=[0.9, 0.01, 0.03, 0.02, 0.04]) - 1
    budget_max = np.where(rng.random(count) < 0.05,
                          np.round(rng.lognormal(6.0, 0.8, count), 0), np.nan)
    granted = {purpose: rng.random(count) < rate for purpose, rate in CONSENT_RATES}
    withdraws = granted["tracking"] & (rng.random(count) < WITHDRAWAL_RATE)
    withdrawn_s = np.where(withdraws, window_start + (rng.random(count) * window_days
                                                      * 86_400).astype(np.int64), -1)
    # Home leaves in proportion to how much of the catalogue each leaf holds.
    sizes = np.bincount(catalog.leaf, minlength=len(LEAVES)).astype(np.float64)
    home_leaves = rng.choice(len(LEAVES), size=(count, 2), p=sizes / sizes.sum())
    # A liked brand is one of the home leaf's vertical, picked through a product there.
    like_brand = np.full(count, -1, dtype=np.int64)
    likes = rng.random(count) < 0.15
    by_leaf = [np.flatnonzero(catalog.leaf == leaf) for leaf in range(len(LEAVES))]
    for leaf, members in enumerate(by_leaf):
        who = np.flatnonzero(likes & (home_leaves[:, 0] == leaf))
        if who.size and members.size:
            like_brand[who] = catalog.brand[members[rng.integers(0, members.size, who.size)]]
    never_allergen = np.where(rng.random(count) < 0.05,
                              rng.integers(0, len(ALLERGENS), count), -1)
    return ScalePeople(
        ids=ids, created_s=created_s, level=level.astype(np.int64), budget_max=budget_max,
        granted=granted, withdrawn_s=withdrawn_s.astype(np.int64),
        activity=rng.lognormal(0.0, 1.0, count), home_leaves=home_leaves.astype(np.int64),
        like_brand=like_brand, like_leaf=rng.random(count) < 0.15,
        never_allergen=never_allergen.astype(np.int64), must_vegan=rng.random(count) < 0.02)
