"""The overview's figures: the catalogue, the customers, consent per purpose and the
personalization levels customers chose. Each is one or two grouped queries, whatever the
shop's size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.consent import consent_defaults
from prefero.customers.models import ANONYMOUS_PREFIX, ConsentRecord, Customer
from prefero.types import PURPOSES, Level, Purpose

__all__ = [
    "AVAILABLE",
    "Catalogue",
    "ConsentRate",
    "Customers",
    "LevelCount",
    "catalogue_figures",
    "consent_rates",
    "customer_figures",
    "level_counts",
]

#: The availabilities a shopper can buy (``Product.in_stock``).
AVAILABLE = ("in_stock", "preorder", "backorder")


@dataclass(frozen=True)
class Catalogue:
    """Active products by availability (``in_stock``, ``out_of_stock``, ...), and how many
    products are inactive (withdrawn from the shop)."""

    by_availability: dict[str, int]
    inactive: int

    @property
    def active(self) -> int:
        return sum(self.by_availability.values())

    @property
    def available(self) -> int:
        return sum(n for state, n in self.by_availability.items() if state in AVAILABLE)

    @property
    def available_share(self) -> float | None:
        """Available of active; None for an empty catalogue."""
        return self.available / self.active if self.active else None


@dataclass(frozen=True)
class Customers:
    known: int
    anonymous: int

    @property
    def total(self) -> int:
        return self.known + self.anonymous


@dataclass(frozen=True)
class ConsentRate:
    """One purpose: customers whose latest answer grants it, refuses it, or who never
    answered (the shop's default then applies)."""

    purpose: Purpose
    granted: int
    refused: int
    unanswered: int
    default: bool

    @property
    def total(self) -> int:
        return self.granted + self.refused + self.unanswered

    @property
    def in_force(self) -> int:
        """Customers for whom the purpose is allowed now."""
        return self.granted + (self.unanswered if self.default else 0)

    @property
    def rate(self) -> float | None:
        return self.in_force / self.total if self.total else None


@dataclass(frozen=True)
class LevelCount:
    """Customers who chose ``level``; ``level`` None: those who left it to the shop."""

    level: Level | None
    count: int


def catalogue_figures(session: Session) -> Catalogue:
    """Products by availability.

    >>> catalogue_figures(session).available_share  # doctest: +SKIP
    0.93
    """
    rows = session.execute(select(Product.active, Product.availability, func.count())
                           .group_by(Product.active, Product.availability))
    by_availability: dict[str, int] = {}
    inactive = 0
    for active, availability, count in rows:
        if active:
            by_availability[availability] = by_availability.get(availability, 0) + count
        else:
            inactive += count
    return Catalogue(by_availability=dict(sorted(by_availability.items(),
                                                 key=lambda item: (-item[1], item[0]))),
                     inactive=inactive)


def _is_anonymous() -> ColumnElement[bool]:
    # A visitor's row is anonymous by its flag or by the id the shop's pages give visitors.
    return or_(Customer.anonymous.is_(True), Customer.id.startswith(ANONYMOUS_PREFIX))


def customer_figures(session: Session) -> Customers:
    """Customers the shop knows against anonymous visitors' profiles (a household's extra
    profiles are part of their account, not customers of their own)."""
    anonymous = _is_anonymous()
    total, anonymous_count = session.execute(
        select(func.count(), func.count().filter(anonymous))
        .select_from(Customer).where(Customer.household_owner_id.is_(None))).one()
    return Customers(known=int(total) - int(anonymous_count or 0),
                     anonymous=int(anonymous_count or 0))


def consent_rates(session: Session, *, settings: Settings) -> list[ConsentRate]:
    """Per purpose, every customer's consent in force: their latest ledger row (the ledger
    is append-only), else the shop's default. In the order of ``PURPOSES``.

    >>> [r.purpose for r in consent_rates(session, settings=settings)][:2]  # doctest: +SKIP
    ['tracking', 'personalization']
    """
    total = int(session.scalar(select(func.count()).select_from(Customer)) or 0)
    latest = (select(func.max(ConsentRecord.id).label("last_id"))
              .group_by(ConsentRecord.customer_id, ConsentRecord.purpose).subquery())
    rows = session.execute(
        select(ConsentRecord.purpose, ConsentRecord.granted, func.count())
        .join(latest, ConsentRecord.id == latest.c.last_id)
        .group_by(ConsentRecord.purpose, ConsentRecord.granted))
    answered: dict[tuple[str, bool], int] = {}
    for purpose, grants, count in rows:
        answered[(purpose, bool(grants))] = int(count)
    defaults = consent_defaults(settings)
    rates = []
    for purpose in PURPOSES:
        granted = answered.get((purpose, True), 0)
        refused = answered.get((purpose, False), 0)
        rates.append(ConsentRate(purpose=purpose, granted=granted, refused=refused,
                                 unanswered=max(0, total - granted - refused),
                                 default=defaults[purpose]))
    return rates


def level_counts(session: Session) -> list[LevelCount]:
    """Customers per chosen level, in the levels' order, the shop's default (None) last;
    a level nobody chose is counted as 0."""
    rows = dict(session.execute(select(Customer.level, func.count()).group_by(Customer.level))
                .all())
    order: tuple[Level, ...] = ("off", "declared", "balanced", "full")
    counts = [LevelCount(level=level, count=int(rows.get(level, 0))) for level in order]
    return [*counts, LevelCount(level=None, count=int(rows.get(None, 0)))]
