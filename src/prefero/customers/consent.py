"""Consent state derived from the append-only ledger, with the shop's defaults for purposes
the customer never answered."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.models import ConsentRecord
from prefero.types import PURPOSES, Purpose

__all__ = ["consent_defaults", "current_consents", "has_consent"]


def consent_defaults(settings: Settings) -> dict[Purpose, bool]:
    return {
        "tracking": settings.default_consent_tracking,
        "personalization": settings.default_consent_personalization,
        "context": settings.default_consent_context,
        "marketing_email": settings.default_consent_marketing_email,
        "marketing_push": settings.default_consent_marketing_push,
    }


def current_consents(
    session: Session, *, customer_id: str, settings: Settings
) -> dict[Purpose, bool]:
    """The consent in force for each purpose: the latest ledger row, else the shop default.

    Read on every request that uses data, so a withdrawal is honoured on the next one.
    """
    state = consent_defaults(settings)
    latest = (
        select(ConsentRecord.purpose, func.max(ConsentRecord.id).label("last_id"))
        .where(ConsentRecord.customer_id == customer_id)
        .group_by(ConsentRecord.purpose)
        .subquery()
    )
    rows = session.execute(
        select(ConsentRecord.purpose, ConsentRecord.granted).join(
            latest, ConsentRecord.id == latest.c.last_id
        )
    )
    for purpose, granted in rows:
        if purpose in PURPOSES:
            state[purpose] = bool(granted)
    return state


def has_consent(
    session: Session, *, customer_id: str, purpose: Purpose, settings: Settings
) -> bool:
    return current_consents(session, customer_id=customer_id, settings=settings)[purpose]
