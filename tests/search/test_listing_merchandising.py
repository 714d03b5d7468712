"""The shop's merchandising rules in catalogue and search listings: a hide rule in force on
the ``search`` placement takes its products out of the cards, the filters' counts, the price
range and the total, in every sort and with "show everything"; rules of other placements,
outside their window or disabled change nothing; pins and boosts order the "for you" head
only; and reading the rules costs a listing no database statement. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import add_products, customer, product
from prefero.merchandising.schemas import Condition, RuleIn
from prefero.merchandising.service import add_rule, delete_rule, list_rules
from prefero.runtime import Runtime
from prefero.search.listing import (
    SORTS,
    Filters,
    Listing,
    Sort,
    browse_category,
    browse_search,
)
from sql_statements import statements as recorded

SHIRTS = "Fashion > Shirts"
JEANS = "Fashion > Jeans"
# id, brand, colour, price, family: the shirts of the shop (and their known answers).
SHIRT_ROWS: list[tuple[str, str, str, float, str | None]] = [
    ("tee-red", "Acme", "red", 20, "tee"),
    ("tee-blue", "Acme", "blue", 20, "tee"),
    ("linen", "Nordlys", "white", 500, None),
    ("oxford", "Acme", "blue", 35, None),
    *((f"plain-{i}", "Plain", "black", 60 + i, None) for i in range(6)),
]
FAMILY = {pid: family or pid for pid, _b, _c, _p, family in SHIRT_ROWS}
COLOUR = {pid: colour for pid, _b, colour, _p, _f in SHIRT_ROWS}
BRAND = {pid: brand.casefold() for pid, brand, _c, _p, _f in SHIRT_ROWS}


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    with runtime.session() as session:
        add_products(session, [
            *(product(pid, title=f"{pid.title()} shirt", category=SHIRTS, price=price,
                      brand=brand, group=family, age_days=10 + n,
                      facets={"color": [colour]})
              for n, (pid, brand, colour, price, family) in enumerate(SHIRT_ROWS)),
            product("jeans", title="Jeans shirt-blue", category=JEANS, price=80,
                    brand="Denim", facets={"color": ["blue"]}),
        ])
        customer(session, "no-red", never=[("color", "red")])
        customer(session, "anyone")
    return runtime


def _rule(runtime: Runtime, action: str = "hide", **fields: Any) -> int:
    fields.setdefault("placements", ["search"])
    with runtime.session() as session:
        return add_rule(session, RuleIn(name=f"{action} rule", action=action,
                                        **fields), schema=runtime.facet_schema).id


def _clear(runtime: Runtime) -> None:
    """Delete every rule through the service (which tells the request path)."""
    with runtime.session() as session:
        for found in list_rules(session):
            delete_rule(session, found.id)


def _browse(runtime: Runtime, path: str = SHIRTS, *, customer_id: str = "anyone",
            **options: Any) -> Listing:
    with runtime.session() as session:
        found = browse_category(session, runtime.recommender, path=path,
                                customer_id=customer_id, **options)
    assert found is not None
    return found


def _every_card(runtime: Runtime, **options: Any) -> list[str]:
    first = _browse(runtime, per_page=4, **options)
    shown = [item.product_id for item in first.items]
    for number in range(2, first.pages + 1):
        shown += [item.product_id
                  for item in _browse(runtime, per_page=4, page=number, **options).items]
    return shown


def _counts(listing: Listing, facet: str) -> dict[str, int]:
    return {value.value: value.count for group in listing.filters if group.facet == facet
            for value in group.values}


def _variant_ids(listing: Listing) -> set[str]:
    return {pid for item in listing.items if item.variants is not None
            for pid in item.variants.product_ids}


@pytest.mark.parametrize("sort", SORTS)
def test_a_hidden_product_leaves_the_cards_counts_and_price_range(shop: Runtime,
                                                                  sort: Sort) -> None:
    before = _browse(shop, sort=sort)
    assert before.price is not None and before.price.high == 500
    _rule(shop, condition=Condition(product_ids=["linen"]))
    cards = _every_card(shop, sort=sort)
    assert "linen" not in cards
    assert len(cards) == len(set(cards)) == before.total - 1
    listing = _browse(shop, sort=sort)
    assert listing.total == before.total - 1
    assert "nordlys" not in _counts(listing, "brand")
    assert _counts(listing, "color")["black"] == 6
    assert "white" not in _counts(listing, "color")
    assert listing.price is not None and listing.price.high == 65
    # The shop hid it, not the customer's rules: nothing is said about it.
    assert (listing.hidden_total, listing.hidden) == (0, [])
    everything = _browse(shop, sort=sort, apply_preferences=False)
    assert "linen" not in [item.product_id for item in everything.items]
    assert everything.total == listing.total


def test_a_hidden_member_leaves_its_family_and_the_colour_filter(shop: Runtime) -> None:
    assert "tee-red" in _variant_ids(_browse(shop))
    _rule(shop, condition=Condition(facet="color", values=["Red"]))
    listing = _browse(shop, per_page=50)
    ids = [item.product_id for item in listing.items]
    assert "tee-blue" in ids and "tee-red" not in ids
    assert "tee-red" not in _variant_ids(listing)
    assert "red" not in _counts(listing, "color")
    chosen = _browse(shop, filters=Filters(values={"color": ("red",)}))
    assert (chosen.total, chosen.items, chosen.hidden_total) == (0, [], 0)


def test_the_shops_hide_and_the_customers_never_are_told_apart(shop: Runtime) -> None:
    _rule(shop, condition=Condition(facet="brand", values=["nordlys"]))
    red = _browse(shop, customer_id="no-red", filters=Filters(values={"color": ("red",)}))
    assert [(h.rule, h.count) for h in red.hidden] == [("never:color=red", 1)]
    white = _browse(shop, customer_id="no-red",
                    filters=Filters(values={"color": ("white",)}))
    # Linen is the shop's to hide: no card, and no line blaming the customer's rules.
    assert (white.total, white.hidden_total, white.hidden) == (0, 0, [])


@pytest.mark.parametrize("fields", [
    {"placements": ["home", "product", "cart", "checkout"]},
    {"starts_at": datetime.now(UTC) + timedelta(days=1)},
    {"ends_at": datetime.now(UTC) - timedelta(minutes=1)},
    {"enabled": False},
], ids=["other-placements", "scheduled", "ended", "disabled"])
def test_a_rule_not_in_force_on_listings_hides_nothing(shop: Runtime,
                                                       fields: dict[str, Any]) -> None:
    before = _every_card(shop, sort="newest")
    _rule(shop, condition=Condition(product_ids=["linen"]), **fields)
    assert _every_card(shop, sort="newest") == before


def test_a_rule_whose_window_holds_now_hides(shop: Runtime) -> None:
    now = datetime.now(UTC)
    _rule(shop, condition=Condition(product_ids=["linen"]),
          starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    assert "linen" not in _every_card(shop, sort="newest")


def test_a_search_listing_hides_too(shop: Runtime) -> None:
    def search(**options: Any) -> Listing:
        with shop.session() as session:
            return browse_search(session, shop.recommender, query="shirt",
                                 customer_id="anyone", per_page=50, **options)

    before = search()
    assert {"linen", "jeans"} <= {item.product_id for item in before.items}
    _rule(shop, condition=Condition(product_ids=["linen", "jeans"]))
    after = search()
    assert not {"linen", "jeans"} & {item.product_id for item in after.items}
    assert after.total == before.total - 2
    assert "denim" not in _counts(after, "brand")


def test_a_whole_hidden_aisle_is_empty_and_not_offered(shop: Runtime) -> None:
    assert _browse(shop, "Fashion").subcategories == [JEANS, SHIRTS]
    _rule(shop, condition=Condition(facet="category", values=[JEANS]))
    assert _browse(shop, "Fashion").subcategories == [SHIRTS]
    jeans = _browse(shop, JEANS)  # still a category of the shop, with nothing to show
    assert (jeans.total, jeans.items) == (0, [])


def test_a_boost_and_a_pin_order_the_for_you_head_and_no_other_sort(shop: Runtime) -> None:
    by_price = _every_card(shop, sort="price_asc")
    _rule(shop, "boost", condition=Condition(product_ids=["plain-3"]), strength=10)
    _rule(shop, "pin", condition=Condition(product_ids=["oxford"]), position=2)
    head = _browse(shop, per_page=3)
    assert [item.product_id for item in head.items[:2]] == ["plain-3", "oxford"]
    assert all("featured" in [r.code for r in item.reasons] for item in head.items[:2])
    assert _every_card(shop, sort="price_asc") == by_price
    # A pin or boost on other placements leaves the listing's head alone.
    _clear(shop)
    plain = [item.product_id for item in _browse(shop, per_page=3).items]
    _rule(shop, "pin", condition=Condition(product_ids=["plain-5"]), position=1,
          placements=["home"])
    assert [item.product_id for item in _browse(shop, per_page=3).items] == plain


@pytest.fixture
def statements(shop: Runtime) -> Iterator[list[str]]:
    with recorded(shop.engine) as seen:
        yield seen


def test_rules_in_force_cost_a_listing_no_database_statement(
        shop: Runtime, statements: list[str]) -> None:
    def cost() -> int:
        _browse(shop)  # the first after a change reads the rules (once per process)
        statements.clear()
        _browse(shop)
        with shop.session() as session:
            browse_search(session, shop.recommender, query="shirt", customer_id="anyone")
        return len(statements)

    without = cost()
    _rule(shop, condition=Condition(product_ids=["linen"]))
    _rule(shop, "boost", condition=Condition(facet="brand", values=["acme"]))
    assert cost() == without
    assert not any("merchandising_rules" in statement for statement in statements)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hidden_ids=st.sets(st.sampled_from(sorted(FAMILY))),
       hidden_colours=st.sets(st.sampled_from(["red", "blue", "white", "black"]), max_size=2),
       sort=st.sampled_from(SORTS),
       colours=st.sets(st.sampled_from(["red", "blue", "white", "black"]), max_size=2),
       who=st.sampled_from(["anyone", "no-red"]), show_all=st.booleans())
def test_no_hidden_product_ever_shows_and_the_counts_agree(
        shop: Runtime, hidden_ids: set[str], hidden_colours: set[str], sort: Sort,
        colours: set[str], who: str, show_all: bool) -> None:
    _clear(shop)
    if hidden_ids:
        _rule(shop, condition=Condition(product_ids=sorted(hidden_ids)))
    if hidden_colours:
        _rule(shop, condition=Condition(facet="color", values=sorted(hidden_colours)))
    hidden = hidden_ids | {pid for pid, colour in COLOUR.items() if colour in hidden_colours}
    listing = _browse(shop, customer_id=who, sort=sort, per_page=50,
                      apply_preferences=not show_all,
                      filters=Filters(values={"color": tuple(sorted(colours))}))
    shown = {item.product_id for item in listing.items}
    assert not (shown | _variant_ids(listing)) & hidden
    # The oracle: the families with a member the shop shows, the customer allows and the
    # filter chose.
    excluded = {"red"} if who == "no-red" and not show_all else set()
    members = [pid for pid in FAMILY if pid not in hidden and COLOUR[pid] not in excluded
               and (not colours or COLOUR[pid] in colours)]
    assert listing.total == len({FAMILY[pid] for pid in members}) == len(shown)
    visible_brands = {BRAND[pid] for pid in members}
    assert set(_counts(listing, "brand")) <= visible_brands
    for colour, count in _counts(listing, "color").items():
        assert count <= sum(1 for pid in FAMILY if pid not in hidden and COLOUR[pid] == colour)
