"""back_in_stock: the same audience as a price drop, for a product that can be ordered
again; once per restock day."""

from __future__ import annotations

from trigger_shop import NOW, Recorder, follow, item, outbox, upsert

from factories import consent, customer
from prefero.catalog.service import set_availability
from prefero.messaging.triggers import back_in_stock
from prefero.messaging.triggers.watches import put_watch
from prefero.runtime import Runtime


def _shop(runtime: Runtime) -> None:
    upsert(runtime, item("p1", availability="out_of_stock"))
    with runtime.session() as session:
        for cid in ("ws", "wp", "wb", "f"):
            customer(session, cid)
        customer(session, "wn", never=[("brand", "acme")])
        customer(session, "wbudget", budget_max=20)
        for cid, what in (("ws", "stock"), ("wp", "price"), ("wb", "both"), ("wn", "both"),
                          ("wbudget", "stock")):
            put_watch(session, customer_id=cid, product_id="p1", what=what, now=NOW)
    follow(runtime, "f", "category", "Fashion")


def _scan(runtime: Runtime) -> int:
    with runtime.session() as session:
        return back_in_stock.scan(session, NOW, runtime.settings)


def test_a_restock_reaches_watchers_and_followers_within_their_rules(
        runtime: Runtime, offers: Recorder) -> None:
    _shop(runtime)
    with runtime.session() as session:
        set_availability(session, "p1", availability="in_stock")
    assert _scan(runtime) == 3
    assert offers.who() == ["f", "wb", "ws"]
    assert {o.params["because"] for o in offers.offers} == {"watch", "follow"}
    assert all(o.params["price"] == "100.00" for o in offers.offers)
    offers.clear()
    assert _scan(runtime) == 0
    assert offers.offers == []


def test_the_outbox_keeps_one_message_per_customer_and_restock_day(runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session() as session:
        consent(session, "ws", "marketing_inbox", True)
        consent(session, "wn", "marketing_inbox", True)
    with runtime.session() as session:
        set_availability(session, "p1", availability="in_stock")
        # Sold out and back again within the same day: the same occasion.
        set_availability(session, "p1", availability="out_of_stock")
        set_availability(session, "p1", availability="in_stock")
    _scan(runtime)
    _scan(runtime)
    assert outbox(runtime) == [("ws", "back_in_stock", "p1")]
