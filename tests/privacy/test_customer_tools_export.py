"""The data export lists what the customer's own tools hold (issue 15): follows, product
alerts, boxes, message terms, every message and each household profile."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from factories import NOW, add_products, customer, product
from prefero.boxes.models import BoxDelivery, BoxItem, BoxSubscription
from prefero.follows.models import Follow
from prefero.messaging.models import OutboxMessage
from prefero.messaging.triggers.models import ProductWatch
from prefero.privacy.service import customer_data, erase_customer
from prefero.runtime import Runtime


def _fill(runtime: Runtime) -> None:
    with runtime.session() as s:
        add_products(s, [product("p1", category="Food > Coffee", brand="Acme")])
        customer(s, "ala")
        customer(s, "bob")
        s.add_all([
            Follow(customer_id="ala", kind="brand", value="acme"),
            Follow(customer_id="bob", kind="brand", value="acme"),
            ProductWatch(customer_id="ala", product_id="p1", what="price"),
            BoxSubscription(id=6, customer_id="ala", theme="coffee", cadence_days=30,
                            budget=Decimal("80.00"), currency="PLN",
                            next_delivery_at=NOW + timedelta(days=30)),
            BoxSubscription(id=7, customer_id="bob", theme="coffee", cadence_days=30,
                            budget=Decimal("80.00"), currency="PLN",
                            next_delivery_at=NOW + timedelta(days=30)),
            OutboxMessage(dedup_key="k" * 64, customer_id="ala", channel="inbox",
                          trigger="price_drop", subject_key="p1",
                          payload={"subject": "Cheaper now", "why": "You asked."},
                          send_at=NOW, next_attempt_at=NOW, created_at=NOW),
        ])
        s.flush()
        for delivery_id, subscription, who in ((60, 6, "ala"), (70, 7, "bob")):
            s.add(BoxDelivery(id=delivery_id, subscription_id=subscription, customer_id=who,
                              number=1, composed_at=NOW, due_at=NOW, total=Decimal("20.00"),
                              currency="PLN"))
            s.flush()
            s.add(BoxItem(delivery_id=delivery_id, product_id="p1", title="Coffee",
                          price=Decimal("20.00"), rating=1, rated_at=NOW))


def test_the_export_lists_follows_alerts_boxes_and_messages(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.session() as s:
        data = customer_data(s, customer_id="ala", settings=runtime.settings)
    assert [(f.kind, f.value) for f in data.follows] == [("brand", "acme")]
    assert [w.product_id for w in data.watches] == ["p1"]
    assert [b.theme for b in data.boxes] == ["coffee"]
    assert [(m.trigger, m.channel) for m in data.messages] == [("price_drop", "inbox")]
    assert data.profiles == []


def test_erasure_leaves_none_of_it(runtime: Runtime) -> None:
    _fill(runtime)
    with runtime.session() as s:
        receipt = erase_customer(s, customer_id="ala", settings=runtime.settings)
    # A box's ratings name no customer themselves: erased through their delivery, not left to
    # the foreign keys' cascade (and so scrubbed from the database files too).
    assert receipt.deleted["box_items"] == 1
    with runtime.session() as s:
        assert [item.delivery_id for item in s.query(BoxItem)] == [70]
        for model in (Follow, ProductWatch, BoxSubscription, OutboxMessage):
            owners = {row.customer_id for row in s.query(model)}
            assert "ala" not in owners, model.__tablename__
        # Another customer's follow of the same brand stays.
        assert [f.customer_id for f in s.query(Follow)] == ["bob"]
