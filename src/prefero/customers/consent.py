"""The consent ledger: recording grants and withdrawals (append-only) and the state in force
derived from it, with the shop's defaults for purposes the customer never answered.

The services take a ``Session`` inside the caller's unit of work and commit nothing; errors
are ``PreferoError`` subclasses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from sqlalchemy import Select, bindparam, column, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.household_consent import (
    refuse_profile_consent,
    sync_household_consents,
)
from prefero.customers.models import ConsentRecord
from prefero.customers.repository import ensure_customers, require_customer
from prefero.customers.schemas import ConsentIn, ConsentOut, ConsentState
from prefero.db.base import utcnow
from prefero.db.reads import read
from prefero.errors import Conflict, FieldError, InvalidInput
from prefero.fit.withdrawal import forget_fit
from prefero.messaging.withdrawal import cancel_withdrawn
from prefero.types import PURPOSES, Purpose

__all__ = [
    "consent_defaults",
    "consent_state",
    "current_consents",
    "get_consents",
    "has_consent",
    "purpose_consents",
    "record_consent",
]

# Bound parameters per IN list, below SQLite's and PostgreSQL's limits.
_IN_CHUNK = 900


def consent_defaults(settings: Settings) -> dict[Purpose, bool]:
    return {
        "tracking": settings.default_consent_tracking,
        "personalization": settings.default_consent_personalization,
        "context": settings.default_consent_context,
        "marketing_email": settings.default_consent_marketing_email,
        "marketing_push": settings.default_consent_marketing_push,
        "marketing_inbox": settings.default_consent_marketing_inbox,
        "marketing_webhook": settings.default_consent_marketing_webhook,
        "fit": settings.default_consent_fit,
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


def _latest_for_many() -> Select[str, bool]:
    """PostgreSQL: (customer, granted) of the newest ledger row of one purpose for each id of
    an array, by the same rule as ``_latest``. Each id is one probe of the (customer, purpose,
    id) index, read backwards; LIMIT 1 keeps the lateral subquery from being turned into a
    join that the planner might answer by scanning the whole ledger. One statement text for
    any number of ids, where an IN list would be a new statement for each batch."""
    ids = (func.unnest(bindparam("ids", type_=ARRAY(ConsentRecord.customer_id.type)))
           .table_valued(column("id", ConsentRecord.customer_id.type)).render_derived())
    newest = (
        select(ConsentRecord.granted)
        .where(ConsentRecord.customer_id == ids.c.id,
               ConsentRecord.purpose == bindparam("purpose", type_=ConsentRecord.purpose.type))
        .order_by(ConsentRecord.id.desc())
        .limit(1)
        .lateral()
    )
    return select(ids.c.id, newest.c.granted).join_from(ids, newest, true())


_LATEST_FOR_MANY = _latest_for_many()

# One customer's ledger, newest first, in one indexed read: the first row of each purpose is
# the one in force (the rule of ``_latest``, without its grouping subquery: 200 µs a call
# instead of 325 on the demo shop, paid on every page and on each declared-profile cache
# miss). Built once (see prefero.db.reads).
_LEDGER_NEWEST_FIRST = (
    select(ConsentRecord.purpose, ConsentRecord.granted)
    .where(ConsentRecord.customer_id == bindparam("customer_id"),
           ConsentRecord.purpose.in_(PURPOSES))
    .order_by(ConsentRecord.id.desc()))


def current_consents(
    session: Session, *, customer_id: str, settings: Settings
) -> dict[Purpose, bool]:
    """The consent in force for each purpose: the latest ledger row, else the shop default.

    Read on every request that uses data, so a withdrawal is honoured on the next one.
    """
    state = consent_defaults(settings)
    rows = read(session, _LEDGER_NEWEST_FIRST, {"customer_id": customer_id}).all()
    seen: set[str] = set()
    for purpose, granted in rows:
        if purpose not in seen:
            seen.add(purpose)
            state[purpose] = bool(granted)  # type: ignore[index]  # filtered to PURPOSES
    return state


def purpose_consents(
    session: Session, customer_ids: Collection[str], *, purpose: Purpose, settings: Settings
) -> dict[str, bool]:
    """One purpose's consent for many customers at once (one query on PostgreSQL, one per 900
    customers elsewhere), by the same rule as ``current_consents``.

    >>> purpose_consents(session, ["c-1"], purpose="tracking", settings=settings)
    ... # doctest: +SKIP
    {'c-1': False}
    """
    state = dict.fromkeys(customer_ids, consent_defaults(settings)[purpose])
    if len(state) == 1:
        # One person (a shopper's own page view, a form): their ledger newest first, the
        # read every recommendation makes, where the grouping query costs half again.
        (only,) = state
        return {only: current_consents(session, customer_id=only, settings=settings)[purpose]}
    ordered = sorted(state)
    if ordered and session.get_bind().dialect.name == "postgresql":
        rows = session.execute(_LATEST_FOR_MANY, {"ids": ordered, "purpose": purpose})
        state.update((customer_id, bool(granted)) for customer_id, granted in rows)
        return state
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


# --------------------------------------------------------------------------- ledger services


def _as_purpose(text: str) -> Purpose | None:
    for purpose in PURPOSES:
        if purpose == text:
            return purpose
    return None


def consent_state(session: Session, customer_id: str, settings: Settings) -> ConsentState:
    """The consent in force per purpose and the customer's ledger rows, oldest first.

    >>> consent_state(session, "c1", settings).consents["tracking"]  # doctest: +SKIP
    False
    """
    history: list[ConsentOut] = []
    # Ledger ids grow with insertion, so id order is the order decisions were recorded in (and
    # stays so after a merge, which re-points rows without renumbering them).
    for row in session.scalars(select(ConsentRecord).where(
            ConsentRecord.customer_id == customer_id).order_by(ConsentRecord.id)):
        purpose = _as_purpose(row.purpose)
        if purpose is not None:
            history.append(ConsentOut(purpose=purpose, granted=row.granted, source=row.source,
                                      policy_version=row.policy_version,
                                      recorded_at=row.recorded_at))
    consents = current_consents(session, customer_id=customer_id, settings=settings)
    return ConsentState(customer_id=customer_id, consents=consents, history=history)


def _same_decision(row: ConsentRecord, consent: ConsentIn) -> None:
    if row.purpose != consent.purpose or row.granted != consent.granted:
        raise Conflict("this Idempotency-Key was already used for a different consent "
                       f"({row.purpose}={'granted' if row.granted else 'withdrawn'})")


def record_consent(session: Session, *, customer_id: str, consent: ConsentIn,
                   settings: Settings, idempotency_key: str | None = None) -> ConsentState:
    """Append one grant or withdrawal to the ledger and answer the resulting state.

    The ledger is append-only. A repeated ``idempotency_key`` for the same customer appends
    nothing and answers the current state; reusing it for a different decision is a
    ``Conflict``. ``policy_version`` defaults to ``settings.policy_version``.

    >>> record_consent(session, customer_id="c1", settings=settings,
    ...                consent=ConsentIn(purpose="tracking", granted=True),
    ...                idempotency_key="k-1").consents["tracking"]  # doctest: +SKIP
    True
    """
    errors = [FieldError((name,), "contains a NUL character")
              for name, text in (("source", consent.source),
                                 ("policy_version", consent.policy_version or ""))
              if "\x00" in text]
    if errors:
        raise InvalidInput("the consent is not usable", errors)
    # Consent belongs to the account holder; a household profile's ledger mirrors it.
    refuse_profile_consent(session, customer_id)

    def prior() -> ConsentRecord | None:
        return session.scalars(select(ConsentRecord).where(
            ConsentRecord.customer_id == customer_id,
            ConsentRecord.idempotency_key == idempotency_key)).first()

    if idempotency_key is not None and (earlier := prior()) is not None:
        _same_decision(earlier, consent)
        return consent_state(session, customer_id, settings)

    ensure_customers(session, {customer_id: False})
    record = ConsentRecord(customer_id=customer_id, purpose=consent.purpose,
                           granted=consent.granted, source=consent.source,
                           policy_version=consent.policy_version or settings.policy_version,
                           idempotency_key=idempotency_key, recorded_at=utcnow())
    try:
        # A savepoint: if a concurrent request with the same key committed first, only this
        # insert is undone and the request answers like the repeat it is.
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        earlier = prior() if idempotency_key is not None else None
        if earlier is None:
            raise
        _same_decision(earlier, consent)
    sync_household_consents(session, owner_id=customer_id)
    if not consent.granted:
        cancel_withdrawn(session, customer_id=customer_id, purpose=consent.purpose)
        if consent.purpose == "fit":
            # Measurements are sensitive: without their purpose they are not kept.
            forget_fit(session, customer_id=customer_id)
    return consent_state(session, customer_id, settings)


def get_consents(session: Session, *, customer_id: str, settings: Settings) -> ConsentState:
    """The consent in force per purpose and the full ledger; ``NotFound`` when unknown.

    >>> get_consents(session, customer_id="c1", settings=settings).history[0].purpose
    ... # doctest: +SKIP
    'tracking'
    """
    require_customer(session, customer_id)
    return consent_state(session, customer_id, settings)
