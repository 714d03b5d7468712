"""Consent belongs to the account holder: each household profile's ledger mirrors the
account's.

Why a mirror and not "read the owner's ledger wherever consent is read": every reader of
consent (ingest, recommendations, suggestions, quizzes, content, messages, training) keys
by the customer id it serves, and the declared-profile caches keep consents at the
customer's ``profile_revision``, which the database moves (triggers of migration 0007) only
when *that* customer's ledger changes. Appending the account's decision to each profile's
ledger in the same transaction moves each profile's revision too, so a withdrawal acts on
the next request for every profile, with no reader changed. Writes addressed to a profile
are refused (``refuse_profile_consent``), so the two ledgers cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.customers.household_models import HouseholdProfile
from prefero.customers.models import ConsentRecord, Customer
from prefero.errors import Conflict, FieldError

__all__ = ["ConsentBelongsToHolder", "refuse_profile_consent", "sync_household_consents"]


@dataclass
class ConsentBelongsToHolder(Conflict):
    """A consent write addressed to a household profile instead of its account."""

    slug: str = "consent-belongs-to-account-holder"
    title: str = "Consent belongs to the account holder"


def refuse_profile_consent(session: Session, customer_id: str) -> None:
    """``ConsentBelongsToHolder`` (409) when ``customer_id`` is a household profile's row."""
    owner = session.scalar(select(Customer.household_owner_id)
                           .where(Customer.id == customer_id))
    if owner is not None:
        raise ConsentBelongsToHolder(
            "consent belongs to the account holder: record it for the account, and it "
            "applies to every profile of the household",
            [FieldError(("customer_id",), "is a household profile, not an account")])


def _newest(session: Session, customer_ids: list[str]) -> dict[tuple[str, str], ConsentRecord]:
    """The ledger row in force per (customer, purpose): the newest, by id."""
    last = (select(func.max(ConsentRecord.id))
            .where(ConsentRecord.customer_id.in_(customer_ids))
            .group_by(ConsentRecord.customer_id, ConsentRecord.purpose))
    rows = session.scalars(select(ConsentRecord).where(ConsentRecord.id.in_(last)))
    return {(row.customer_id, row.purpose): row for row in rows}


def sync_household_consents(session: Session, *, owner_id: str,
                            subject_ids: list[str] | None = None) -> int:
    """Append the account's decision in force to each profile ledger where it differs (or is
    missing); answers how many rows were appended. Idempotent: a second call appends none.

    Called after every consent write for an account, after an identity merge (which moves
    ledger rows in without writing new ones) and when a profile is created (``subject_ids``
    then names it alone, so the query by owner is skipped).

    >>> sync_household_consents(session, owner_id="c1")  # doctest: +SKIP
    0
    """
    subjects = subject_ids if subject_ids is not None else list(session.scalars(
        select(HouseholdProfile.subject_id).where(HouseholdProfile.owner_id == owner_id)))
    if not subjects:
        return 0
    session.flush()
    newest = _newest(session, [owner_id, *subjects])
    appended = 0
    for (customer_id, purpose), held in sorted(newest.items()):
        if customer_id != owner_id:
            continue
        for subject in subjects:
            mine = newest.get((subject, purpose))
            if mine is not None and mine.granted == held.granted:
                continue
            session.add(ConsentRecord(customer_id=subject, purpose=purpose,
                                      granted=held.granted, source=held.source,
                                      policy_version=held.policy_version,
                                      recorded_at=held.recorded_at))
            appended += 1
    session.flush()
    return appended
