"""The customer as the request path sees them: wishes, level, consents and — only when
allowed — recent behaviour. Read fresh on every request, so a change applies at once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import consent_defaults, current_consents
from prefero.customers.freshness import decay_factor
from prefero.customers.levels import effective_level
from prefero.customers.models import Customer, Preference
from prefero.db.base import utcnow
from prefero.db.reads import read
from prefero.events.models import Event
from prefero.recommend.declared_cache import Declared, DeclaredStore
from prefero.types import Level, Purpose

__all__ = ["CustomerProfile", "HistoryItem", "load_profile"]

HISTORY_LIMIT = 100

# The reads of every recommendation, built once (see prefero.db.reads).
_CUSTOMER = (select(Customer.level, Customer.budget_min, Customer.budget_max,
                    Customer.exploration, Customer.profile_revision)
             .where(Customer.id == bindparam("customer_id")))
_HISTORY = (select(Event.product_id, Event.type, Event.occurred_at)
            .where(Event.customer_id == bindparam("customer_id"), Event.product_id.is_not(None),
                   # Money back is not a step of the journey (its purchase already is).
                   Event.type != "refund")
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(HISTORY_LIMIT))
_PREFERENCES = (select(Preference.kind, Preference.facet, Preference.value, Preference.weight,
                       Preference.confirmed_at, Preference.updated_at)
                .where(Preference.customer_id == bindparam("customer_id")))


@dataclass(frozen=True)
class HistoryItem:
    product_id: str
    type: str
    occurred_at: datetime


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: str | None
    level: Level
    consents: dict[Purpose, bool]
    likes: tuple[tuple[str, str, float], ...] = ()
    never: tuple[tuple[str, str], ...] = ()
    must: dict[str, tuple[str, ...]] = field(default_factory=dict)
    budget_min: float | None = None
    budget_max: float | None = None
    budget_currency: str | None = None  # the shop's: the currency budgets are kept in
    sizes: dict[str, frozenset[str]] = field(default_factory=dict)
    dismissed: frozenset[str] = frozenset()
    exploration: bool = True
    history: tuple[HistoryItem, ...] = ()
    #: The customer chose ``level`` themselves (else it is the shop's default, which an
    #: experiment's arm may set: prefero.experiments.serving).
    level_chosen: bool = False

    @property
    def effective_level(self) -> Level:
        """The level answers are made at: ``level`` as far as the consents allow it."""
        return effective_level(self.level, self.consents)

    @property
    def uses_declared(self) -> bool:
        """Ranking may use what the customer said (constraints apply regardless)."""
        return self.effective_level != "off"

    @property
    def uses_behaviour(self) -> bool:
        return self.effective_level in ("balanced", "full")

    @property
    def uses_context(self) -> bool:
        return self.level == "full" and self.uses_behaviour and self.consents["context"]

    @property
    def has_constraints(self) -> bool:
        return bool(self.never or self.must or self.sizes or self.dismissed
                    or self.budget_min is not None or self.budget_max is not None)


def load_profile(session: Session, *, customer_id: str | None, settings: Settings,
                 cache: DeclaredStore | None = None, now: datetime | None = None
                 ) -> CustomerProfile:
    """Everything about the customer the pipeline may use, respecting consent.

    With a ``cache``, the preferences and consents read at the customer's current
    ``profile_revision`` are reused (``prefero.recommend.declared_cache`` says why that is
    never stale); the customer row and the recent events are read every time. Likes carry
    their weights as they stand at ``now`` (default: the current time): a like not confirmed
    for longer than its freshness window counts half per window
    (``prefero.customers.freshness``), computed here from the stored times, so a cached entry
    decays as time passes without being read again.
    """
    if customer_id is None:
        return CustomerProfile(customer_id=None, level=settings.default_level,
                               consents=consent_defaults(settings))
    who = {"customer_id": customer_id}
    customer = read(session, _CUSTOMER, who).first()
    if customer is None:
        if cache is not None:
            cache.drop(customer_id)
        return CustomerProfile(customer_id=customer_id, level=settings.default_level,
                               consents=current_consents(session, customer_id=customer_id,
                                                         settings=settings))
    revision = int(customer.profile_revision)
    declared = cache.get(customer_id, revision=revision) if cache is not None else None
    if declared is None:
        declared = _read_declared(session, customer_id=customer_id, settings=settings,
                                  revision=revision)
        if cache is not None:
            cache.put(customer_id, declared)
    history: tuple[HistoryItem, ...] = ()
    if declared.consents["tracking"]:
        history = tuple(
            HistoryItem(product_id=str(pid), type=kind, occurred_at=at)
            for pid, kind, at in read(session, _HISTORY, who)
        )
    level: Level = customer.level or settings.default_level
    return CustomerProfile(
        customer_id=customer_id,
        level=level,
        consents=dict(declared.consents),
        likes=_decayed(declared, now=now or utcnow(), settings=settings),
        never=declared.never,
        must=dict(declared.must),
        budget_min=float(customer.budget_min) if customer.budget_min is not None else None,
        budget_max=float(customer.budget_max) if customer.budget_max is not None else None,
        budget_currency=settings.shop_currency,
        sizes=dict(declared.sizes),
        dismissed=declared.dismissed,
        exploration=bool(customer.exploration),
        history=history,
        level_chosen=customer.level is not None,
    )


def _decayed(declared: Declared, *, now: datetime, settings: Settings
             ) -> tuple[tuple[str, str, float], ...]:
    """The likes of ``declared`` with their weights as they stand at ``now``."""
    if not declared.confirmed:
        return declared.likes
    return tuple(
        (facet, value, weight * decay_factor(kind="like", facet=facet, now=now,
                                             confirmed_at=declared.confirmed.get((facet, value)),
                                             settings=settings))
        for facet, value, weight in declared.likes)


def _read_declared(session: Session, *, customer_id: str, settings: Settings,
                   revision: int) -> Declared:
    """The customer's preferences and consents, as they stand at ``revision``."""
    consents = current_consents(session, customer_id=customer_id, settings=settings)
    likes: list[tuple[str, str, float]] = []
    never: list[tuple[str, str]] = []
    must: dict[str, list[str]] = defaultdict(list)
    sizes: dict[str, set[str]] = defaultdict(set)
    dismissed: set[str] = set()
    confirmed: dict[tuple[str, str], datetime] = {}
    for kind, facet, value, weight, confirmed_at, updated_at in read(
            session, _PREFERENCES, {"customer_id": customer_id}):
        if kind == "like":
            likes.append((facet, value, float(weight or 0.0)))
            confirmed[(facet, value)] = confirmed_at or updated_at
        elif kind == "never":
            never.append((facet, value))
        elif kind == "must":
            must[facet].append(value)
        elif kind == "size":
            sizes[facet].add(value)
        elif kind == "dismiss":
            dismissed.add(value)
    return Declared(
        revision=revision, consents=consents, likes=tuple(likes), never=tuple(never),
        must={facet: tuple(values) for facet, values in must.items()},
        sizes={category: frozenset(values) for category, values in sizes.items()},
        dismissed=frozenset(dismissed), confirmed=confirmed)
