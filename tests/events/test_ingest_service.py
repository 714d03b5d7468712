"""The ingest service on a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from ingest_support import grant, snapshot
from pydantic import ValidationError
from sqlalchemy import func, select

from factories import add_products, product
from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.models import Customer, Preference
from prefero.errors import InvalidInput
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.events.schemas import EventIn, IngestResult
from prefero.events.service import ingest, ingest_ga4, receipt_key, tracking_consents
from prefero.runtime import Runtime

AT = "2026-01-05T10:00:00+00:00"
DAY = date(2026, 1, 5)


def ev(event_id: str, type_: str = "view", *, who: str = "v-1", known: bool = False,
       **fields: Any) -> dict[str, Any]:
    person = {"customer_id": who} if known else {"anonymous_id": who}
    body: dict[str, Any] = {"event_id": event_id, "type": type_, **person, "occurred_at": AT}
    if type_ != "search":
        body.setdefault("product_id", "sku-1")
    body.update(fields)
    return body


def run(runtime: Runtime, events: list[Any], **kwargs: Any) -> IngestResult:
    with runtime.session() as session:
        return ingest(session, events, settings=runtime.settings, **kwargs)


def count(runtime: Runtime, model: Any) -> int:
    with runtime.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_without_tracking_consent_events_only_feed_anonymous_counters(
    runtime: Runtime
) -> None:
    result = run(runtime, [ev("e1"), ev("e2", "add_to_cart", quantity=2),
                           ev("e3", who="c-1", known=True)])
    assert result == IngestResult(accepted=3, duplicates=0, linked=0, anonymous_only=3)
    state = snapshot(runtime)
    assert state["events"] == {}
    assert state["counters"] == {("sku-1", DAY, "view"): 2, ("sku-1", DAY, "add_to_cart"): 1}
    # Not even an empty profile is left behind by someone who did not consent.
    assert state["customers"] == set()


def test_with_tracking_consent_events_are_linked_with_all_their_fields(
    runtime: Runtime
) -> None:
    grant(runtime, "c-1")
    result = run(runtime, [
        ev("e1", "purchase", who="c-1", known=True, quantity=2, price="19.99",
           session_id="s-1", placement="cart"),
        ev("e2", "search", who="c-1", known=True, query="rain jacket"),
        ev("e3", "rating", who="c-1", known=True, rating=4.5),
    ])
    assert (result.accepted, result.linked, result.anonymous_only) == (3, 3, 0)
    with runtime.session() as session:
        rows = {e.type: e for e in session.scalars(select(Event))}
    purchase = rows["purchase"]
    assert (purchase.customer_id, purchase.product_id, purchase.quantity, purchase.price,
            purchase.session_id, purchase.placement) == (
        "c-1", "sku-1", 2, Decimal("19.99"), "s-1", "cart")
    assert purchase.occurred_at == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert (rows["search"].query, rows["search"].product_id) == ("rain jacket", None)
    assert rows["rating"].rating == 4.5
    # The search has no product, so it counts towards nothing.
    assert snapshot(runtime)["counters"] == {("sku-1", DAY, "purchase"): 1,
                                             ("sku-1", DAY, "rating"): 1}


def test_a_withdrawal_is_honoured_by_the_next_batch(runtime: Runtime) -> None:
    grant(runtime, "c-1")
    assert run(runtime, [ev("e1", who="c-1", known=True)]).linked == 1
    grant(runtime, "c-1", granted=False)
    assert run(runtime, [ev("e2", who="c-1", known=True)]).linked == 0
    assert count(runtime, Event) == 1


def test_only_the_consenting_people_of_a_mixed_batch_are_linked(
    runtime: Runtime
) -> None:
    grant(runtime, "c-yes")
    result = run(runtime, [ev("e1", who="c-yes", known=True), ev("e2", who="c-no", known=True),
                           ev("e3", who="v-1")])
    assert (result.linked, result.anonymous_only) == (1, 2)
    with runtime.session() as session:
        assert set(session.scalars(select(Event.customer_id))) == {"c-yes"}


def test_a_shop_that_tracks_by_default_links_and_creates_customers(
    settings: Settings, runtime: Runtime
) -> None:
    tracking_shop = settings.model_copy(update={"default_consent_tracking": True})
    with runtime.session() as session:
        result = ingest(session, [ev("e1", who="v-9"), ev("e2", who="c-2", known=True)],
                        settings=tracking_shop)
    assert result.linked == 2
    assert snapshot(runtime)["customers"] == {("v-9", True), ("c-2", False)}


def test_repeated_event_ids_are_duplicates_with_no_effect(
    runtime: Runtime
) -> None:
    grant(runtime, "c-1")
    batch = [ev("e1", who="c-1", known=True), ev("e2"), ev("e1", who="c-1", known=True)]
    first = run(runtime, batch)
    assert (first.accepted, first.duplicates, first.linked) == (2, 1, 1)
    once = snapshot(runtime)
    again = run(runtime, batch)
    assert (again.accepted, again.duplicates, again.linked, again.anonymous_only) == (0, 3, 0, 0)
    assert snapshot(runtime) == once
    assert once["counters"] == {("sku-1", DAY, "view"): 2}


def test_receipts_hold_a_keyed_hash_of_the_event_id_only(runtime: Runtime) -> None:
    run(runtime, [ev("client-event-7", who="person@example.com")])
    with runtime.session() as session:
        [key] = session.scalars(select(EventReceipt.key))
    assert key == receipt_key("client-event-7", key=runtime.settings.erasure_key)
    # Not the plain hash, which anyone could compute from a guessed id (finding 7).
    assert hashlib.sha256(b"client-event-7").hexdigest() not in key


def test_an_invalid_event_refuses_the_whole_batch(runtime: Runtime) -> None:
    batch = [ev("e0"), ev("e1"), ev("e2"), ev("e3", product_id=None), "not an event"]
    with pytest.raises(InvalidInput) as caught:
        run(runtime, batch)
    locs = [error.loc for error in caught.value.errors]
    assert locs == [("events", 3, "product_id"), ("events", 4)]
    assert "2 of 5 events are invalid" in caught.value.detail
    empty = snapshot(runtime)
    assert empty["receipts"] == set() and empty["counters"] == {}


def test_partial_stores_the_valid_events_and_reports_the_others(runtime: Runtime) -> None:
    batch = [ev("e0"), ev("e1", "rating"), ev("e2", price="-1"), ev("e3")]
    result = run(runtime, batch, partial=True)
    assert (result.accepted, result.anonymous_only) == (2, 2)
    assert [(r.index, [tuple(e.loc) for e in r.errors]) for r in result.rejected] == [
        (1, [("events", 1, "rating")]), (2, [("events", 2, "price")])]
    # The rejected ones can be fixed and sent again: they left no receipt.
    assert run(runtime, [ev("e1", "rating", rating=5)]).accepted == 1


def test_counters_aggregate_and_add_to_what_is_there(runtime: Runtime) -> None:
    run(runtime, [ev(f"a{i}", product_id="p") for i in range(5)]
        + [ev("b", product_id="p", occurred_at="2026-01-06T23:30:00-02:00")])
    run(runtime, [ev(f"c{i}", product_id="p") for i in range(3)])
    assert snapshot(runtime)["counters"] == {("p", DAY, "view"): 8,
                                      ("p", date(2026, 1, 7), "view"): 1}  # UTC day


def test_dismiss_is_recorded_whatever_the_tracking_consent(
    runtime: Runtime
) -> None:
    grant(runtime, "c-yes")
    result = run(runtime, [
        ev("d1", "rec_dismiss", who="v-1", product_id="p1", placement="home"),
        ev("d2", "rec_dismiss", who="c-yes", known=True, product_id="p1"),
        ev("d3", "rec_dismiss", who="v-1", product_id="p1"),  # same product again
    ])
    assert (result.accepted, result.linked) == (3, 1)
    state = snapshot(runtime)
    assert state["preferences"] == {("v-1", "dismiss", "product", "p1", "dismiss"),
                                    ("c-yes", "dismiss", "product", "p1", "dismiss")}
    assert ("v-1", True) in state["customers"]
    assert state["counters"] == {("p1", DAY, "rec_dismiss"): 3}
    # Dismissing again later upserts rather than failing on the unique constraint.
    run(runtime, [ev("d4", "rec_dismiss", who="v-1", product_id="p1")])
    assert count(runtime, Preference) == 2


def test_batched_consent_reading_agrees_with_the_ledger_rule(
    runtime: Runtime, settings: Settings
) -> None:
    grant(runtime, "a", "b", "c")
    grant(runtime, "b", granted=False)
    grant(runtime, "c", granted=False)
    grant(runtime, "c")
    with runtime.session() as session:
        batched = tracking_consents(session, ["a", "b", "c", "nobody"], settings=settings)
        one_by_one = {cid: current_consents(session, customer_id=cid, settings=settings)[
            "tracking"] for cid in ["a", "b", "c", "nobody"]}
    assert batched == one_by_one == {"a": True, "b": False, "c": True, "nobody": False}


def test_validated_events_are_accepted_as_they_are(runtime: Runtime) -> None:
    event = EventIn(event_id="x", type="view", anonymous_id="v", product_id="p")
    assert run(runtime, [event]).accepted == 1


def test_nothing_is_durable_until_the_caller_commits(runtime: Runtime) -> None:
    session = runtime.sessions()
    try:
        ingest(session, [ev("e1")], settings=runtime.settings)
        session.rollback()
    finally:
        session.close()
    assert count(runtime, EventReceipt) == 0 and count(runtime, ProductActivity) == 0


def test_ga4_bodies_are_ingested_with_ignored_and_rejected_counts(
    runtime: Runtime
) -> None:
    grant(runtime, "c-1")
    body = {"client_id": "555.1", "user_id": "c-1", "timestamp_micros": 1_767_268_800_000_000,
            "events": [
                {"name": "purchase", "params": {"items": [
                    {"item_id": "A", "price": "10", "quantity": "2"}, {"item_id": "B"}]}},
                {"name": "begin_checkout", "params": {}},
                {"name": "add_to_cart", "params": {"items": [{"item_name": "no id"}]}},
            ]}
    with pytest.raises(InvalidInput) as caught, runtime.session() as session:
        ingest_ga4(session, body, settings=runtime.settings)
    assert [e.loc for e in caught.value.errors] == [("events", 2, "params", "items", 0, "item_id")]
    assert count(runtime, EventReceipt) == 0

    with runtime.session() as session:
        result = ingest_ga4(session, body, settings=runtime.settings, partial=True)
    assert (result.accepted, result.linked, result.ignored) == (2, 2, 1)
    assert [r.index for r in result.rejected] == [2]
    with runtime.session() as session:
        again = ingest_ga4(session, body, settings=runtime.settings, partial=True)
    assert (again.accepted, again.duplicates) == (0, 2)
    with runtime.session() as session:
        assert sorted(map(str, session.scalars(select(Event.product_id)))) == ["A", "B"]
        assert session.scalar(select(Customer.anonymous).where(Customer.id == "c-1")) is False


def test_text_that_postgresql_cannot_store_is_refused_with_its_path(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as caught:
        run(runtime, [ev("e1", product_id="sku\x001"), ev("e2", session_id="s\x00")])
    assert [e.loc for e in caught.value.errors] == [("events", 0, "product_id"),
                                                    ("events", 1, "session_id")]


def test_a_purchase_sent_twice_is_stored_once_and_unknown_products_are_named(
    runtime: Runtime
) -> None:
    grant(runtime, "c-1")
    with runtime.session() as session:
        add_products(session, [product("A", category="Shop")])
    first = {"client_id": "555.1", "user_id": "c-1", "timestamp_micros": 1_767_268_800_000_000,
             "events": [{"name": "purchase", "params": {"transaction_id": "T-1", "items": [
                 {"item_id": "A", "price": "10"}, {"item_id": "ZZ-9"}]}}]}
    # The same order again, from a reloaded thank-you page: another time, the items reordered.
    second = {"event": "purchase", "user_id": "c-1", "timestamp_micros": 1_767_268_900_000_000,
              "ecommerce": {"transaction_id": "T-1",
                            "items": [{"item_id": "ZZ-9"}, {"item_id": "A", "price": "10"}]}}
    with runtime.session() as session:
        result = ingest_ga4(session, first, settings=runtime.settings)
    assert (result.accepted, result.unknown_products) == (2, ["ZZ-9"])
    with runtime.session() as session:
        again = ingest_ga4(session, second, settings=runtime.settings)
    assert (again.accepted, again.duplicates) == (0, 2)
    with runtime.session() as session:
        stored = session.execute(select(Event.product_id, Event.order_id)
                                 .order_by(Event.product_id)).all()
    assert [tuple(row) for row in stored] == [("A", "T-1"), ("ZZ-9", "T-1")]


def test_refunds_are_stored_with_their_order_and_feed_no_counter_of_interest(
    runtime: Runtime
) -> None:
    grant(runtime, "c-1")
    body = {"client_id": "555.1", "user_id": "c-1", "timestamp_micros": 1_767_268_800_000_000,
            "events": [{"name": "refund", "params": {"transaction_id": "T-1"}},
                       {"name": "refund", "params": {"transaction_id": "T-2",
                                                     "items": [{"item_id": "A"}]}}]}
    with runtime.session() as session:
        result = ingest_ga4(session, body, settings=runtime.settings)
    assert (result.accepted, result.linked, result.ignored) == (2, 2, 0)
    with runtime.session() as session:
        stored = session.execute(select(Event.type, Event.product_id, Event.order_id)
                                 .order_by(Event.order_id)).all()
        counters = session.execute(select(ProductActivity.product_id,
                                          ProductActivity.type)).all()
    assert [tuple(row) for row in stored] == [("refund", None, "T-1"), ("refund", "A", "T-2")]
    assert [tuple(row) for row in counters] == [("A", "refund")]


def test_a_native_refund_needs_its_order() -> None:
    with pytest.raises(ValidationError) as caught:
        EventIn.model_validate({"event_id": "r-1", "type": "refund", "customer_id": "c-1"})
    assert [error["loc"] for error in caught.value.errors()] == [("order_id",)]
    whole = EventIn.model_validate({"event_id": "r-1", "type": "refund", "customer_id": "c-1",
                                    "order_id": "T-1"})
    assert whole.product_id is None
