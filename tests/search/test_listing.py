"""Browsing a category: one card per model, pages that partition the cards, sorts, facet
filters whose counts keep their promise, and the customer's rules under all of it. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import add_products, customer, product
from prefero.runtime import Runtime
from prefero.search.listing import SORTS, Filters, Listing, Sort, browse_category

SHIRTS = "Fashion > Shirts"
BASICS = 30


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        add_products(session, [
            # One model in three colours (one family), newest in blue.
            product("tee-red", category=SHIRTS, price=20, brand="Acme", age_days=10,
                    group="tee", facets={"color": ["red"], "size": ["S", "M"]}),
            product("tee-blue", category=SHIRTS, price=20, brand="Acme", age_days=5,
                    group="tee", facets={"color": ["blue"], "size": ["M", "L"]}),
            product("tee-green", category=SHIRTS, price=20, brand="Acme", age_days=30,
                    group="tee", facets={"color": ["green"], "size": ["S"]}),
            product("linen", category=SHIRTS, price=50, brand="Nordlys", age_days=1,
                    facets={"color": ["white"]}),
            product("oxford", category=SHIRTS, price=35, brand="Acme", age_days=50,
                    facets={"color": ["blue"]}),
            *(product(f"basic-{i:02d}", category=SHIRTS, price=100 + i, brand="Plain",
                      age_days=60 + i, facets={"color": ["black"]}) for i in range(BASICS)),
            product("sold-out", category=SHIRTS, price=1, availability="out_of_stock",
                    facets={"color": ["pink"]}),
            product("jeans", category="Fashion > Jeans", price=80, facets={"color": ["blue"]}),
        ])
        customer(session, "no-red", never=[("color", "red")])
        customer(session, "likes-nordlys", likes=[("brand", "nordlys", 1.0)])
        customer(session, "anyone")
    return runtime


def _browse(runtime: Runtime, *, customer_id: str = "anyone", **options: object) -> Listing:
    with runtime.session() as session:
        found = browse_category(session, runtime.recommender, path=SHIRTS,
                                customer_id=customer_id, **options)  # type: ignore[arg-type]
    assert found is not None
    return found


def _counts(listing: Listing, facet: str) -> dict[str, int]:
    groups = [group for group in listing.filters if group.facet == facet]
    return {value.value: value.count for group in groups for value in group.values}


def _all_pages(runtime: Runtime, **options: object) -> list[str]:
    first = _browse(runtime, per_page=7, **options)
    shown = [item.product_id for item in first.items]
    for number in range(2, first.pages + 1):
        shown += [item.product_id for item in _browse(runtime, per_page=7, page=number,
                                                      **options).items]
    return shown


def test_a_model_is_one_card_with_its_colours_and_sizes(shop: Runtime) -> None:
    listing = _browse(shop, sort="newest", per_page=50)
    ids = [item.product_id for item in listing.items]
    assert listing.total == 1 + 2 + BASICS  # the tee family, linen, oxford, the basics
    assert len(ids) == listing.total
    assert [i for i in ids if i.startswith("tee")] == ["tee-blue"]  # its newest member
    family = next(item for item in listing.items if item.product_id == "tee-blue").variants
    assert family is not None
    assert family.product_ids[0] == "tee-blue"
    assert set(family.product_ids) == {"tee-red", "tee-blue", "tee-green"}
    assert family.colors == ["blue", "green", "red"]  # the shown one's first, then by id
    assert set(family.sizes) == {"S", "M", "L"}
    assert "sold-out" not in ids and "jeans" not in ids


@pytest.mark.parametrize("sort", SORTS)
def test_pages_partition_the_cards_in_every_sort(shop: Runtime, sort: Sort) -> None:
    shown = _all_pages(shop, sort=sort)
    assert len(shown) == len(set(shown)) == 1 + 2 + BASICS
    if sort == "price_asc":
        prices = [price for _id, price in _prices(shop, shown)]
        assert prices == sorted(prices)
    if sort == "price_desc":
        prices = [price for _id, price in _prices(shop, shown)]
        assert prices == sorted(prices, reverse=True)
    if sort == "newest":
        assert shown[:3] == ["linen", "tee-blue", "oxford"]


def _prices(runtime: Runtime, ids: list[str]) -> list[tuple[str, float]]:
    listing = _browse(runtime, sort="price_asc", per_page=96)
    price = {item.product_id: item.price for item in listing.items}
    return [(i, price[i]) for i in ids]


def test_a_page_past_the_last_is_empty_and_keeps_the_totals(shop: Runtime) -> None:
    listing = _browse(shop, per_page=10, page=9)
    assert listing.items == []
    assert (listing.total, listing.pages, listing.page) == (33, 4, 9)


def test_for_you_puts_what_the_customer_likes_first_and_says_why(shop: Runtime) -> None:
    listing = _browse(shop, customer_id="likes-nordlys", per_page=10)
    assert listing.sort == "for_you"
    first = listing.items[0]
    assert first.product_id == "linen"
    assert "declared_like" in [reason.code for reason in first.reasons]
    # Nothing was searched on a category page: no card claims to match a search.
    assert all(r.code != "search_match" for item in listing.items for r in item.reasons)


def test_facet_counts_are_cards_and_ignore_their_own_choice(shop: Runtime) -> None:
    listing = _browse(shop)
    assert _counts(listing, "color") == {"black": BASICS, "blue": 2, "red": 1, "green": 1,
                                         "white": 1}
    assert _counts(listing, "brand") == {"plain": BASICS, "acme": 2, "nordlys": 1}

    blue = _browse(shop, filters=Filters(values={"color": ("blue",)}), sort="price_asc")
    assert [item.product_id for item in blue.items] == ["tee-blue", "oxford"]
    # The colour facet still counts every colour (choosing another widens the list) ...
    assert _counts(blue, "color")["black"] == BASICS
    assert next(v for g in blue.filters if g.facet == "color" for v in g.values
                if v.value == "blue").selected
    # ... while the brands count what the blue choice leaves: one brand narrows nothing,
    # so it is not offered.
    assert _counts(blue, "brand") == {}

    two = _browse(shop, filters=Filters(values={"color": ("blue", "white")}))
    assert two.total == 3
    assert _counts(two, "brand") == {"acme": 2, "nordlys": 1}


def test_a_member_matching_the_filter_stands_for_its_model(shop: Runtime) -> None:
    red = _browse(shop, filters=Filters(values={"color": ("red",)}))
    assert [item.product_id for item in red.items] == ["tee-red"]


def test_price_range_bounds_are_inclusive(shop: Runtime) -> None:
    listing = _browse(shop, filters=Filters(price_min=20, price_max=50), sort="price_asc")
    assert [item.product_id for item in listing.items] == ["tee-blue", "oxford", "linen"]
    assert listing.price is not None
    assert (listing.price.low, listing.price.high) == (20, 129)


def test_the_customers_rule_hides_values_from_cards_and_filters(shop: Runtime) -> None:
    listing = _browse(shop, customer_id="no-red", per_page=50)
    assert "red" not in _counts(listing, "color")
    family = next(item.variants for item in listing.items if item.product_id.startswith("tee"))
    assert family is not None and "tee-red" not in family.product_ids
    assert "red" not in family.colors
    # The model still shows (in blue and green): no card was hidden from this list.
    assert (listing.hidden_total, listing.hidden) == (0, [])
    chosen = _browse(shop, customer_id="no-red", filters=Filters(values={"color": ("red",)}))
    assert chosen.items == [] and chosen.total == 0
    # Red chosen, the red tee is the one card the rule took, and the line says so.
    assert chosen.hidden_total == 1
    assert [(h.rule, h.count) for h in chosen.hidden] == [("never:color=red", 1)]
    everything = _browse(shop, customer_id="no-red", apply_preferences=False,
                         filters=Filters(values={"color": ("red",)}))
    assert everything.total == chosen.total + chosen.hidden_total


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sort=st.sampled_from(SORTS), page=st.integers(1, 6),
       colors=st.lists(st.sampled_from(["red", "blue", "green", "black", "white"]),
                       max_size=3, unique=True),
       low=st.none() | st.integers(0, 150))
def test_no_excluded_colour_ever_shows(shop: Runtime, sort: Sort, page: int,
                                       colors: list[str], low: int | None) -> None:
    listing = _browse(shop, customer_id="no-red", sort=sort, page=page, per_page=7,
                      filters=Filters(values={"color": tuple(colors)}, price_min=low))
    for item in listing.items:
        assert item.product_id != "tee-red"
        assert item.variants is None or "red" not in item.variants.colors
    # Red is offered nowhere; where the shopper's own address chose it, it stays to be
    # unchosen, with nothing behind it.
    assert all(value.value != "red" or (value.selected and value.count == 0)
               for group in listing.filters for value in group.values)


def test_an_unknown_or_empty_category_is_none(shop: Runtime) -> None:
    with shop.session() as session:
        for path in ("Nowhere", "", "Fashion > Shirts > Nope"):
            assert browse_category(session, shop.recommender, path=path,
                                   customer_id=None) is None
        found = browse_category(session, shop.recommender, path="Fashion", customer_id=None)
    assert found is not None
    assert found.subcategories == ["Fashion > Jeans", "Fashion > Shirts"]
