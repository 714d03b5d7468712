"""Set-based ingest against a naive reference that stores one event at a time with ORM
objects, on SQLite and PostgreSQL: the same events, counters, receipts, dismissals and
customers, whatever the batches, their repeats and the consent ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_support import grant, snapshot, wipe
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.models import Customer, Preference
from prefero.db.base import utcnow
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.schemas import EventIn
from prefero.events.service import ingest, receipt_key
from prefero.runtime import Runtime
from prefero.types import EventType

KNOWN = ["c0", "c1", "c2"]
ANONYMOUS = ["v0", "v1"]
PRODUCTS = ["p0", "p1"]
TYPES = [t.value for t in EventType]
# Few ids for many events: repeats within a batch and across batches are the common case.
IDS = [f"e{i}" for i in range(8)]

db_settings = settings(max_examples=25, deadline=None, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def an_event(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    person = draw(st.sampled_from(KNOWN + ANONYMOUS))
    event: dict[str, Any] = {
        "event_id": draw(st.sampled_from(IDS)),
        "type": kind,
        "customer_id" if person in KNOWN else "anonymous_id": person,
        "occurred_at": f"2026-01-0{draw(st.integers(1, 2))}T{draw(st.integers(0, 23)):02d}"
                       ":30:00+00:00",
    }
    if kind != "search" or draw(st.booleans()):
        event["product_id"] = draw(st.sampled_from(PRODUCTS))
    if kind == "search":
        event["query"] = draw(st.sampled_from(["tent", 'a "quoted", {odd} query']))
    if kind == "rating":
        event["rating"] = draw(st.sampled_from([1, 2.5, 5]))
    if kind in ("add_to_cart", "purchase"):
        event["quantity"] = draw(st.integers(1, 3))
        event["price"] = draw(st.sampled_from(["9.99", "0", "12345.6"]))
    if draw(st.booleans()):
        event["session_id"] = draw(st.sampled_from(["s-1", "s-2"]))
    if kind == "refund" or (kind == "purchase" and draw(st.booleans())):
        event["order_id"] = draw(st.sampled_from(["T-1", "T-2"]))
    if kind == "return":
        event["reason"] = draw(st.sampled_from(["too_small", "changed_mind"]))
    if kind in ("add_to_cart", "purchase", "return") and draw(st.booleans()):
        event["size"] = draw(st.sampled_from(["M", "EU 42"]))
    return event


batches = st.lists(st.lists(an_event(), max_size=10), min_size=1, max_size=4)
ledgers = st.fixed_dictionaries({c: st.lists(st.booleans(), max_size=2) for c in KNOWN})


def reference_ingest(session: Session, events: Sequence[Mapping[str, Any]], *,
                     settings: Settings) -> None:
    """The rules of ingest, one event at a time, in the plainest form."""
    for raw in events:
        event = EventIn.model_validate(raw)
        key = receipt_key(event.event_id, key=settings.erasure_key)
        if session.get(EventReceipt, key) is not None:
            continue  # seen before, in this batch or an earlier one
        session.add(EventReceipt(key=key))
        person = event.customer_id or event.anonymous_id
        assert person is not None
        tracked = current_consents(session, customer_id=person, settings=settings)["tracking"]
        dismissed = event.type is EventType.REC_DISMISS and event.product_id is not None
        if (tracked or dismissed) and session.get(Customer, person) is None:
            session.add(Customer(id=person, anonymous=event.customer_id is None,
                                 exploration=True))
        if tracked:
            session.add(Event(customer_id=person, type=event.type.value,
                              product_id=event.product_id, quantity=event.quantity,
                              price=event.price, rating=event.rating, query=event.query,
                              placement=event.placement, session_id=event.session_id,
                              order_id=event.order_id, reason=event.reason,
                              size=event.size, occurred_at=event.occurred_at))
        if event.product_id is not None:
            day = event.occurred_at.date()
            counter = session.get(ProductActivity, (event.product_id, day, event.type.value))
            if counter is None:
                session.add(ProductActivity(product_id=event.product_id, day=day,
                                            type=event.type.value, count=1))
            else:
                counter.count += 1
        if dismissed:
            row = session.scalar(select(Preference).where(
                Preference.customer_id == person, Preference.kind == "dismiss",
                Preference.facet == "product", Preference.value == event.product_id))
            if row is None:
                session.add(Preference(customer_id=person, kind="dismiss", facet="product",
                                       value=event.product_id, weight=None, source="dismiss"))
            else:
                row.updated_at = utcnow()
        session.flush()


def set_up(runtime: Runtime, ledger: dict[str, list[bool]]) -> None:
    wipe(runtime)
    for customer, answers in ledger.items():
        for answer in answers:
            grant(runtime, customer, granted=answer)


@db_settings
@given(batches=batches, ledger=ledgers)
def test_batched_ingest_stores_what_one_event_at_a_time_stores(
    runtime: Runtime, batches: list[list[dict[str, Any]]], ledger: dict[str, list[bool]]
) -> None:
    set_up(runtime, ledger)
    for batch in batches:
        with runtime.session() as session:
            reference_ingest(session, batch, settings=runtime.settings)
    expected = snapshot(runtime)

    set_up(runtime, ledger)
    results = []
    for batch in batches:
        with runtime.session() as session:
            results.append(ingest(session, batch, settings=runtime.settings))
    assert snapshot(runtime) == expected
    sent = sum(len(batch) for batch in batches)
    distinct = len({event["event_id"] for batch in batches for event in batch})
    assert sum(r.accepted for r in results) == distinct
    assert sum(r.duplicates for r in results) == sent - distinct


def test_repeats_in_a_batch_and_of_stored_ids_leave_one_row_per_event_id(
    runtime: Runtime
) -> None:
    grant(runtime, "c-1")

    def search(event_id: str) -> dict[str, Any]:
        # The search text names the event, since stored events keep no event id.
        return {"event_id": event_id, "type": "search", "customer_id": "c-1",
                "query": event_id, "product_id": "sku-1"}

    with runtime.session() as session:
        first = ingest(session, [search("e1"), search("e2"), search("e1")],
                       settings=runtime.settings)
    with runtime.session() as session:
        second = ingest(session, [search("e2"), search("e3"), search("e3"), search("e1"),
                                  search("e4")], settings=runtime.settings)
    assert (first.accepted, first.duplicates) == (2, 1)
    assert (second.accepted, second.duplicates) == (2, 3)
    with runtime.session() as session:
        stored = Counter(session.scalars(select(Event.query)))
        receipts = len(session.scalars(select(EventReceipt.key)).all())
        [count] = session.scalars(select(ProductActivity.count))
    assert stored == {"e1": 1, "e2": 1, "e3": 1, "e4": 1}
    assert receipts == 4 and count == 4
