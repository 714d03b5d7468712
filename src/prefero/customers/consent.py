"""Consent state derived from the append-only ledger, with the shop's defaults for purposes
the customer never answered."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.models import ConsentRecord
from prefero.types import PURPOSES, Purpose

__all__ = ["consent_defaults", "current_consents", "has_consent", "purpose_consents"]

# Bound parameters per IN list, below SQLite's and PostgreSQL's limits.
_IN_CHUNK = 900


def consent_defaults(settings: Settings) -> dict[Purpose, bool]:
    return {
        "tracking": settings.default_consent_tracking,
        "personalization": settings.default_consent_personalization,
        "context": settings.default_consent_context,
        "marketing_email": settings.default_consent_marketing_email,
        "marketing_push": settings.default_consent_marketing_push,
    }


def _latest(session: Session, *, customer_ids: Sequence[str], purposes: Sequence[str]
            ) -> Iterator[tuple[str, str, bool]]:
    """(customer, purpose, granted) of the newest ledger row per customer and purpose."""
    latest = (
        select(func.max(ConsentRecord.id).label("last_id"))
        .where(ConsentRecord.customer_id.in_(customer_ids),
               ConsentRecord.purpose.in_(purposes))
        .group_by(ConsentRecord.customer_id, ConsentRecord.purpose)
        .subquery()
    )
    rows = session.execute(
        select(ConsentRecord.customer_id, ConsentRecord.purpose, ConsentRecord.granted)
        .join(latest, ConsentRecord.id == latest.c.last_id)
    )
    for customer_id, purpose, granted in rows:
        yield customer_id, purpose, bool(granted)


def current_consents(
    session: Session, *, customer_id: str, settings: Settings
) -> dict[Purpose, bool]:
    """The consent in force for each purpose: the latest ledger row, else the shop default.

    Read on every request that uses data, so a withdrawal is honoured on the next one.
    """
    state = consent_defaults(settings)
    for _customer, purpose, granted in _latest(session, customer_ids=[customer_id],
                                               purposes=PURPOSES):
        state[purpose] = granted  # type: ignore[index]  # filtered to PURPOSES by the query
    return state


def purpose_consents(
    session: Session, customer_ids: Collection[str], *, purpose: Purpose, settings: Settings
) -> dict[str, bool]:
    """One purpose's consent for many customers at once (one query per 900 customers), by
    the same rule as ``current_consents``.

    >>> purpose_consents(session, ["c-1"], purpose="tracking", settings=settings)
    ... # doctest: +SKIP
    {'c-1': False}
    """
    state = dict.fromkeys(customer_ids, consent_defaults(settings)[purpose])
    ordered = sorted(state)
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start:start + _IN_CHUNK]
        for customer_id, _purpose, granted in _latest(session, customer_ids=chunk,
                                                      purposes=[purpose]):
            state[customer_id] = granted
    return state


def has_consent(
    session: Session, *, customer_id: str, purpose: Purpose, settings: Settings
) -> bool:
    return current_consents(session, customer_id=customer_id, settings=settings)[purpose]
