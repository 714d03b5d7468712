"""new_from_followed: one message per follower per scan, listing the new products that pass
their rules; likes alone do not count, and nothing is announced twice."""

from __future__ import annotations

from trigger_shop import NOW, Recorder, follow, item, outbox, upsert

from factories import consent, customer
from prefero.messaging.triggers import new_from_followed
from prefero.messaging.wording import render
from prefero.runtime import Runtime


def _scan(runtime: Runtime) -> int:
    with runtime.session() as session:
        return new_from_followed.scan(session, NOW, runtime.settings)


def test_new_products_are_batched_per_follower(runtime: Runtime, offers: Recorder) -> None:
    with runtime.session() as session:
        for cid in ("fa", "fc", "o"):
            customer(session, cid)
        customer(session, "fn", never=[("brand", "acme")])
        customer(session, "fcheap", budget_max=60)
        customer(session, "liker", likes=[("brand", "acme", 1.0)])
    follow(runtime, "fa", "brand", "Acme")
    follow(runtime, "fn", "brand", "Acme")
    follow(runtime, "fcheap", "brand", "Acme")
    follow(runtime, "fc", "category", "Fashion > Shoes")
    follow(runtime, "o", "brand", "Nobody")
    upsert(runtime, *(item(f"n{i}", price=f"{50 + i * 10}.00") for i in range(7)),
           item("bolt", brand="Bolt", category="Fashion > Shoes > Trail"),
           item("gone", availability="out_of_stock"))
    assert _scan(runtime) == 3
    by = {o.customer_id: o for o in offers.offers}
    assert sorted(by) == ["fa", "fc", "fcheap"]
    assert by["fa"].product_ids == ("n0", "n1", "n2", "n3", "n4")
    assert by["fa"].params["count"] == "7" and by["fa"].params["more"] == "2"
    assert by["fa"].params["products"].splitlines()[0] == "Product n0"
    assert by["fa"].params["followed"] == "Acme"
    assert "bolt" in by["fc"].product_ids and by["fc"].params["count"] == "8"
    assert by["fcheap"].product_ids == ("n0", "n1")
    offers.clear()
    assert _scan(runtime) == 0
    upsert(runtime, item("n9"))
    assert _scan(runtime) == 2
    assert [o.product_ids for o in offers.offers] == [("n9",), ("n9",)]


def test_through_the_outbox_one_message_per_follower(runtime: Runtime) -> None:
    with runtime.session() as session:
        customer(session, "fa")
        customer(session, "quiet")
        consent(session, "fa", "marketing_inbox", True)
    follow(runtime, "fa", "brand", "Acme")
    follow(runtime, "quiet", "brand", "Acme")
    upsert(runtime, item("n1"), item("n2"))
    _scan(runtime)
    _scan(runtime)
    assert outbox(runtime) == [("fa", "new_from_followed", "followed")]


def test_the_message_names_a_brand_only_when_the_customer_follows_it(
        runtime: Runtime, offers: Recorder) -> None:
    with runtime.session() as session:
        customer(session, "brandfan")
        customer(session, "shoefan")
    follow(runtime, "brandfan", "brand", "Acme")
    follow(runtime, "shoefan", "category", "Fashion > Shoes")
    upsert(runtime, item("n1"))
    assert _scan(runtime) == 2
    by = {o.customer_id: o for o in offers.offers}
    assert by["brandfan"].params["brand"] == "Acme"
    brand_words = render(by["brandfan"], language="en", settings=runtime.settings)
    assert brand_words["subject"] == "New from Acme"
    assert "a brand you follow" in brand_words["body"]
    # Following the category only: no brand in the params, the followed category instead.
    assert "brand" not in by["shoefan"].params
    assert by["shoefan"].params["category"] == "Shoes"
    assert by["shoefan"].params["followed"] == "Shoes"
    words = render(by["shoefan"], language="en", settings=runtime.settings)
    assert words["subject"] == "New in Shoes"
    assert "Acme" not in words["subject"] + words["body"]
    assert "a category you follow" in words["body"]
