"""price_drop reaches who watches, follows or likes the product, within their rules, once
per new price; and through the real messaging service, only those who consented."""

from __future__ import annotations

from trigger_shop import NOW, Recorder, follow, item, outbox, upsert

from factories import consent, customer
from prefero.messaging.triggers import price_drop
from prefero.messaging.triggers.models import ScanCursor
from prefero.messaging.triggers.watches import put_watch
from prefero.runtime import Runtime


def _shop(runtime: Runtime) -> None:
    upsert(runtime, item("p1"), item("p2", brand="Bolt"))
    with runtime.session() as session:
        for cid in ("w", "s", "f", "fc", "o"):
            customer(session, cid)
        # Follows Acme, and never wants Acme: the rule wins.
        customer(session, "fn", never=[("brand", "acme")])
        customer(session, "l", likes=[("brand", "acme", 0.8)])
        customer(session, "lneg", likes=[("brand", "acme", -0.5)])
        customer(session, "lb", likes=[("brand", "acme", 0.8)], budget_max=50)
        customer(session, "ld", likes=[("brand", "acme", 0.8)], dismissed=["p1"])
        # Personalization off: declared likes are not used, watches and follows still are.
        customer(session, "loff", level="off", likes=[("brand", "acme", 0.8)])
        put_watch(session, customer_id="w", product_id="p1", what="price", now=NOW)
        put_watch(session, customer_id="s", product_id="p1", what="stock", now=NOW)
    follow(runtime, "f", "brand", "ACME")
    follow(runtime, "fn", "brand", "Acme")
    follow(runtime, "fc", "category", "Fashion > Shoes")
    follow(runtime, "o", "brand", "Bolt")


def _scan(runtime: Runtime) -> int:
    with runtime.session() as session:
        return price_drop.scan(session, NOW, runtime.settings)


def test_a_drop_reaches_the_right_customers_once(runtime: Runtime, offers: Recorder) -> None:
    _shop(runtime)
    assert _scan(runtime) == 0  # new products are not price drops
    upsert(runtime, item("p1", sale_price="80.00"), item("p2", brand="Bolt"))
    assert _scan(runtime) == 4
    assert offers.who() == ["f", "fc", "l", "w"]
    by_customer = {o.customer_id: o for o in offers.offers}
    watched = by_customer["w"]
    assert (watched.subject_key, watched.occasion, watched.product_ids) == ("p1", "80.00",
                                                                            ("p1",))
    assert {k: watched.params[k] for k in ("title", "old_price", "new_price", "currency",
                                           "brand", "category", "because")} == {
        "title": "Product p1", "old_price": "100.00", "new_price": "80.00",
        "currency": "PLN", "brand": "Acme", "category": "Running", "because": "watch"}
    assert by_customer["f"].params["because"] == "follow"
    assert by_customer["l"].params["because"] == "like"
    # Scanned again: nothing new.
    offers.clear()
    assert _scan(runtime) == 0
    # A further cut is a new occasion; within lb's budget now.
    upsert(runtime, item("p1", sale_price="45.00"))
    assert _scan(runtime) == 5
    assert offers.who() == ["f", "fc", "l", "lb", "w"]
    assert {o.occasion for o in offers.offers} == {"45.00"}


def test_a_product_no_longer_orderable_is_not_announced(runtime: Runtime,
                                                        offers: Recorder) -> None:
    _shop(runtime)
    upsert(runtime, item("p1", sale_price="80.00"))
    upsert(runtime, item("p1", sale_price="80.00", availability="out_of_stock"))
    assert _scan(runtime) == 0


def test_through_the_outbox_only_consenting_customers_get_one_message(
        runtime: Runtime) -> None:
    _shop(runtime)
    with runtime.session() as session:
        for cid in ("w", "fn", "f"):
            consent(session, cid, "marketing_inbox", True)
    upsert(runtime, item("p1", sale_price="80.00"))
    _scan(runtime)
    # The scan repeated from the start (a crash before the cursor was saved): the outbox's
    # dedup key keeps one message per occasion.
    with runtime.session() as session:
        session.delete(session.get(ScanCursor, price_drop.NAME))
    _scan(runtime)
    assert outbox(runtime) == [("f", "price_drop", "p1"), ("w", "price_drop", "p1")]
