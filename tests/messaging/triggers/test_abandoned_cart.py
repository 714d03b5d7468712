"""abandoned_cart: a cart item neither bought nor removed for N hours, only for customers
who allow tracking, with the closest cheaper alternative that passes their rules."""

from __future__ import annotations

from datetime import timedelta

from trigger_shop import NOW, Recorder, item, outbox, upsert

from factories import consent, customer, events
from prefero.messaging.kinds import Trigger
from prefero.messaging.terms import set_trigger
from prefero.messaging.triggers import abandoned_cart
from prefero.runtime import Runtime

HOURS = timedelta(hours=1)


def _shop(runtime: Runtime) -> None:
    upsert(runtime, item("p1"), item("a1", price="80.00"),
           item("a2", price="60.00", brand="Bolt"),
           item("a3", price="90.00", availability="out_of_stock"),
           item("other", price="10.00", category="Fashion > Shoes > Trail"))


def _scan(runtime: Runtime, at: object = None) -> int:
    with runtime.session() as session:
        return abandoned_cart.scan(session, NOW if at is None else at,  # type: ignore[arg-type]
                                   runtime.settings)


def test_left_carts_get_a_cheaper_alternative_within_the_rules(runtime: Runtime,
                                                                offers: Recorder) -> None:
    _shop(runtime)
    left = NOW - 5 * HOURS
    with runtime.session() as session:
        customer(session, "c1")
        events(session, "c1", [("add_to_cart", "p1")], at=left)
        customer(session, "c2", dismissed=["a1"])
        events(session, "c2", [("add_to_cart", "p1")], at=left)
        customer(session, "bought")
        events(session, "bought", [("add_to_cart", "p1"), ("purchase", "p1")], at=left)
        customer(session, "removed")
        events(session, "removed", [("add_to_cart", "p1"), ("remove_from_cart", "p1")],
               at=left)
        customer(session, "untracked")
        events(session, "untracked", [("add_to_cart", "p1")], at=left)
        consent(session, "untracked", "tracking", False)
        customer(session, "never", never=[("brand", "acme")])
        events(session, "never", [("add_to_cart", "p1")], at=left)
        customer(session, "cheapest")
        events(session, "cheapest", [("add_to_cart", "a2")], at=left)
        customer(session, "recent")
        events(session, "recent", [("add_to_cart", "p1")], at=NOW - HOURS)
    assert _scan(runtime) == 3
    by = {o.customer_id: o for o in offers.offers}
    assert sorted(by) == ["c1", "c2", "cheapest"]
    assert (by["c1"].params["alternative_title"], by["c1"].params["alternative_price"],
            by["c1"].product_ids) == ("Product a1", "80.00", ("p1", "a1"))
    assert by["c2"].params["alternative_id"] == "a2"
    assert "alternative_title" not in by["cheapest"].params
    assert by["c1"].params["title"] == "Product p1" and by["c1"].params["price"] == "100.00"
    offers.clear()
    assert _scan(runtime) == 0
    # Four hours later the recent cart is due too, once.
    assert _scan(runtime, NOW + 4 * HOURS) == 1
    assert offers.who() == ["recent"]


def test_through_the_outbox_one_message_for_a_customer_who_asked(runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session() as session:
        customer(session, "c1")
        customer(session, "off")
        for cid in ("c1", "off"):
            events(session, cid, [("add_to_cart", "p1")], at=NOW - 5 * HOURS)
            consent(session, cid, "marketing_inbox", True)
        # Abandoned-cart messages are off unless the customer switches them on.
        set_trigger(session, customer_id="c1", trigger=Trigger.ABANDONED_CART, on=True,
                    settings=runtime.settings, now=NOW)
    _scan(runtime)
    _scan(runtime)
    assert outbox(runtime) == [("c1", "abandoned_cart", "p1")]


def test_a_full_batch_of_one_moment_does_not_stall_the_cursor(runtime: Runtime,
                                                              offers: Recorder) -> None:
    # Five carts left at the very same moment, read two per scan: every scan moves on, each
    # cart is offered once, and the scanner then rests.
    _shop(runtime)
    with runtime.session() as session:
        for i in range(5):
            customer(session, f"c{i}")
            events(session, f"c{i}", [("add_to_cart", "p1")], at=NOW - 5 * HOURS)
    made = []
    for _ in range(4):
        with runtime.session() as session:
            made.append(abandoned_cart.scan(session, NOW, runtime.settings, batch=2))
    assert made == [2, 2, 1, 0]
    assert offers.who() == ["c0", "c1", "c2", "c3", "c4"]
