"""Recommendations show a model once: sizes and colours of one family never share a row,
and the family a card carries holds only what the customer's rules allow."""

from __future__ import annotations

import pytest

from factories import add_products, customer, product
from prefero.recommend.query import RecommendationQuery
from prefero.runtime import Runtime

SHOES = "Fashion > Shoes"


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        add_products(session, [
            *(product(f"runner-{color}", category=SHOES, price=90, group="runner",
                      facets={"color": [color], "size": ["41", "42"]}, age_days=2)
              for color in ("red", "black", "white", "grey")),
            *(product(f"boot-{color}", category=SHOES, price=120, group="boot",
                      facets={"color": [color]}, age_days=3) for color in ("brown", "black")),
            *(product(f"other-{i}", category=f"Home > Aisle {i}", price=10 + i, age_days=40)
              for i in range(12)),
        ])
        customer(session, "no-grey", never=[("color", "grey")])
    return runtime


@pytest.mark.parametrize("placement", ["home", "search", "product", "cart"])
def test_a_family_appears_once_per_row(shop: Runtime, placement: str) -> None:
    ids = [f"runner-{c}" for c in ("red", "black", "white", "grey")] + ["boot-brown",
                                                                       "boot-black"]
    query = RecommendationQuery(placement=placement, n=20,  # type: ignore[arg-type]
                                hits=tuple(ids) if placement == "search" else (),
                                product_id="other-0" if placement == "product" else None,
                                cart=("other-1",) if placement == "cart" else ())
    with shop.session() as session:
        items = shop.recommender.recommend(session, query).items
    families = [item.product_id.split("-")[0] for item in items
                if item.product_id.split("-")[0] in ("runner", "boot")]
    assert len(families) == len(set(families))
    if placement == "search":
        assert sorted(families) == ["boot", "runner"]


def test_a_card_names_its_family_as_the_rules_allow(shop: Runtime) -> None:
    with shop.session() as session:
        items = shop.recommender.recommend(session, RecommendationQuery(
            customer_id="no-grey", placement="search", n=10,
            hits=("runner-grey", "runner-red", "runner-black", "runner-white"))).items
    assert len(items) == 1
    family = items[0].variants
    assert family is not None
    assert family.product_ids[0] == items[0].product_id
    assert sorted(family.product_ids) == ["runner-black", "runner-red", "runner-white"]
    assert "grey" not in family.colors and family.sizes == ["41", "42"]


def test_a_product_without_a_family_carries_none(shop: Runtime) -> None:
    with shop.session() as session:
        items = shop.recommender.recommend(session, RecommendationQuery(
            placement="search", n=5, hits=("other-1", "other-2"))).items
    assert [item.variants for item in items] == [None, None]
