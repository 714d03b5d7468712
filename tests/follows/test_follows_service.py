"""Following brands and categories: stored in the catalogue's compared form, idempotent,
refused for what no product carries, bounded per customer, and erased with the customer.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from factories import add_products, product
from prefero.config import Settings
from prefero.errors import Conflict, InvalidInput
from prefero.follows import service
from prefero.follows.models import Follow
from prefero.runtime import Runtime


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("a1", category="Beauty > Skincare", brand="Acme"),
            product("b1", category="Fashion > Shoes > Running", brand="Bolt"),
        ])
    return runtime


def test_follow_stores_the_compared_form_and_answers_the_shops_spelling(shop: Runtime
                                                                         ) -> None:
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        brand = service.follow(session, customer_id="c1", kind="brand", value=" ACME ",
                               index=index, settings=shop.settings)
        category = service.follow(session, customer_id="c1", kind="category",
                                  value="Fashion/Shoes", index=index, settings=shop.settings)
        again = service.follow(session, customer_id="c1", kind="brand", value="acme",
                               index=index, settings=shop.settings)
    assert (brand.value, brand.label) == ("acme", "Acme")
    assert (category.value, category.label) == ("Fashion > Shoes", "Fashion > Shoes")
    assert again.created_at == brand.created_at
    with shop.session() as session:
        index = shop.recommender.snapshot(session)[0]
        listed = service.follows(session, customer_id="c1", index=index)
        assert [(f.kind, f.value) for f in listed] == [("brand", "acme"),
                                                       ("category", "Fashion > Shoes")]
        assert service.is_following(session, customer_id="c1", kind="brand", value="Acme",
                                    index=index)
        assert service.follows(session, customer_id="stranger", index=index) == []


@pytest.mark.parametrize(("kind", "value", "loc"), [
    ("brand", "Nobody", ("value",)),
    ("category", "Garden", ("value",)),
    ("category", "Beauty > Skin", ("value",)),  # a prefix of a name is not a category
    ("shop", "Acme", ("kind",)),
    ("brand", "   ", ("value",)),
])
def test_what_the_catalogue_does_not_carry_is_refused_and_nothing_is_stored(
        shop: Runtime, kind: str, value: str, loc: tuple[str, ...]) -> None:
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        with pytest.raises(InvalidInput) as refused:
            service.follow(session, customer_id="c1", kind=kind, value=value, index=index,
                           settings=shop.settings)
        assert [e.loc for e in refused.value.errors] == [loc]
        assert session.scalar(select(func.count()).select_from(Follow)) == 0


def test_the_number_of_follows_is_bounded(shop: Runtime) -> None:
    settings = Settings(**{**shop.settings.model_dump(), "follows_max": 1})
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        service.follow(session, customer_id="c1", kind="brand", value="Acme", index=index,
                       settings=settings)
        # Following what is followed already is not one more.
        service.follow(session, customer_id="c1", kind="brand", value="Acme", index=index,
                       settings=settings)
        with pytest.raises(Conflict):
            service.follow(session, customer_id="c1", kind="brand", value="Bolt", index=index,
                           settings=settings)


def test_unfollow_removes_once_and_is_safe_to_repeat(shop: Runtime) -> None:
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        service.follow(session, customer_id="c1", kind="brand", value="Acme", index=index,
                       settings=shop.settings)
        assert service.unfollow(session, customer_id="c1", kind="brand", value="ACME",
                                index=index)
        assert not service.unfollow(session, customer_id="c1", kind="brand", value="Acme",
                                    index=index)
        assert service.follows(session, customer_id="c1", index=index) == []


def test_concurrent_follows_of_one_customer_stay_within_the_bound(shop: Runtime) -> None:
    settings = Settings(**{**shop.settings.model_dump(), "follows_max": 1})
    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        service.follow(session, customer_id="c1", kind="category", value="Beauty",
                       index=index, settings=shop.settings)
        service.unfollow(session, customer_id="c1", kind="category", value="Beauty",
                         index=index)

    def attempt(value: str) -> bool:
        try:
            with shop.session(write=True) as session:
                service.follow(session, customer_id="c1", kind="brand", value=value,
                               index=index, settings=settings)
            return True
        except Conflict:
            return False

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, ["Acme", "Bolt"]))
    assert sorted(results) == [False, True]
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 1


def test_follows_are_exported_and_erased_with_the_customer(shop: Runtime) -> None:
    from prefero.privacy.service import erase_customer

    with shop.session(write=True) as session:
        index = shop.recommender.snapshot(session)[0]
        service.follow(session, customer_id="c1", kind="brand", value="Acme", index=index,
                       settings=shop.settings)
    with shop.session(write=True) as session:
        assert [f.value for f in service.exported_follows(session, "c1")] == ["acme"]
        erase_customer(session, customer_id="c1", settings=shop.settings)
    with shop.session() as session:
        assert service.exported_follows(session, "c1") == []
