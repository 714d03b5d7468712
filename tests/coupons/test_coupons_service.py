"""Coupon pools and the codes customers choose: the pool's rules (one discount, dates, what
may be chosen), one code per customer per pool, never more codes than the pool has — also
when requests race on PostgreSQL —, what the shop sees of the choices, and erasure.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from factories import add_products, product
from factories import customer as new_customer
from prefero.coupons import service
from prefero.coupons.models import Coupon
from prefero.coupons.schemas import CouponChoice, PoolIn
from prefero.errors import Conflict, InvalidInput
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def pool_in(**changes: Any) -> PoolIn:
    fields: dict[str, Any] = {
        "name": "Your beauty coupon", "percent_off": Decimal(15), "codes_total": 3,
        "valid_from": NOW - timedelta(days=1), "valid_until": NOW + timedelta(days=30),
        "category_roots": ["Beauty"], "product_ids": ["shoe"]}
    fields.update(changes)
    return PoolIn(**fields)


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("cream", category="Beauty > Skincare", brand="Acme"),
            product("lipstick", category="Beauty > Makeup", brand="Acme"),
            product("shoe", category="Fashion > Shoes", brand="Bolt"),
            product("pasta", category="Groceries > Pasta", brand="Cora"),
        ])
    return runtime


def add(shop: Runtime, **changes: Any) -> int:
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        return service.add_pool(session, pool_in(**changes), index=index,
                                settings=shop.settings).id


def choose(shop: Runtime, customer_id: str, *, now: datetime = NOW, **choice: Any
           ) -> tuple[str, bool]:
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        coupon, created = service.choose(session, customer_id=customer_id,
                                         choice=CouponChoice(**choice), index=index,
                                         settings=shop.settings, now=now)
        return coupon.code, created


@pytest.mark.parametrize(("changes", "locs"), [
    ({"amount_off": Decimal(10)}, [("percent_off",)]),
    ({"percent_off": None}, [("percent_off",)]),
    ({"valid_until": NOW - timedelta(days=2)}, [("valid_until",)]),
    ({"category_roots": ["Beauty", "Garden"], "product_ids": ["nope"]},
     [("category_roots", 1), ("product_ids", 0)]),
    ({"category_roots": [], "product_ids": []}, [("category_roots",)]),
])
def test_a_pool_that_breaks_the_rules_names_every_field_and_stores_nothing(
        shop: Runtime, changes: dict[str, Any], locs: list[tuple[Any, ...]]) -> None:
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        with pytest.raises(InvalidInput) as refused:
            service.add_pool(session, pool_in(**changes), index=index, settings=shop.settings)
        assert [e.loc for e in refused.value.errors] == locs
        assert service.list_pools(session, settings=shop.settings) == []


def test_a_customer_chooses_once_per_pool_and_the_first_choice_stands(shop: Runtime) -> None:
    pool_id = add(shop)
    code, created = choose(shop, "c1", pool_id=pool_id, category="Beauty/Skincare")
    assert created and len(code) == 10
    again, created_again = choose(shop, "c1", pool_id=pool_id, product_id="shoe")
    assert (again, created_again) == (code, False)
    with shop.session() as session:
        [held] = service.customer_coupons(session, customer_id="c1", settings=shop.settings)
        assert (held.applies_kind, held.applies_value) == ("category", "Beauty > Skincare")
        assert service.get_pool(session, pool_id, settings=shop.settings).remaining == 2


@pytest.mark.parametrize(("choice", "loc"), [
    ({"category": "Groceries"}, ("category",)),
    ({"category": "Beauty > Nothing"}, ("category",)),
    ({"product_id": "pasta"}, ("product_id",)),
    ({"product_id": "ghost"}, ("product_id",)),
    ({}, ("category",)),
    ({"category": "Beauty", "product_id": "shoe"}, ("category",)),
])
def test_a_choice_the_pool_does_not_offer_is_refused(shop: Runtime, choice: dict[str, Any],
                                                     loc: tuple[str, ...]) -> None:
    pool_id = add(shop)
    with pytest.raises(InvalidInput) as refused:
        choose(shop, "c1", pool_id=pool_id, **choice)
    assert [e.loc for e in refused.value.errors] == [loc]
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(Coupon)) == 0


def test_a_product_under_a_root_or_listed_may_be_chosen(shop: Runtime) -> None:
    pool_id = add(shop)
    assert choose(shop, "c1", pool_id=pool_id, product_id="lipstick")[1]
    assert choose(shop, "c2", pool_id=pool_id, product_id="shoe")[1]


def test_closed_and_used_up_pools_give_no_code(shop: Runtime) -> None:
    pool_id = add(shop, codes_total=1)
    with pytest.raises(Conflict):
        choose(shop, "c1", pool_id=pool_id, category="Beauty",
               now=NOW + timedelta(days=31))
    with pytest.raises(Conflict):
        choose(shop, "c1", pool_id=pool_id, category="Beauty", now=NOW - timedelta(days=2))
    choose(shop, "c1", pool_id=pool_id, category="Beauty")
    with pytest.raises(Conflict):
        choose(shop, "c2", pool_id=pool_id, category="Beauty")
    with shop.session() as session:
        assert service.open_pools(session, now=NOW, settings=shop.settings) == []
    with pytest.raises(InvalidInput) as unknown:
        choose(shop, "c1", pool_id=999, category="Beauty")
    assert [e.loc for e in unknown.value.errors] == [("pool_id",)]


def test_the_shop_sees_what_was_chosen_and_what_remains(shop: Runtime) -> None:
    pool_id = add(shop, codes_total=10)
    chosen: list[tuple[str, dict[str, Any]]] = [("c1", {"category": "Beauty > Skincare"}),
                                                ("c2", {"category": "Beauty > Skincare"}),
                                                ("c3", {"product_id": "shoe"})]
    for customer, choice in chosen:
        choose(shop, customer, pool_id=pool_id, **choice)
    with shop.session() as session:
        stats = service.pool_stats(session, pool_id, settings=shop.settings)
    assert [(c.applies_kind, c.applies_value, c.count) for c in stats.chosen] == [
        ("category", "Beauty > Skincare", 2), ("product", "shoe", 1)]
    assert (stats.pool.issued, stats.pool.remaining) == (3, 7)


def test_a_pool_with_codes_out_is_not_deleted_nor_shrunk_below_them(shop: Runtime) -> None:
    pool_id = add(shop)
    choose(shop, "c1", pool_id=pool_id, category="Beauty")
    choose(shop, "c2", pool_id=pool_id, category="Beauty")
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        with pytest.raises(Conflict):
            service.delete_pool(session, pool_id)
        with pytest.raises(InvalidInput) as shrunk:
            service.update_pool(session, pool_id, pool_in(codes_total=1), index=index,
                                settings=shop.settings)
        assert [e.loc for e in shrunk.value.errors] == [("codes_total",)]


def test_coupons_are_exported_and_erased_but_the_code_stays_spent(shop: Runtime) -> None:
    from prefero.privacy.service import erase_customer

    pool_id = add(shop, codes_total=1)
    code, _ = choose(shop, "c1", pool_id=pool_id, category="Beauty")
    with shop.session(write=True) as session:
        [exported] = service.exported_coupons(session, "c1", settings=shop.settings)
        assert exported.code == code
        erase_customer(session, customer_id="c1", settings=shop.settings)
    with shop.session() as session:
        assert service.exported_coupons(session, "c1", settings=shop.settings) == []
        assert service.get_pool(session, pool_id, settings=shop.settings).remaining == 0


def test_racing_requests_never_pass_the_total_nor_give_one_customer_two_codes(
        shop: Runtime) -> None:
    pool_id = add(shop, codes_total=5)

    def attempt(customer_id: str) -> str | None:
        try:
            return choose(shop, customer_id, pool_id=pool_id, category="Beauty")[0]
        except Conflict:
            return None

    customers = [f"c{i % 8}" for i in range(24)]  # 8 customers, each asking three times
    with ThreadPoolExecutor(max_workers=8) as threads:
        codes = list(threads.map(attempt, customers))
    by_customer: dict[str, set[str]] = {}
    for customer, code in zip(customers, codes, strict=True):
        if code is not None:
            by_customer.setdefault(customer, set()).add(code)
    assert len(by_customer) == 5
    assert all(len(held) == 1 for held in by_customer.values())
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(Coupon)) == 5
        assert service.get_pool(session, pool_id, settings=shop.settings).issued == 5


def test_the_choices_leave_out_what_the_customers_rules_exclude(shop: Runtime) -> None:
    pool_id = add(shop, product_ids=["shoe", "cream", "lipstick"])
    with shop.session(write=True) as session:
        new_customer(session, "picky", never=[("category", "Beauty > Makeup"),
                                          ("brand", "bolt")], dismissed=["cream"])
        new_customer(session, "easy")
    with shop.session() as session:
        index = shop.recommender.snapshot(session)[0]
        options = {who: service.open_choices(session, customer_id=who, index=index,
                                             settings=shop.settings, now=NOW)
                   for who in ("picky", "easy")}
    [picky] = options["picky"]
    assert picky.pool.id == pool_id
    assert [o.value for o in picky.options] == ["category:Beauty",
                                                "category:Beauty > Skincare"]
    [easy] = options["easy"]
    assert [o.value for o in easy.options] == [
        "category:Beauty", "category:Beauty > Makeup", "category:Beauty > Skincare",
        "product:shoe", "product:cream", "product:lipstick"]
    assert [o.label for o in easy.options][3] == "Product shoe"


@pytest.mark.parametrize(("choice", "field"), [
    ({"category": "Beauty > Makeup"}, "category"),  # excluded with a never rule
    ({"product_id": "shoe"}, "product_id"),  # its brand is excluded
    ({"product_id": "cream"}, "product_id"),  # "Not for me"
])
def test_choosing_what_the_rules_exclude_is_refused(shop: Runtime, choice: dict[str, Any],
                                                    field: str) -> None:
    pool_id = add(shop, product_ids=["shoe", "cream"])
    with shop.session(write=True) as session:
        new_customer(session, "picky", never=[("category", "Beauty > Makeup"),
                                          ("brand", "bolt")], dismissed=["cream"])
    with pytest.raises(InvalidInput) as refused:
        choose(shop, "picky", pool_id=pool_id, **choice)
    assert [e.loc for e in refused.value.errors] == [(field,)]
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(Coupon)) == 0
    # What the rules allow is still chosen.
    assert choose(shop, "picky", pool_id=pool_id, category="Beauty > Skincare")[1] is True
