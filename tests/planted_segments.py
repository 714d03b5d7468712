"""A shop whose customers declared in three planted groups, for the discovered-segments tests
(tests/segments, tests/api): who belongs to which group is known, so a clustering can be
checked against it.

Each group member states at least two of the group's three values (each with probability
0.85) and some of a pool of values every group shares (style, colour) as noise. Around them:
customers whose consents or level keep their declared data out, and customers who stated a
single value.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from factories import consent, customer

LIKE, NEVER = "like", "never"
# (kind, facet, value) of each group; "budget" values are a budget ceiling.
GROUPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "vegan": ((LIKE, "diet", "vegan"), (LIKE, "eco", "true"), (LIKE, "use", "sport")),
    "apple": ((LIKE, "ecosystem", "apple"), (LIKE, "use", "photo"),
              (LIKE, "style", "minimal")),
    "gluten": ((NEVER, "allergens", "gluten"), (LIKE, "sugar_free", "true"),
               ("budget", "budget_max", "200")),
}
NOISE: tuple[tuple[str, str, str], ...] = ((LIKE, "style", "classic"), (LIKE, "color", "black"),
                                           (LIKE, "color", "red"), (LIKE, "brand", "nike"))
PER_GROUP = 30


@dataclass(frozen=True)
class PlantedShop:
    groups: dict[str, frozenset[str]]  # group → its (taking part) customers
    withdrawn: frozenset[str]  # vegan-like, personalization consent withdrawn
    level_off: frozenset[str]  # vegan-like, personalization level "off"
    single: frozenset[str]  # one declared value only

    def group_of(self, customer_id: str) -> str:
        return next(name for name, ids in self.groups.items() if customer_id in ids)


def _add(session: Session, cid: str, values: Iterable[tuple[str, str, str]], *,
         level: str | None = None) -> None:
    likes, never, budget = [], [], None
    for kind, facet, value in values:
        if kind == LIKE:
            likes.append((facet, value, 0.8))
        elif kind == NEVER:
            never.append((facet, value))
        else:
            budget = float(value)
    customer(session, cid, level=level, likes=likes, never=never, budget_max=budget)


def plant(session: Session, *, seed: int = 3) -> PlantedShop:
    """Write the planted shop (90 customers in groups and 11 around them) and flush."""
    rng = random.Random(seed)
    groups: dict[str, frozenset[str]] = {}
    for name, values in GROUPS.items():
        ids = []
        for n in range(PER_GROUP):
            cid = f"{name}-{n:02d}"
            held = [v for v in values if rng.random() < 0.85]
            if len(held) < 2:
                held = list(values[:2])
            held += [v for v in NOISE if rng.random() < 0.25]
            _add(session, cid, held)
            consent(session, cid, "personalization", True)
            ids.append(cid)
        groups[name] = frozenset(ids)
    withdrawn = [f"withdrawn-{n}" for n in range(5)]
    for cid in withdrawn:
        _add(session, cid, GROUPS["vegan"])
        consent(session, cid, "personalization", True)
        consent(session, cid, "personalization", False)
    level_off = [f"off-{n}" for n in range(3)]
    for cid in level_off:
        _add(session, cid, GROUPS["vegan"], level="off")
    single = [f"single-{n}" for n in range(3)]
    for cid in single:
        _add(session, cid, NOISE[:1])
    return PlantedShop(groups=groups, withdrawn=frozenset(withdrawn),
                       level_off=frozenset(level_off), single=frozenset(single))
