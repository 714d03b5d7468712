"""GA4 → our events, on payloads shaped like the ones real shops send. Pure: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from prefero.errors import InvalidInput
from prefero.events.ga4 import MAX_ITEMS, map_ga4
from prefero.types import EventType

MICROS = 1_767_268_800_000_000  # 2026-01-01T12:00:00Z


def mp_body(*events: Any, **top: Any) -> dict[str, Any]:
    return {"client_id": "555.1700000000", **top, "events": list(events)}


def loc_of(mapping: Any) -> list[tuple[str | int, ...]]:
    return [tuple(e.loc) for r in mapping.rejected for e in r.errors]


def test_datalayer_add_to_cart_with_string_numbers_and_user_id() -> None:
    push = {
        "event": "add_to_cart",
        "user_id": "c-17",
        "client_id": "555.1",
        "ecommerce": {
            "currency": "PLN",
            "value": "39.98",
            "items": [{"item_id": "SKU_1", "item_name": "Trail Runner 2", "price": "19.99",
                       "quantity": "2", "item_brand": "Acme", "item_category": "Shoes",
                       "item_category2": "Running", "item_category5": "Trail"}],
        },
    }
    mapping = map_ga4(push)
    assert mapping.rejected == [] and mapping.ignored == 0
    [event] = mapping.events
    assert event.type is EventType.ADD_TO_CART
    assert event.customer_id == "c-17" and event.anonymous_id is None
    assert event.product_id == "SKU_1"
    assert event.quantity == 2
    assert event.price == Decimal("19.99")


def test_client_id_becomes_anonymous_id_and_numeric_ids_become_text() -> None:
    mapping = map_ga4({"event": "view_item", "client_id": 555,
                       "ecommerce": {"items": [{"item_id": 1234, "price": 10}]}})
    [event] = mapping.events
    assert (event.type, event.anonymous_id, event.product_id) == (EventType.VIEW, "555", "1234")
    assert event.quantity is None  # a quantity on a view means nothing
    assert event.price == Decimal("10.00")


def test_measurement_protocol_purchase_gives_one_event_per_item() -> None:
    body = mp_body(
        {"name": "purchase", "params": {
            "transaction_id": "T-100", "session_id": 1700000001,  # no currency, no value
            "items": [
                {"item_id": "A", "price": 19.99, "quantity": 2},
                {"item_id": "B", "price": "5", "quantity": "1"},
                {"item_id": "C"},
            ]}},
        timestamp_micros=MICROS,
    )
    mapping = map_ga4(body)
    assert [(e.product_id, e.quantity, e.price) for e in mapping.events] == [
        ("A", 2, Decimal("19.99")), ("B", 1, Decimal("5.00")), ("C", 1, None)]
    assert {e.type for e in mapping.events} == {EventType.PURCHASE}
    assert {e.anonymous_id for e in mapping.events} == {"555.1700000000"}
    assert {e.session_id for e in mapping.events} == {"1700000001"}
    assert {e.occurred_at for e in mapping.events} == {datetime(2026, 1, 1, 12, tzinfo=UTC)}
    assert mapping.sources == [0, 0, 0]
    assert len({e.event_id for e in mapping.events}) == 3


def test_event_level_timestamp_wins_over_the_body_one() -> None:
    body = mp_body({"name": "view_item", "timestamp_micros": str(MICROS + 1_000_000),
                    "params": {"items": [{"item_id": "A"}]}}, timestamp_micros=MICROS)
    [event] = map_ga4(body).events
    assert event.occurred_at == datetime(2026, 1, 1, 12, 0, 1, tzinfo=UTC)


def test_derived_event_ids_are_deterministic_and_content_sensitive() -> None:
    body = mp_body({"name": "view_item", "params": {"items": [{"item_id": "A"}]}},
                   timestamp_micros=MICROS)
    first = [e.event_id for e in map_ga4(body).events]
    again = [e.event_id for e in map_ga4(body).events]
    later = [e.event_id for e in map_ga4({**body, "timestamp_micros": MICROS + 1}).events]
    other = [e.event_id for e in map_ga4({**body, "client_id": "other"}).events]
    assert first == again
    assert first != later and first != other
    assert first[0].startswith("ga4:")


def test_given_event_ids_are_used_with_the_item_index() -> None:
    mapping = map_ga4([
        {"event": "purchase", "event_id": "ord-9", "client_id": "1.2",
         "ecommerce": {"items": [{"item_id": "A"}, {"item_id": "B"}]}},
        {"event": "search", "event_id": "s-1", "client_id": "1.2", "search_term": "tent"},
    ])
    assert [e.event_id for e in mapping.events] == ["ord-9:0", "ord-9:1", "s-1"]
    mp = map_ga4(mp_body({"name": "view_item", "params": {"event_id": "v-1",
                                                          "items": [{"item_id": "A"}]}}))
    assert [e.event_id for e in mp.events] == ["v-1:0"]


def test_legacy_item_keys_and_comma_decimals() -> None:
    push = {"event": "add_to_cart", "client_id": "1.2", "ecommerce": {"items": [
        {"id": "OLD-1", "name": "Old style", "price": "19,99", "quantity": "3"},
        {"id": "OLD-2", "name": "Thousands", "price": "1,299.00"},
        {"item_id": "NEW-3", "price": 16.6583},
    ]}}
    mapping = map_ga4(push)
    assert [(e.product_id, e.price, e.quantity) for e in mapping.events] == [
        ("OLD-1", Decimal("19.99"), 3),
        ("OLD-2", Decimal("1299.00"), 1),
        ("NEW-3", Decimal("16.66"), 1),
    ]


def test_universal_analytics_enhanced_ecommerce() -> None:
    pushes: list[dict[str, Any]] = [
        {"ecommerce": {"currencyCode": "EUR",
                       "detail": {"products": [{"id": "UA-1", "name": "Tent", "price": "99.00"}]}}},
        {"event": "addToCart", "ecommerce": {
            "add": {"products": [{"id": "UA-1", "price": "99.00", "quantity": 2}]}}},
        {"event": "productClick", "ecommerce": {
            "click": {"actionField": {"list": "Search Results"}, "products": [{"id": "UA-2"}]}}},
        {"event": "gtm.dom", "ecommerce": {"impressions": [{"id": "UA-3"}]}},
        {"event": "checkout", "ecommerce": {"checkout": {"products": [{"id": "UA-1"}]}}},
    ]
    mapping = map_ga4([{**p, "client_id": "9.9"} for p in pushes])
    assert [(e.type, e.product_id, e.quantity, e.placement) for e in mapping.events] == [
        (EventType.VIEW, "UA-1", None, None),
        (EventType.ADD_TO_CART, "UA-1", 2, None),
        (EventType.VIEW, "UA-2", None, "Search Results"),
    ]
    assert mapping.ignored == 2  # impressions and checkout


def test_select_item_is_a_view_from_a_list() -> None:
    short = map_ga4({"event": "select_item", "client_id": "1.2", "ecommerce": {
        "item_list_id": "related_products", "items": [{"item_id": "A"}]}})
    on_item = map_ga4({"event": "select_item", "client_id": "1.2", "ecommerce": {
        "items": [{"item_id": "A", "item_list_name": "Upsell"}]}})
    long = map_ga4({"event": "select_item", "client_id": "1.2", "ecommerce": {
        "item_list_id": "homepage_carousel_summer_sale_2026", "items": [{"item_id": "A"}]}})
    assert short.events[0].type is EventType.VIEW
    assert short.events[0].placement == "related_products"
    assert on_item.events[0].placement == "Upsell"
    assert long.events[0].placement == "list"


def test_search_from_both_shapes() -> None:
    push = map_ga4({"event": "search", "search_term": "rain jacket", "client_id": "1.2"})
    mp = map_ga4(mp_body({"name": "search", "params": {"search_term": "tent"}}))
    assert [(e.type, e.query, e.product_id) for e in push.events + mp.events] == [
        (EventType.SEARCH, "rain jacket", None), (EventType.SEARCH, "tent", None)]


@pytest.mark.parametrize("name", ["view_item_list", "begin_checkout", "page_view",
                                  "add_payment_info", "gtm.js"])
def test_events_without_meaning_here_are_ignored_and_counted(name: str) -> None:
    mapping = map_ga4(mp_body(
        {"name": name, "params": {"items": [{"item_id": "A"}, {"item_id": "B"}]}},
        {"name": "view_item", "params": {"items": [{"item_id": "C"}]}},
    ))
    assert mapping.ignored == 1
    assert [e.product_id for e in mapping.events] == ["C"]
    assert mapping.sources == [1]


def test_pushes_without_an_event_are_ignored() -> None:
    mapping = map_ga4([{"ecommerce": None}, {"user_id": "c-1"}, {"event": "gtm.load"}])
    assert mapping.events == [] and mapping.ignored == 3


def test_identity_carries_over_to_later_pushes_as_in_gtm() -> None:
    mapping = map_ga4([
        {"client_id": "1.2"},
        {"event": "view_item", "ecommerce": {"items": [{"item_id": "A"}]}},
        {"user_id": "c-5"},
        {"event": "add_to_cart", "ecommerce": {"items": [{"item_id": "A"}]}},
        {"user_id": None},
        {"event": "view_item", "ecommerce": {"items": [{"item_id": "B"}]}},
    ])
    assert [(e.customer_id, e.anonymous_id) for e in mapping.events] == [
        (None, "1.2"), ("c-5", None), (None, "1.2")]


def test_mapping_errors_carry_the_path_in_the_body() -> None:
    body = mp_body(
        {"name": "view_item", "params": {"items": [{"item_id": "ok"}]}},
        {"name": "add_to_cart", "params": {"items": [{"item_id": "A", "price": "cheap"}]}},
        {"name": "purchase", "params": {"items": [{"item_id": "A"}, {"item_name": "no id"}]}},
        {"name": "purchase", "params": {"items": [{"item_id": "A", "quantity": "1.5"}]}},
        {"name": "add_to_cart", "params": {"items": [{"item_id": "A", "quantity": 0}]}},
        {"name": "view_item", "params": {"items": [{"item_id": "x" * 201}]}},
        {"name": "search", "params": {}},
        {"name": "view_item", "params": {"items": []}},
    )
    mapping = map_ga4(body)
    assert [e.product_id for e in mapping.events] == ["ok"]
    assert [r.index for r in mapping.rejected] == [1, 2, 3, 4, 5, 6, 7]
    assert loc_of(mapping) == [
        ("events", 1, "params", "items", 0, "price"),
        ("events", 2, "params", "items", 1, "item_id"),
        ("events", 3, "params", "items", 0, "quantity"),
        ("events", 4, "params", "items", 0, "quantity"),
        ("events", 5, "params", "items", 0, "item_id"),
        ("events", 6, "params", "search_term"),
        ("events", 7, "params", "items"),
    ]


def test_errors_in_datalayer_lists_start_with_the_push_index() -> None:
    mapping = map_ga4([
        {"event": "view_item", "client_id": "1", "ecommerce": {"items": [{"item_id": "A"}]}},
        {"event": "add_to_cart", "client_id": "1", "ecommerce": {"items": [{"id": None}]}},
        {"event": "search", "client_id": "1", "ecommerce": {"search_term": ""}},
    ])
    assert loc_of(mapping) == [(1, "ecommerce", "items", 0, "item_id"),
                               (2, "ecommerce", "search_term")]


def test_an_event_without_a_person_is_rejected() -> None:
    mapping = map_ga4({"event": "view_item", "ecommerce": {"items": [{"item_id": "A"}]}})
    assert loc_of(mapping) == [("client_id",)]
    assert "user_id or a client_id" in mapping.rejected[0].errors[0].msg


def test_timestamps_far_in_the_future_are_rejected() -> None:
    future = int((datetime.now(UTC) + timedelta(days=3)).timestamp() * 1_000_000)
    mapping = map_ga4(mp_body({"name": "view_item", "params": {"items": [{"item_id": "A"}]}},
                              timestamp_micros=future))
    assert loc_of(mapping) == [("timestamp_micros",)]
    assert "future" in mapping.rejected[0].errors[0].msg


def test_too_many_items_in_one_event_is_an_error() -> None:
    items = [{"item_id": str(i)} for i in range(MAX_ITEMS + 1)]
    mapping = map_ga4(mp_body({"name": "purchase", "params": {"items": items}}))
    assert loc_of(mapping) == [("events", 0, "params", "items")]


@pytest.mark.parametrize("body", [42, "view_item", None, {"events": "nope"}])
def test_bodies_of_the_wrong_shape_are_refused_as_a_whole(body: Any) -> None:
    with pytest.raises(InvalidInput):
        map_ga4(body)


def test_entries_that_are_not_objects_reject_only_themselves() -> None:
    view = {"event": "view_item", "client_id": "1", "ecommerce": {"items": [{"item_id": "A"}]}}
    pushes = map_ga4([view, "oops", 3])
    assert [r.index for r in pushes.rejected] == [1, 2]
    assert loc_of(pushes) == [(1,), (2,)]
    mp = map_ga4(mp_body({"name": "view_item", "params": {"items": [{"item_id": "A"}]}}, None))
    assert len(mp.events) == 1 and loc_of(mp) == [("events", 1)]


def test_more_than_a_thousand_events_is_refused_with_a_clear_message() -> None:
    body = mp_body(*[{"name": "page_view"}] * 1001)
    with pytest.raises(InvalidInput, match="at most 1000 events"):
        map_ga4(body)
    with pytest.raises(InvalidInput, match="at most 1000 events"):
        map_ga4([{"event": "page_view"}] * 1001)


def test_gtag_entries_in_a_datalayer_are_events_with_the_identity_set_before() -> None:
    # gtag() pushes its arguments object; JSON.stringify gives it back keyed "0", "1", ...
    mapping = map_ga4([
        {"0": "js", "1": "2026-01-01T12:00:00.000Z"},
        {"0": "config", "1": "G-ABC123", "2": {"client_id": "555.1"}},
        {"0": "event", "1": "view_item", "2": {"items": [{"item_id": "A"}]}},
        {"0": "set", "1": {"user_id": "c-9"}},
        {"0": "event", "1": "purchase", "2": {"transaction_id": "T-1", "value": 30,
                                              "items": [{"item_id": "A", "price": "10",
                                                         "quantity": 3}]}},
        ["event", "add_to_cart", {"items": [{"item_id": "B"}]}],
    ])
    assert mapping.rejected == [] and mapping.ignored == 3  # js, config, set
    assert [(e.type, e.product_id, e.customer_id, e.anonymous_id) for e in mapping.events] == [
        (EventType.VIEW, "A", None, "555.1"), (EventType.PURCHASE, "A", "c-9", None),
        (EventType.ADD_TO_CART, "B", "c-9", None)]
    purchase = mapping.events[1]
    assert (purchase.quantity, purchase.price, purchase.order_id) == (3, Decimal("10.00"), "T-1")
    assert mapping.sources == [2, 4, 5]


def test_a_single_gtag_entry_is_a_body_and_its_errors_point_into_it() -> None:
    mapping = map_ga4({"0": "event", "1": "add_to_cart",
                       "2": {"client_id": "1.2", "items": [{"item_name": "no id"}]}})
    assert loc_of(mapping) == [("2", "items", 0, "item_id")]
    listed = map_ga4([["event", "add_to_cart", {"client_id": "1.2", "items": [{"price": 1}]}]])
    assert loc_of(listed) == [(0, 2, "items", 0, "item_id")]


def test_items_at_the_top_level_of_a_push_are_its_items() -> None:
    mapping = map_ga4([
        {"event": "purchase", "client_id": "1.2", "transaction_id": "T-2",
         "items": [{"item_id": "A"}, {"item_id": "B", "quantity": 2}]},
        {"event": "add_to_cart", "client_id": "1.2", "items": [{"item_id": "C", "price": "x"}]},
    ])
    assert [(e.product_id, e.quantity, e.order_id) for e in mapping.events] == [
        ("A", 1, "T-2"), ("B", 2, "T-2")]
    assert loc_of(mapping) == [(1, "items", 0, "price")]


def test_view_search_results_is_a_search() -> None:
    mapping = map_ga4(mp_body({"name": "view_search_results",
                               "params": {"search_term": "rain jacket"}}))
    assert [(e.type, e.query) for e in mapping.events] == [(EventType.SEARCH, "rain jacket")]


def test_one_transaction_is_one_purchase_however_often_it_is_sent() -> None:
    items = [{"item_id": "A", "price": "10"}, {"item_id": "B"}, {"item_id": "A"}]
    tag = map_ga4({"event": "purchase", "client_id": "1.2", "event_id": "tag-1",
                   "ecommerce": {"transaction_id": "T-7", "items": items}})
    server = map_ga4(mp_body({"name": "purchase", "timestamp_micros": MICROS,
                              "params": {"transaction_id": "T-7",
                                         "items": [items[1], items[0], items[2]]}},
                             user_id="c-1"))
    reloaded = map_ga4(mp_body({"name": "purchase", "timestamp_micros": MICROS + 60_000_000,
                                "params": {"transaction_id": "T-7", "items": items}}))
    ids = [sorted(e.event_id for e in m.events) for m in (tag, server, reloaded)]
    assert ids[0] == ids[1] == ids[2]
    assert len(set(ids[0])) == 3  # the same product twice is two lines of the order
    other = map_ga4({"event": "purchase", "client_id": "1.2",
                     "ecommerce": {"transaction_id": "T-8", "items": items}})
    assert not set(ids[0]) & {e.event_id for e in other.events}


def test_refunds_name_their_order_per_item_or_whole() -> None:
    mapping = map_ga4(mp_body(
        {"name": "refund", "params": {"transaction_id": "T-7", "items": [
            {"item_id": "A", "quantity": "1"}]}},
        {"name": "refund", "params": {"transaction_id": "T-8"}},
        {"name": "refund", "params": {"items": [{"item_id": "A"}]}},
    ))
    assert [(e.type, e.product_id, e.order_id, e.quantity) for e in mapping.events] == [
        (EventType.REFUND, "A", "T-7", 1), (EventType.REFUND, None, "T-8", None)]
    assert loc_of(mapping) == [("events", 2, "params", "transaction_id")]
    again = map_ga4(mp_body({"name": "refund", "timestamp_micros": MICROS,
                             "params": {"transaction_id": "T-8"}}))
    assert again.events[0].event_id == mapping.events[1].event_id  # sent twice: one refund


def test_universal_analytics_refunds_and_purchases_carry_the_transaction() -> None:
    mapping = map_ga4([
        {"event": "purchase", "client_id": "1.2", "ecommerce": {"purchase": {
            "actionField": {"id": "T-3", "revenue": "20"}, "products": [{"id": "A"}]}}},
        {"event": "refund", "client_id": "1.2", "ecommerce": {"refund": {
            "actionField": {"id": "T-3"}}}},
    ])
    assert [(e.type, e.product_id, e.order_id) for e in mapping.events] == [
        (EventType.PURCHASE, "A", "T-3"), (EventType.REFUND, None, "T-3")]
