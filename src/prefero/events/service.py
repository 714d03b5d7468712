"""Behaviour ingest: validated, idempotent, consent-aware and batched. No HTTP here.

Per batch the database sees a fixed number of statements, whatever its size: one receipts
insert that tells which event ids are new, one look-up of receipts in the pre-keyed form (see
``receipt_key``), one consent query, one customers insert, one events insert, one counters
upsert and one preferences upsert. Nothing is committed here:
the caller's transaction makes the batch durable, all of it or none of it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.customers.models import Preference
from prefero.customers.repository import ensure_customers
from prefero.db.base import Base, utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.events.ga4 import map_ga4
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.schemas import ErrorItem, EventIn, IngestResult, RejectedEvent
from prefero.types import EventType

__all__ = [
    "RECEIPT_PREFIX",
    "ingest",
    "ingest_ga4",
    "legacy_receipt_key",
    "receipt_key",
    "rekey_receipt",
    "tracking_consents",
]

# Bound on the ids in one IN (...) list: far below SQLite's and PostgreSQL's parameter
# limits, and large enough that a 1,000-event batch takes one or two queries.
_IN_CHUNK = 900
_T = TypeVar("_T")


#: Marks a keyed receipt. Receipts written before keying are 64 bare hex digits, so the two
#: forms never collide, and every legacy key sorts below every keyed one ("0"-"f" < "h").
RECEIPT_PREFIX = "h:"
_RECEIPT_CONTEXT = b"prefero/event-receipt/v1:"


def receipt_key(event_id: str, *, key: str) -> str:
    """The idempotency key stored for a client's event id: an HMAC keyed with the erasure key,
    so that receipts, which outlive erasure, never hold anything a person could be found by.
    A plain hash would not do: an id that embeds a customer id ("order-<customer>-17") is
    confirmed by hashing guesses.

    The HMAC is taken over the SHA-256 of the id, which lets ``rekey_receipt`` turn a receipt
    stored before keying (``legacy_receipt_key``) into this form without knowing the id.
    Changing the erasure key makes every earlier receipt unrecognisable (a re-sent old event
    would count again), so the key is meant to stay for the life of the data.

    >>> receipt_key("e-1", key="k")
    'h:b2c810ed7b759b1958832a5ab743fe2348569891e9d79a4966257b940476c6'
    """
    return rekey_receipt(legacy_receipt_key(event_id), key=key)


def legacy_receipt_key(event_id: str) -> str:
    """The unkeyed form receipts had before: SHA-256 of the id, 64 hex digits. Still looked up
    at ingest so that an upgrade never double-counts a re-sent old event, until
    ``prefero maintain`` has rekeyed the old receipts.

    >>> legacy_receipt_key("e-1")[:12]
    'b94f523196aa'
    """
    return hashlib.sha256(event_id.encode()).hexdigest()


def rekey_receipt(legacy: str, *, key: str) -> str:
    """The keyed receipt for a receipt stored in the legacy form.

    >>> rekey_receipt(legacy_receipt_key("e-1"), key="k") == receipt_key("e-1", key="k")
    True
    """
    mac = hmac.new(key.encode("utf-8"), _RECEIPT_CONTEXT + bytes.fromhex(legacy),
                   hashlib.sha256)
    # 62 hex digits (248 bits) keep the prefixed key within the column's 64 characters.
    return RECEIPT_PREFIX + mac.hexdigest()[:62]


def ingest(
    session: Session,
    events: Sequence[EventIn | Mapping[str, Any]],
    *,
    settings: Settings,
    partial: bool = False,
) -> IngestResult:
    """Validate and store a batch of events in the caller's transaction.

    Invalid events make the whole batch fail with ``InvalidInput`` (field paths like
    ``("events", 3, "product_id")``) and nothing is written, unless ``partial`` is set: then
    the valid ones are stored and the others come back in ``rejected``. An event id seen
    before (or earlier in the batch) is a duplicate and changes nothing. With tracking
    consent an event is stored against its person; without, it only counts towards the
    anonymous per-product counters. ``rec_dismiss`` always records "not for me".

    >>> result = ingest(session, [{"event_id": "e-1", "type": "view",
    ...                            "anonymous_id": "v-1", "product_id": "sku-1"}],
    ...                 settings=settings)  # doctest: +SKIP
    >>> (result.accepted, result.linked, result.anonymous_only)  # doctest: +SKIP
    (1, 0, 1)
    """
    valid, rejected = _validate(events)
    if rejected and not partial:
        errors = [FieldError(tuple(e.loc), e.msg) for r in rejected for e in r.errors]
        raise InvalidInput(
            f"{len(rejected)} of {len(events)} events are invalid; nothing was stored",
            errors,
        )
    now = utcnow()
    fresh, duplicates = _claim(session, valid, now=now, key=settings.erasure_key)

    people: dict[str, bool] = {}  # person -> anonymous? (known as soon as any event says so)
    for event in fresh:
        person = _person(event)
        people[person] = people.get(person, True) and event.customer_id is None
    tracked = tracking_consents(session, people, settings=settings)
    linked = [event for event in fresh if tracked[_person(event)]]
    dismissals = sorted({(_person(e), e.product_id) for e in fresh
                         if e.type is EventType.REC_DISMISS and e.product_id is not None})

    # Rows only for people we now keep something about: a visitor who did not consent
    # leaves no trace of having been here, not even an empty profile.
    keep = {person for person, _ in dismissals} | {_person(event) for event in linked}
    _ensure_customers(session, {person: people[person] for person in sorted(keep)})
    _store_events(session, linked, now=now)
    _count(session, fresh)
    _dismiss(session, dismissals, now=now)
    return IngestResult(
        accepted=len(fresh),
        duplicates=duplicates,
        linked=len(linked),
        anonymous_only=len(fresh) - len(linked),
        rejected=rejected,
    )


def ingest_ga4(
    session: Session, body: Any, *, settings: Settings, partial: bool = False
) -> IngestResult:
    """Map a GA4 body (see ``prefero.events.ga4``) and ingest it like ``ingest``.

    Indexes in ``rejected`` and error paths refer to the GA4 body, e.g.
    ``("events", 2, "params", "items", 0, "item_id")``.

    >>> ingest_ga4(session, {"event": "view_item", "client_id": "555.1",
    ...                      "ecommerce": {"items": [{"item_id": "sku-1"}]}},
    ...            settings=settings).accepted  # doctest: +SKIP
    1
    """
    mapping = map_ga4(body)
    if mapping.rejected and not partial:
        total = len(set(mapping.sources)) + len(mapping.rejected) + mapping.ignored
        raise InvalidInput(
            f"{len(mapping.rejected)} of {total} GA4 events are invalid; nothing was stored",
            mapping.errors,
        )
    result = ingest(session, mapping.events, settings=settings)
    return result.model_copy(update={"ignored": mapping.ignored, "rejected": mapping.rejected})


def tracking_consents(
    session: Session, customer_ids: Collection[str], *, settings: Settings
) -> dict[str, bool]:
    """Tracking consent in force for many customers at once."""
    return purpose_consents(session, customer_ids, purpose="tracking", settings=settings)


def _validate(
    events: Sequence[EventIn | Mapping[str, Any]],
) -> tuple[list[EventIn], list[RejectedEvent]]:
    valid: list[EventIn] = []
    rejected: list[RejectedEvent] = []
    for index, raw in enumerate(events):
        if isinstance(raw, EventIn):
            valid.append(raw)
            continue
        try:
            valid.append(EventIn.model_validate(raw))
        except ValidationError as exc:
            errors = [ErrorItem(loc=["events", index, *error["loc"]], msg=error["msg"])
                      for error in exc.errors()]
            rejected.append(RejectedEvent(index=index, errors=errors))
    return valid, rejected


def _claim(session: Session, events: list[EventIn], *, now: datetime, key: str
           ) -> tuple[list[EventIn], int]:
    """Record receipts for the events' ids; return the events whose ids are new, in order,
    and how many were duplicates (seen before, or repeated within the batch)."""
    first: dict[str, EventIn] = {}
    legacy: dict[str, str] = {}
    for event in events:
        digest = legacy_receipt_key(event.event_id)
        keyed = rekey_receipt(digest, key=key)
        first.setdefault(keyed, event)
        legacy.setdefault(keyed, digest)
    if not first:
        return [], len(events)
    table = _table(EventReceipt)
    # ON CONFLICT DO NOTHING + RETURNING reports exactly the keys this transaction inserted;
    # a concurrent batch with the same id waits on the key and then sees it as a duplicate.
    statement = (
        _insert(session)(table)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    )
    # Sorted so that concurrent batches sharing ids take the key locks in the same order.
    rows = [{"key": key, "received_at": now} for key in sorted(first)]
    new = set(session.scalars(statement, rows))
    new -= _seen_before_keying(session, {keyed: legacy[keyed] for keyed in new})
    fresh = [event for keyed, event in first.items() if keyed in new]
    return fresh, len(events) - len(fresh)


def _seen_before_keying(session: Session, legacy: Mapping[str, str]) -> set[str]:
    """Which of the newly claimed keys had a receipt in the legacy (unkeyed) form. Their new
    receipt stays, so the next re-send is caught by the keyed form alone."""
    if not legacy:
        return set()
    by_digest = {digest: keyed for keyed, digest in legacy.items()}
    found: set[str] = set()
    for chunk in _chunks(sorted(by_digest), _IN_CHUNK):
        found.update(by_digest[digest] for digest in session.scalars(
            select(EventReceipt.key).where(EventReceipt.key.in_(chunk))))
    return found


def _ensure_customers(session: Session, ids: dict[str, bool]) -> None:
    items = list(ids.items())
    for chunk in _chunks(items, _IN_CHUNK):
        ensure_customers(session, dict(chunk))


def _store_events(session: Session, events: list[EventIn], *, now: datetime) -> None:
    if not events:
        return
    rows = [
        {
            "customer_id": _person(event),
            "type": event.type.value,
            "product_id": event.product_id,
            "quantity": event.quantity,
            "price": event.price,
            "rating": event.rating,
            "query": event.query,
            "placement": event.placement,
            "session_id": event.session_id,
            "occurred_at": event.occurred_at,
            "received_at": now,
        }
        for event in events
    ]
    session.execute(_table(Event).insert(), rows)


def _count(session: Session, events: list[EventIn]) -> None:
    counts: Counter[tuple[str, date, str]] = Counter(
        (event.product_id, event.occurred_at.date(), event.type.value)
        for event in events
        if event.product_id is not None
    )
    if not counts:
        return
    table = _table(ProductActivity)
    # Sorted so that concurrent batches lock counter rows in the same order: no deadlocks.
    rows = [{"product_id": p, "day": d, "type": t, "count": n}
            for (p, d, t), n in sorted(counts.items())]
    statement = _insert(session)(table)
    statement = statement.on_conflict_do_update(
        index_elements=["product_id", "day", "type"],
        set_={"count": table.c.count + statement.excluded.count},
    )
    session.execute(statement, rows)


def _dismiss(session: Session, dismissals: list[tuple[str, str]], *, now: datetime) -> None:
    if not dismissals:
        return
    rows = [
        {"customer_id": customer_id, "kind": "dismiss", "facet": "product", "value": product,
         "weight": None, "source": "dismiss", "created_at": now, "updated_at": now}
        for customer_id, product in dismissals
    ]
    table = _table(Preference)
    statement = _insert(session)(table)
    # Dismissing again is not news; only refresh when it last happened.
    statement = statement.on_conflict_do_update(
        index_elements=["customer_id", "kind", "facet", "value"],
        set_={"updated_at": statement.excluded.updated_at},
    )
    session.execute(statement, rows)


def _person(event: EventIn) -> str:
    person = event.customer_id if event.customer_id is not None else event.anonymous_id
    assert person is not None  # EventIn guarantees exactly one
    return person


def _insert(session: Session) -> Callable[[Table], Any]:
    # Both dialects spell the upsert alike; only the import differs.
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
