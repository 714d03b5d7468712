"""Identity merge: fold an anonymous visitor's profile, consents and events into a customer.

Like the other customer services it works inside the caller's unit of work and commits
nothing, so a failed merge leaves both customers as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import consent_state, current_consents
from prefero.customers.household_consent import sync_household_consents
from prefero.customers.merge_shop import move_shop_data
from prefero.customers.models import ConsentRecord, Customer, Preference, SuggestionDecision
from prefero.customers.preferences import FACET_VALUE_KINDS, preference_rows, profile_of
from prefero.customers.repository import ensure_customers, get_customer
from prefero.customers.schemas import MergeOut
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput
from prefero.events.models import Event
from prefero.experiments.models import ExperimentExposure
from prefero.quizzes.models import CustomerTrait, QuizSession

__all__ = ["merge_customers"]


def _groups(rows: Iterable[Preference]) -> dict[tuple[str, str, str], list[Preference]]:
    """Rows that conflict with each other across two profiles share a group key:
    a facet value in like/never/must, a whole category for sizes, one product dismissal."""
    groups: dict[tuple[str, str, str], list[Preference]] = {}
    for row in rows:
        if row.kind in FACET_VALUE_KINDS:
            key = ("value", row.facet, row.value)
        elif row.kind == "size":
            key = ("size", row.facet, "")
        else:
            key = (row.kind, row.facet, row.value)
        groups.setdefault(key, []).append(row)
    return groups


def _newer(mine: datetime | None, theirs: datetime | None) -> bool:
    """Is ``mine`` strictly more recent? Ties go to ``theirs`` (the known customer)."""
    return mine is not None and (theirs is None or mine > theirs)


def _refuse_profiles(session: Session, *, anonymous_id: str, customer_id: str) -> None:
    """``Conflict`` when either side is a household profile's row: its consent is its
    account holder's, and it lives and goes with the account (``prefero.customers.households``),
    so a merge would leave it with a ledger of its own or take it out of its household."""
    profiles = set(session.scalars(select(Customer.id).where(
        Customer.id.in_([anonymous_id, customer_id]), Customer.household_owner_id.is_not(None))))
    if profiles:
        raise Conflict("a household profile is not merged on its own: merge into its account",
                       [FieldError((name,), "is a household profile, not an account")
                        for name, who in (("customer_id", customer_id),
                                          ("anonymous_id", anonymous_id)) if who in profiles])


def merge_customers(session: Session, *, anonymous_id: str, customer_id: str,
                    settings: Settings) -> MergeOut:
    """Fold an anonymous visitor into a known customer (created when missing).

    * Preferences move; where both hold the same facet value (like/never/must) or sizes for
      the same category, the side declared most recently wins (ties: the known customer).
      Budget and level compare their ``*_updated_at``; exploration, which has no timestamp,
      follows the side whose profile changed last. Dismissals are united.
    * Consent ledger rows are re-pointed to the known customer, content and order untouched.
    * Linked events move when the merged consent state allows tracking; otherwise they are
      deleted, because behaviour must not be linked to a person without that consent.
      Experiment exposures follow the same rule (``_move_exposures``).
    * The anonymous customer row is deleted.

    Idempotent: when ``anonymous_id`` no longer exists nothing changes and ``merged`` is False.
    Merging a customer into itself is ``InvalidInput``; a household profile's row on either
    side is a ``Conflict``.

    >>> merge_customers(session, anonymous_id="anon-7", customer_id="c1",
    ...                 settings=settings).merged  # doctest: +SKIP
    True
    """
    if anonymous_id == customer_id:
        raise InvalidInput("a customer cannot be merged into itself", [FieldError(
            ("anonymous_id",), "is the same id as the customer")])
    if "\x00" in anonymous_id:
        raise InvalidInput("not a usable id", [FieldError(
            ("anonymous_id",), "contains a NUL character")])
    _refuse_profiles(session, anonymous_id=anonymous_id, customer_id=customer_id)
    known_existed = get_customer(session, customer_id) is not None
    ensure_customers(session, {customer_id: False})
    # Lock both rows in id order so two merges touching the same pair cannot deadlock.
    locked = {c.id: c for c in session.scalars(
        select(Customer).where(Customer.id.in_([anonymous_id, customer_id]))
        .order_by(Customer.id).with_for_update().execution_options(populate_existing=True))}
    known = locked[customer_id]
    anonymous = locked.get(anonymous_id)
    if anonymous is None:
        return MergeOut(customer_id=customer_id, anonymous_id=anonymous_id, merged=False,
                        events_moved=0, events_dropped=0, preferences_moved=0,
                        consents_moved=0, preferences=profile_of(session, known, settings),
                        consents=consent_state(session, customer_id, settings))

    now = utcnow()
    # Read before anything below bumps the known row's updated_at.
    anonymous_is_newer = not known_existed or _newer(anonymous.updated_at, known.updated_at)
    preferences_moved = _merge_preferences(session, anonymous_id=anonymous_id,
                                           customer_id=customer_id, now=now)
    if _newer(anonymous.budget_updated_at, known.budget_updated_at):
        known.budget_min = anonymous.budget_min
        known.budget_max = anonymous.budget_max
        known.budget_source = anonymous.budget_source
        known.budget_updated_at = anonymous.budget_updated_at
    if _newer(anonymous.level_updated_at, known.level_updated_at):
        known.level = anonymous.level
        known.level_updated_at = anonymous.level_updated_at
    if anonymous_is_newer:
        known.exploration = anonymous.exploration

    consents_moved = _move_consents(session, anonymous_id=anonymous_id,
                                    customer_id=customer_id)
    # The account's household profiles follow the consents it just took over.
    sync_household_consents(session, owner_id=customer_id)
    tracking = current_consents(session, customer_id=customer_id, settings=settings)["tracking"]
    events_moved = events_dropped = 0
    if tracking:
        result = session.execute(update(Event).where(Event.customer_id == anonymous_id)
                                 .values(customer_id=customer_id))
        events_moved = int(getattr(result, "rowcount", 0))
    else:
        result = session.execute(delete(Event).where(Event.customer_id == anonymous_id))
        events_dropped = int(getattr(result, "rowcount", 0))
    _move_exposures(session, anonymous_id=anonymous_id, customer_id=customer_id,
                    tracking=tracking)

    _move_quiz_data(session, anonymous_id=anonymous_id, customer_id=customer_id)
    move_shop_data(session, anonymous_id=anonymous_id, customer_id=customer_id,
                   fit_consent=current_consents(session, customer_id=customer_id,
                                                settings=settings)["fit"])

    # Whatever created the row (an event may have), the id is now proven to be a person.
    known.anonymous = False
    known.updated_at = now
    session.delete(anonymous)
    session.flush()
    return MergeOut(customer_id=customer_id, anonymous_id=anonymous_id, merged=True,
                    events_moved=events_moved, events_dropped=events_dropped,
                    preferences_moved=preferences_moved, consents_moved=consents_moved,
                    preferences=profile_of(session, known, settings),
                    consents=consent_state(session, customer_id, settings))


def _merge_preferences(session: Session, *, anonymous_id: str, customer_id: str,
                       now: datetime) -> int:
    theirs = _groups(preference_rows(session, anonymous_id))
    mine = _groups(preference_rows(session, customer_id))
    losers: list[Preference] = []
    winners: list[Preference] = []
    for key, rows in theirs.items():
        held = mine.get(key)
        if held is None:
            winners.extend(rows)
        elif key[0] in ("value", "size") and _newer(max(r.updated_at for r in rows),
                                                     max(r.updated_at for r in held)):
            losers.extend(held)
            winners.extend(rows)
        else:
            losers.extend(rows)
    for row in losers:
        session.delete(row)
    # Deletes first: a winner may carry the same (kind, facet, value) as a deleted loser, and
    # the unique constraint is checked row by row.
    session.flush()
    for row in winners:
        row.customer_id = customer_id
    session.flush()
    return len(winners)


def _move_consents(session: Session, *, anonymous_id: str, customer_id: str) -> int:
    # The one sanctioned change to ledger rows besides erasure: the subject is re-pointed once
    # two ids are proven to be one person; purpose, decision, time and policy stay as recorded.
    taken = set(session.scalars(select(ConsentRecord.idempotency_key).where(
        ConsentRecord.customer_id == customer_id,
        ConsentRecord.idempotency_key.is_not(None))))
    if taken:
        # A key is unique per customer; a clash would block the move. The anonymous id's keys
        # can never be replayed again (that id is gone), so dropping the clashing ones is safe.
        session.execute(update(ConsentRecord).where(
            ConsentRecord.customer_id == anonymous_id,
            ConsentRecord.idempotency_key.in_(taken)).values(idempotency_key=None))
    result = session.execute(update(ConsentRecord).where(
        ConsentRecord.customer_id == anonymous_id).values(customer_id=customer_id))
    return int(getattr(result, "rowcount", 0))


def _move_quiz_data(session: Session, *, anonymous_id: str, customer_id: str) -> None:
    """Quiz sessions and suggestion decisions follow the person; a trait both ids hold keeps
    the more recently measured value."""
    for model in (QuizSession, SuggestionDecision):
        session.execute(update(model).where(model.customer_id == anonymous_id)
                        .values(customer_id=customer_id))
    mine = {row.trait: row for row in session.scalars(
        select(CustomerTrait).where(CustomerTrait.customer_id == customer_id))}
    for theirs in session.scalars(
            select(CustomerTrait).where(CustomerTrait.customer_id == anonymous_id)).all():
        known = mine.get(theirs.trait)
        if known is None:
            session.add(CustomerTrait(customer_id=customer_id, trait=theirs.trait,
                                      value=theirs.value, source=theirs.source,
                                      updated_at=theirs.updated_at))
        elif _newer(theirs.updated_at, known.updated_at):
            known.value, known.source, known.updated_at = (theirs.value, theirs.source,
                                                           theirs.updated_at)
        session.delete(theirs)
    session.flush()


def _move_exposures(session: Session, *, anonymous_id: str, customer_id: str,
                    tracking: bool) -> None:
    """The visitor's experiment exposures become the customer's, as their events do (an
    exposure is behaviour: without tracking consent they are deleted). An arm both ids were
    shown is one row: renders summed, the earliest first, the latest last. A row for another
    arm stays as it is: the unit has then seen two arms of the experiment, and the analysis
    leaves it out and counts it. From now on the unit is the customer's id, so the
    customer's own arm is the one served."""
    theirs = list(session.scalars(select(ExperimentExposure)
                                  .where(ExperimentExposure.unit_id == anonymous_id)))
    if not theirs:
        return
    if not tracking:
        for row in theirs:
            session.delete(row)
        session.flush()
        return
    mine = {(row.experiment_id, row.arm_key): row for row in session.scalars(
        select(ExperimentExposure).where(ExperimentExposure.unit_id == customer_id))}
    for row in theirs:
        held = mine.get((row.experiment_id, row.arm_key))
        if held is None:
            row.unit_id = customer_id
            continue
        held.renders += row.renders
        held.first_at = min(held.first_at, row.first_at)
        held.last_at = max(held.last_at, row.last_at)
        session.delete(row)
    # A row moves only to an arm the customer has no row for: no clash on the unique key.
    session.flush()
