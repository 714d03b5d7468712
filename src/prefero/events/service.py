"""Behaviour ingest: validated, idempotent, consent-aware and batched. No HTTP here.

Per batch the database sees a fixed number of statements, whatever its size: one receipts
insert that tells which event ids are new, one look-up of receipts in the pre-keyed form (see
``receipt_key``), one consent query, one customers insert, one events insert, one preferences
upsert and one counters upsert (``prefero.events.store`` writes them; on PostgreSQL each is
one execution with array parameters, whatever the batch's size). Nothing is committed here:
the caller's transaction makes the batch durable, all of it or none of it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from prefero.analytics.counts import add_clicks
from prefero.catalog.service import existing_ids
from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.events.ga4 import map_ga4
from prefero.events.profiles import route_profiles
from prefero.events.schemas import (
    UNKNOWN_REPORTED,
    ErrorItem,
    EventIn,
    Ga4IngestResult,
    IngestResult,
    RejectedEvent,
)
from prefero.events.store import BatchStore, store_for
from prefero.experiments.running import Book
from prefero.experiments.tallies import add_outcomes
from prefero.fit.feedback import record_returns
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
    experiments: Book | None = None,
) -> IngestResult:
    """Validate and store a batch of events in the caller's transaction.

    Invalid events make the whole batch fail with ``InvalidInput`` (field paths like
    ``("events", 3, "product_id")``) and nothing is written, unless ``partial`` is set: then
    the valid ones are stored and the others come back in ``rejected``. An event id seen
    before (or earlier in the batch) is a duplicate and changes nothing. With tracking
    consent an event is stored against its person; without, it only counts towards the
    anonymous per-product counters. ``rec_dismiss`` always records "not for me".
    ``experiments`` (``runtime.experiments``): the running experiments whose anonymous
    per-arm tallies the outcomes of people without tracking consent add to
    (``prefero.experiments.tallies``); left out, none are kept.

    >>> result = ingest(session, [{"event_id": "e-1", "type": "view",
    ...                            "anonymous_id": "v-1", "product_id": "sku-1"}],
    ...                 settings=settings)  # doctest: +SKIP
    >>> (result.accepted, result.linked, result.anonymous_only)  # doctest: +SKIP
    (1, 0, 1)
    """
    valid, rejected, positions = _validate(events)
    # An event of a household profile belongs to the profile's own customer row.
    valid, unknown = route_profiles(session, valid, positions)
    if unknown:
        rejected = sorted([*rejected, *unknown], key=lambda r: r.index)
    if rejected and not partial:
        errors = [FieldError(tuple(e.loc), e.msg) for r in rejected for e in r.errors]
        raise InvalidInput(
            f"{len(rejected)} of {len(events)} events are invalid; nothing was stored",
            errors,
        )
    now = utcnow()
    store = store_for(session)
    fresh, duplicates = _claim(session, store, valid, now=now, key=settings.erasure_key)

    people: dict[str, bool] = {}  # person -> anonymous? (known as soon as any event says so)
    for event in fresh:
        person = event.person
        people[person] = people.get(person, True) and event.customer_id is None
    tracked = tracking_consents(session, people, settings=settings)
    linked = [event for event in fresh if tracked[event.person]]
    dismissals = sorted({(e.person, e.product_id) for e in fresh
                         if e.type is EventType.REC_DISMISS and e.product_id is not None})

    # Rows only for people we now keep something about: a visitor who did not consent
    # leaves no trace of having been here, not even an empty profile.
    keep = {person for person, _ in dismissals} | {event.person for event in linked}
    store.ensure_customers(session, {person: people[person] for person in sorted(keep)},
                           now=now)
    store.add_events(session, linked, now=now)
    store.dismiss(session, dismissals, now=now)
    # Returns that say how a size fitted, kept under the fit consent (none: no query).
    record_returns(session, fresh, settings=settings)
    # Last: every batch adds to the same popular counters, and a counter row stays locked
    # until the commit, so the shorter the rest of the transaction after it, the less
    # concurrent batches wait on each other.
    store.add_counts(session, _counts(fresh))
    # Recommendation clicks, anonymous like the counters above and locked after them (the
    # same order in every batch); their rows are few and hot, so they come last of all.
    add_clicks(session, fresh)
    if experiments is not None:
        # Fewer and hotter still (per experiment, arm and day): locked last of all.
        add_outcomes(session, experiments, fresh, tracked=tracked)
    return IngestResult(
        accepted=len(fresh),
        duplicates=duplicates,
        linked=len(linked),
        anonymous_only=len(fresh) - len(linked),
        rejected=rejected,
    )


def ingest_ga4(
    session: Session, body: Any, *, settings: Settings, partial: bool = False,
    experiments: Book | None = None,
) -> Ga4IngestResult:
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
    result = ingest(session, mapping.events, settings=settings, experiments=experiments)
    return Ga4IngestResult(**{
        **dict(result), "ignored": mapping.ignored, "rejected": mapping.rejected,
        "unknown_products": _unknown_products(session, mapping.events)})


def _unknown_products(session: Session, events: Sequence[EventIn]) -> list[str]:
    """The product ids ``events`` name that the catalogue does not hold, in order of first
    mention, at most ``UNKNOWN_REPORTED``: a GA4 tag usually sends another id (a variant's
    SKU, a CMS id) than the feed, and every such event would feed nothing."""
    named = list(dict.fromkeys(e.product_id for e in events if e.product_id is not None))
    known = existing_ids(session, named)
    return [product for product in named if product not in known][:UNKNOWN_REPORTED]


def tracking_consents(
    session: Session, customer_ids: Collection[str], *, settings: Settings
) -> dict[str, bool]:
    """Tracking consent in force for many customers at once."""
    return purpose_consents(session, customer_ids, purpose="tracking", settings=settings)


def _validate(
    events: Sequence[EventIn | Mapping[str, Any]],
) -> tuple[list[EventIn], list[RejectedEvent], list[int]]:
    """The valid events, the rejected ones, and each valid event's position in ``events``."""
    valid: list[EventIn] = []
    rejected: list[RejectedEvent] = []
    positions: list[int] = []
    for index, raw in enumerate(events):
        if isinstance(raw, EventIn):
            valid.append(raw)
            positions.append(index)
            continue
        try:
            valid.append(EventIn.model_validate(raw))
            positions.append(index)
        except ValidationError as exc:
            errors = [ErrorItem(loc=["events", index, *error["loc"]], msg=error["msg"])
                      for error in exc.errors()]
            rejected.append(RejectedEvent(index=index, errors=errors))
    return valid, rejected, positions


def _claim(session: Session, store: BatchStore, events: list[EventIn], *, now: datetime,
           key: str) -> tuple[list[EventIn], int]:
    """Record receipts for the events' ids; return the events whose ids are new, in order,
    and how many were duplicates (seen before, or repeated within the batch)."""
    first: dict[str, EventIn] = {}
    legacy: dict[str, str] = {}
    for event in events:
        digest = legacy_receipt_key(event.event_id)
        keyed = rekey_receipt(digest, key=key)
        first.setdefault(keyed, event)
        legacy.setdefault(keyed, digest)
    # Sorted so that concurrent batches sharing ids take the key locks in the same order.
    new = store.claim(session, sorted(first), now=now)
    if new:
        # A newly claimed key whose legacy (unkeyed) receipt exists was seen before keying.
        # Its new receipt stays, so the next re-send is caught by the keyed form alone.
        by_digest = {legacy[keyed]: keyed for keyed in new}
        new -= {by_digest[digest]
                for digest in store.existing_receipts(session, sorted(by_digest))}
    fresh = [event for keyed, event in first.items() if keyed in new]
    return fresh, len(events) - len(fresh)


def _counts(events: list[EventIn]) -> dict[tuple[str, date, str], int]:
    """What the batch adds to each (product, UTC day, type) counter, keys sorted so that
    concurrent batches lock counter rows in the same order: no deadlocks."""
    counts: Counter[tuple[str, date, str]] = Counter(
        (event.product_id, event.occurred_at.date(), event.type.value)
        for event in events
        if event.product_id is not None
    )
    return dict(sorted(counts.items()))
