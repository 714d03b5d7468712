"""Household profiles: an account holds several profiles ("me", "kids", "partner"), each with
its own likes, rules, sizes and level.

Every extra profile is backed by a customer row of its own, its *subject*
(``HouseholdProfile.subject_id``), so every service keyed by a customer id works for a
profile unchanged; this module creates, names and removes profiles, maps (account, profile)
to the subject, and makes erasure and the export cover every profile. Consent belongs to the
account holder (``prefero.customers.household_consent``).

The services take a ``Session`` inside the caller's unit of work and commit nothing; errors
are ``PreferoError`` subclasses.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.household_consent import sync_household_consents
from prefero.customers.household_models import HouseholdProfile
from prefero.customers.household_schemas import (
    MAIN_PROFILE,
    ProfileIn,
    ProfileList,
    ProfileOut,
    ProfilePatch,
    as_profile_kind,
)
from prefero.customers.models import ANONYMOUS_PREFIX, Customer
from prefero.customers.repository import ensure_customers, get_customer
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, NotFound
from prefero.privacy.schemas import ErasureReceiptOut
from prefero.privacy.service import erase_customer
from prefero.quizzes.models import QuizSession

__all__ = [
    "MAIN_PROFILE",
    "MAX_PROFILES",
    "Erased",
    "account_of",
    "check_quiz_session",
    "create_profile",
    "delete_profile",
    "erase_account",
    "list_profiles",
    "subject_for",
    "subjects_for",
    "update_profile",
]

#: Profiles an account may hold, its own included: a household, not a customer list.
MAX_PROFILES = 8
# Customer ids are at most 200 characters (customers.id).
_ID_LENGTH = 200


def _out(row: HouseholdProfile) -> ProfileOut:
    return ProfileOut(profile_id=row.profile_key, name=row.name,
                      kind=as_profile_kind(row.kind), main=False, position=row.position,
                      created_at=row.created_at)


def _rows(session: Session, owner_id: str) -> list[HouseholdProfile]:
    return list(session.scalars(
        select(HouseholdProfile).where(HouseholdProfile.owner_id == owner_id)
        .order_by(HouseholdProfile.position, HouseholdProfile.id)))


def _account(session: Session, owner_id: str) -> Customer:
    """The account ``owner_id``: ``NotFound`` when unknown, or when it is itself a profile's
    row (profiles do not nest, and a profile is reached through its account)."""
    customer = get_customer(session, owner_id)
    if customer is None or customer.household_owner_id is not None:
        raise NotFound(f"no customer {owner_id!r}")
    return customer


def list_profiles(session: Session, *, owner_id: str) -> ProfileList:
    """The account's profiles, its own ("main") first; ``NotFound`` for an unknown account.

    >>> [p.profile_id for p in list_profiles(session, owner_id="c1").profiles]
    ... # doctest: +SKIP
    ['main', 'kids']
    """
    _account(session, owner_id)
    main = ProfileOut(profile_id=MAIN_PROFILE, name=None, kind=None, main=True, position=0)
    return ProfileList(customer_id=owner_id, max_profiles=MAX_PROFILES,
                       profiles=[main, *(_out(row) for row in _rows(session, owner_id))])


def _subject_id(session: Session, owner_id: str, key: str) -> str:
    """``<account>~<profile>`` when it fits and is free (readable in logs and exports of the
    shop), else a generated id: a shop's own customer may already be called that."""
    wanted = f"{owner_id}~{key}"
    if len(wanted) <= _ID_LENGTH and get_customer(session, wanted) is None:
        return wanted
    return f"household-{uuid.uuid4().hex}"


def create_profile(session: Session, *, owner_id: str, profile: ProfileIn) -> ProfileOut:
    """Add a profile to the account (created when missing). Its consent is the account's,
    copied now and mirrored on every later decision.

    ``Conflict`` when the id is taken, the account holds ``MAX_PROFILES`` already, the
    account is an anonymous visitor, or ``owner_id`` is itself a profile's row.

    >>> create_profile(session, owner_id="c1",
    ...                profile=ProfileIn(profile_id="kids", name="Kids")).profile_id
    ... # doctest: +SKIP
    'kids'
    """
    customer = get_customer(session, owner_id)
    if customer is not None and customer.household_owner_id is not None:
        raise Conflict("a household profile cannot hold profiles of its own; add them to "
                       "the account")
    if owner_id.startswith(ANONYMOUS_PREFIX) or (customer is not None and customer.anonymous):
        raise Conflict("only a signed-in account can hold household profiles")
    ensure_customers(session, {owner_id: False})
    # Lock the account: two additions at once must not both pass the count below.
    session.scalars(select(Customer.id).where(Customer.id == owner_id).with_for_update()).all()
    rows = _rows(session, owner_id)
    if any(row.profile_key == profile.profile_id for row in rows):
        raise Conflict(f"the account already has a profile {profile.profile_id!r}",
                       [FieldError(("profile_id",), "is already used in this household")])
    if len(rows) + 1 >= MAX_PROFILES:
        raise Conflict(f"an account holds at most {MAX_PROFILES} profiles, its own included")
    subject = _subject_id(session, owner_id, profile.profile_id)
    now = utcnow()
    session.add(Customer(id=subject, anonymous=False, exploration=True,
                         household_owner_id=owner_id, created_at=now, updated_at=now))
    session.flush()
    row = HouseholdProfile(owner_id=owner_id, profile_key=profile.profile_id,
                           name=profile.name, kind=profile.kind, subject_id=subject,
                           position=max((r.position for r in rows), default=0) + 1,
                           created_at=now)
    session.add(row)
    session.flush()
    sync_household_consents(session, owner_id=owner_id, subject_ids=[subject])
    return _out(row)


def _profile(session: Session, owner_id: str, key: str) -> HouseholdProfile:
    row = session.scalars(select(HouseholdProfile).where(
        HouseholdProfile.owner_id == owner_id, HouseholdProfile.profile_key == key)).first()
    if row is None:
        raise NotFound(f"the account has no profile {key!r}")
    return row


def update_profile(session: Session, *, owner_id: str, profile_id: str,
                   patch: ProfilePatch) -> ProfileOut:
    """Rename, re-kind or move one profile; the main profile has no name to change (404).

    >>> update_profile(session, owner_id="c1", profile_id="kids",
    ...                patch=ProfilePatch(name="The kids")).name  # doctest: +SKIP
    'The kids'
    """
    row = _profile(session, owner_id, profile_id)
    if patch.name is not None:
        row.name = patch.name
    if "kind" in patch.model_fields_set:
        row.kind = patch.kind
    if patch.position is not None:
        row.position = patch.position
    session.flush()
    return _out(row)


def subject_for(session: Session, *, owner_id: str, profile_id: str | None) -> str:
    """The customer id that holds the profile's data: the account itself for ``main`` (or
    none given), else the profile's subject; ``NotFound`` for a profile the account lacks.

    >>> subject_for(session, owner_id="c1", profile_id="kids")  # doctest: +SKIP
    'c1~kids'
    """
    if profile_id is None or profile_id == MAIN_PROFILE:
        return owner_id
    return _profile(session, owner_id, profile_id).subject_id


def subjects_for(session: Session, pairs: Collection[tuple[str, str]]
                 ) -> dict[tuple[str, str], str]:
    """(account, profile) → subject for many pairs in one query (event ingest); pairs the
    household lacks are missing from the answer, ``main`` maps to the account."""
    found = {pair: pair[0] for pair in pairs if pair[1] == MAIN_PROFILE}
    wanted = sorted(pair for pair in pairs if pair[1] != MAIN_PROFILE)
    if wanted:
        rows = session.execute(
            select(HouseholdProfile.owner_id, HouseholdProfile.profile_key,
                   HouseholdProfile.subject_id)
            .where(tuple_(HouseholdProfile.owner_id, HouseholdProfile.profile_key)
                   .in_(wanted)))
        found.update(((owner, key), subject) for owner, key, subject in rows)
    return found


def account_of(session: Session, customer_id: str) -> str:
    """The account holder of ``customer_id``: its account when it is a profile's row, else
    the id itself. Consent, the inbox, the data export and erasure act on this one."""
    owner = session.scalar(select(Customer.household_owner_id)
                           .where(Customer.id == customer_id))
    return owner if owner is not None else customer_id


def check_quiz_session(session: Session, *, session_id: str, account_id: str) -> None:
    """``NotFound`` unless the quiz session belongs to the account or one of its profiles: a
    customer token reaches its household's sessions only, and cannot tell another's apart
    from a missing one."""
    holder = session.scalar(select(QuizSession.customer_id).where(QuizSession.id == session_id))
    if holder is None or (holder != account_id and account_of(session, holder) != account_id):
        raise NotFound(f"no quiz session {session_id!r}")


@dataclass(frozen=True)
class Erased:
    """The account's receipt, and every customer id erased (to drop from caches)."""

    receipt: ErasureReceiptOut
    customer_ids: tuple[str, ...]


def _erase_subject(session: Session, subject: str, settings: Settings) -> None:
    # The erasure service sweeps both event stores, the counters and every table naming the
    # id; the household_profiles row goes with it (its subject_id names the subject).
    if get_customer(session, subject) is not None:
        erase_customer(session, customer_id=subject, settings=settings)


def delete_profile(session: Session, *, owner_id: str, profile_id: str,
                   settings: Settings) -> str:
    """Remove a profile and erase everything held about it; answers the erased subject id.

    >>> delete_profile(session, owner_id="c1", profile_id="kids", settings=settings)
    ... # doctest: +SKIP
    'c1~kids'
    """
    row = _profile(session, owner_id, profile_id)
    subject = row.subject_id
    _erase_subject(session, subject, settings)
    return subject


def erase_account(session: Session, *, customer_id: str, settings: Settings) -> Erased:
    """Erase the customer and, when it is an account, every profile of its household first
    (each fully: the cascade of the account's row alone would leave their events in the
    event stores and in the counters).

    >>> erase_account(session, customer_id="c1", settings=settings).customer_ids
    ... # doctest: +SKIP
    ('c1~kids', 'c1')
    """
    subjects = list(session.scalars(select(HouseholdProfile.subject_id)
                                    .where(HouseholdProfile.owner_id == customer_id)
                                    .order_by(HouseholdProfile.id)))
    for subject in subjects:
        _erase_subject(session, subject, settings)
    receipt = erase_customer(session, customer_id=customer_id, settings=settings)
    return Erased(receipt=receipt, customer_ids=(*subjects, customer_id))


