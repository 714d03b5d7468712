"""The declared (zero-party) profiles that segment discovery clusters: each customer's stated
values as a set, read in bulk, with who was left out and why.

Only what the customer *said* takes part: likes (weight > 0), dislikes (weight < 0), "never"
and "must" rules and the budget ceiling, as a band. Behaviour, inferred suggestions not yet
accepted, sizes (a fit, not a taste) and "not for me" products (single items) do not.

A customer takes part only when the recommendation path would use their declared data now:
personalization consent in force (the ledger, else the shop's default) and a personalization
level that is not ``off`` (``prefero.customers.levels``). Anonymous visitors take part like
signed-in customers: what they declared in the preference centre or a quiz is zero-party data
under the same consent, and a rule segment saved from a cluster matches them too.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.customers.levels import effective_level
from prefero.customers.models import Customer, Preference
from prefero.types import Level

__all__ = [
    "BUDGET_BANDS",
    "DeclaredValue",
    "Population",
    "ValueKind",
    "budget_band",
    "read_population",
]

ValueKind = Literal["like", "dislike", "never", "must", "budget"]
#: Upper edges of the budget bands (the shop's currency); above the last, one open band.
#: Bands, not amounts: 150 and 160 are the same wish, and an amount is a value of its own.
BUDGET_BANDS: tuple[int, ...] = (100, 250, 500, 1000, 2500, 5000)
_BUDGET_FACET = "budget_max"


@dataclass(frozen=True, order=True, slots=True)
class DeclaredValue:
    """One stated value: ``like diet=vegan``, ``never allergens=gluten``, or a budget band
    (``budget budget_max=250``: a ceiling above 100 and at most 250; ``5000+``: above 5000).

    >>> DeclaredValue("like", "diet", "vegan").key
    'like:diet=vegan'
    """

    kind: ValueKind
    facet: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.facet}={self.value}"


def budget_band(ceiling: Decimal | float) -> DeclaredValue:
    """The band a budget ceiling falls in.

    >>> budget_band(150).value, budget_band(250).value, budget_band(9000).value
    ('250', '250', '5000+')
    """
    for edge in BUDGET_BANDS:
        if ceiling <= edge:
            return DeclaredValue("budget", _BUDGET_FACET, str(edge))
    return DeclaredValue("budget", _BUDGET_FACET, f"{BUDGET_BANDS[-1]}+")


@dataclass(frozen=True)
class Population:
    """Every customer's declared values, split by whether their consents let them take part.

    ``eligible`` maps each customer who may take part to their values (possibly few);
    ``withheld`` counts those with declared values whom consent or the level ``off`` keeps
    out; ``revision`` changes whenever anyone's declared data, consents or level may have.
    """

    eligible: Mapping[str, frozenset[DeclaredValue]]
    withheld: int
    revision: str
    #: The shop's level for customers who chose none (what "level unset" means here).
    default_level: Level = "balanced"


def _stated(kind: str, facet: str, value: str, weight: float | None) -> DeclaredValue | None:
    if kind == "like" and weight is not None and weight != 0:
        return DeclaredValue("like" if weight > 0 else "dislike", facet, value)
    if kind == "never":
        return DeclaredValue("never", facet, value)
    if kind == "must":
        return DeclaredValue("must", facet, value)
    return None


def read_population(session: Session, *, settings: Settings) -> Population:
    """Everyone's declared values and who may take part, in three bulk reads.

    >>> population = read_population(session, settings=settings)  # doctest: +SKIP
    >>> sorted(population.eligible["c1"])[0].key  # doctest: +SKIP
    'like:diet=vegan'
    """
    values: dict[str, set[DeclaredValue]] = defaultdict(set)
    for customer_id, kind, facet, value, weight in session.execute(
            select(Preference.customer_id, Preference.kind, Preference.facet, Preference.value,
                   Preference.weight)
            .where(Preference.kind.in_(("like", "never", "must")))):
        stated = _stated(kind, facet, value, weight)
        if stated is not None:
            values[customer_id].add(stated)
    levels: dict[str, str | None] = {}
    # The data revision: a digest of every customer's ``profile_revision`` (the triggers of
    # migration 0007 move it on every preference or consent change, to a value never used
    # before: a transaction id on PostgreSQL, a random number on SQLite, so no maximum or
    # sum would do) and ``updated_at`` (the budget and level live on the row itself).
    digest = hashlib.sha256()
    for customer_id, level, ceiling, revision, updated in session.execute(
            select(Customer.id, Customer.level, Customer.budget_max, Customer.profile_revision,
                   Customer.updated_at).order_by(Customer.id)):
        digest.update(f"{customer_id}\x00{revision}\x00{updated}\x00".encode())
        levels[customer_id] = level
        if ceiling is not None:
            values[customer_id].add(budget_band(ceiling))
    declared = {cid: frozenset(found) for cid, found in values.items()
                if found and cid in levels}
    allowed = _allowed(session, declared, levels=levels, settings=settings)
    return Population(eligible={cid: declared[cid] for cid in sorted(allowed)},
                      withheld=len(declared) - len(allowed),
                      revision=digest.hexdigest()[:16], default_level=settings.default_level)


def _allowed(session: Session, customer_ids: Iterable[str], *,
             levels: Mapping[str, str | None], settings: Settings) -> set[str]:
    """The customers whose declared data the recommendation path would use now
    (``CustomerProfile.uses_declared``): personalization consent and a level that is not
    ``off``. Tracking consent does not matter: nothing here is behaviour."""
    ids = list(customer_ids)
    consents = purpose_consents(session, ids, purpose="personalization", settings=settings)
    allowed: set[str] = set()
    for customer_id in ids:
        chosen = levels.get(customer_id)
        level: Level = settings.default_level if chosen is None else _as_level(chosen)
        if effective_level(level, {"personalization": consents[customer_id]}) != "off":
            allowed.add(customer_id)
    return allowed


def _as_level(text: str) -> Level:
    for level in ("off", "declared", "balanced", "full"):
        if text == level:
            return level
    # A level this code does not know cannot be assumed to allow anything.
    return "off"
