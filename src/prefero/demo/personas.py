"""The demo's personas for the sign-in page, each summed up by what it declared: its
strongest likes, its rules, budget, sizes, level and whether it lets the shop learn from
what it does. Nothing is invented: a persona that declared nothing says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.models import ANONYMOUS_PREFIX, Customer, Preference
from prefero.customers.preferences import profile_of
from prefero.customers.schemas import PreferencesOut
from prefero.demo.customers import PERSONA_NO_GLUTEN, PERSONA_NO_TRACKING
from prefero.types import Level

__all__ = ["PERSONA_COUNT", "Persona", "demo_personas", "persona_of"]

PERSONA_COUNT = 8
# Enough to recognise a persona at a glance; the rest is counted ("and 2 more").
SHOWN = 3
# Visitors browsing anonymously get ids with this prefix (prefero.web.identity): never
# personas, even where a service created them as known customers.

Value = tuple[str, str]  # (facet, stored value)


@dataclass(frozen=True)
class Persona:
    """What one persona declared, strongest first, as stored (the page words it)."""

    customer_id: str
    level: Level
    likes: tuple[Value, ...]
    more_likes: int
    never: tuple[Value, ...]
    must: tuple[Value, ...]
    more_rules: int
    budget_min: Decimal | None
    budget_max: Decimal | None
    sized_categories: int
    tracking: bool

    @property
    def declared(self) -> bool:
        return bool(self.likes or self.never or self.must or self.budget_min is not None
                    or self.budget_max is not None or self.sized_categories)


def persona_of(profile: PreferencesOut, *, tracking: bool, shown: int = SHOWN) -> Persona:
    """The summary of one declared profile: likes (weight > 0) strongest first, rules in
    the order declared, each list cut at ``shown``.

    >>> from prefero.customers.schemas import Like
    >>> persona = persona_of(PreferencesOut(customer_id="c1", effective_level="balanced",
    ...     likes=[Like(facet="brand", value="acme", weight=0.5),
    ...            Like(facet="style", value="minimal", weight=0.9),
    ...            Like(facet="brand", value="zeta", weight=-1.0)]), tracking=True)
    >>> persona.likes, persona.more_likes
    ((('style', 'minimal'), ('brand', 'acme')), 0)
    """
    liked = sorted((like for like in profile.likes if like.weight > 0),
                   key=lambda like: -like.weight)
    never = [(c.facet, v) for c in profile.constraints if c.op == "never" for v in c.values]
    must = [(c.facet, v) for c in profile.constraints if c.op == "must" for v in c.values]
    kept_never = never[:shown]
    kept_must = must[:max(0, shown - len(kept_never))]
    budget = profile.budget
    return Persona(
        customer_id=profile.customer_id,
        level=profile.effective_level,
        likes=tuple((like.facet, like.value) for like in liked[:shown]),
        more_likes=max(0, len(liked) - shown),
        never=tuple(kept_never),
        must=tuple(kept_must),
        more_rules=len(never) + len(must) - len(kept_never) - len(kept_must),
        budget_min=budget.min if budget is not None else None,
        budget_max=budget.max if budget is not None else None,
        sized_categories=len({s.category for s in profile.sizes}),
        tracking=tracking,
    )


def demo_personas(session: Session, *, settings: Settings, limit: int = PERSONA_COUNT
                  ) -> list[Persona]:
    """The demo's two named personas first, then the customers who declared the most.

    >>> [p.customer_id for p in demo_personas(session, settings=settings)][:2]
    ... # doctest: +SKIP
    ['c00001', 'c00002']
    """
    busiest = session.scalars(
        select(Preference.customer_id).group_by(Preference.customer_id)
        .order_by(func.count().desc(), Preference.customer_id).limit(limit)).all()
    ids = list(dict.fromkeys([PERSONA_NO_GLUTEN, PERSONA_NO_TRACKING, *busiest]))
    found: list[Persona] = []
    for customer_id in ids:
        customer = session.get(Customer, customer_id)
        # A household profile's row is no one to sign in as: its account is.
        if customer is None or customer.anonymous or customer_id.startswith(ANONYMOUS_PREFIX) \
                or customer.household_owner_id is not None:
            continue
        consents = current_consents(session, customer_id=customer_id, settings=settings)
        found.append(persona_of(profile_of(session, customer, settings),
                                tracking=consents["tracking"]))
        if len(found) == limit:
            break
    return found
