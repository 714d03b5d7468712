""""New from what you follow": the newest allowed products of followed brands and
categories. The property: whatever the catalogue and the customer's rules, no product that
breaks a declared never rule (or states nothing for it), the budget, a dismissal, or is out
of stock, old, or not followed ever appears — checked against the raw product data, not the
constraint code the section uses — and the section is exactly the newest of those that
pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from factories import add_products, product
from prefero.catalog.facets import load_facet_schema
from prefero.follows import service
from prefero.follows.new_arrivals import new_from_followed, newest_followed
from prefero.recommend.catalog_index import ProductRow, index_products
from prefero.recommend.profile import CustomerProfile
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
SCHEMA = load_facet_schema()
BRANDS = ("Acme", "Bolt", "Cora")
CATEGORIES = ("Groceries > Snacks", "Groceries > Pasta", "Fashion > Shoes")
ALLERGENS = ("gluten", "nuts", "soy")


@dataclass(frozen=True)
class Item:
    brand: str
    category: str
    allergens: tuple[str, ...] | None  # None: the product states nothing
    price: int
    in_stock: bool
    age_hours: int


items = st.builds(Item, brand=st.sampled_from(BRANDS), category=st.sampled_from(CATEGORIES),
                  allergens=st.none() | st.lists(st.sampled_from(ALLERGENS), unique=True
                                                 ).map(tuple),
                  price=st.integers(1, 300), in_stock=st.booleans(),
                  age_hours=st.integers(-5, 24 * 60))


def _rows(catalogue: list[Item]) -> list[ProductRow]:
    rows = []
    for i, item in enumerate(catalogue):
        facets: dict[str, object] = {"brand": item.brand.casefold()}
        if item.allergens is not None:
            facets["allergens"] = list(item.allergens)
        rows.append(ProductRow(
            f"p{i:03d}", f"Product {i}", Decimal(item.price), None, True,
            "in_stock" if item.in_stock else "out_of_stock", item.category, item.brand,
            facets, NOW - timedelta(hours=item.age_hours), currency="PLN"))
    return rows


@settings(max_examples=150, deadline=None)
@given(catalogue=st.lists(items, max_size=40),
       never=st.lists(st.sampled_from(ALLERGENS), unique=True, max_size=2),
       budget=st.none() | st.integers(1, 300),
       dismissed=st.sets(st.integers(0, 39), max_size=5),
       followed=st.lists(st.sampled_from([("brand", b.casefold()) for b in BRANDS]
                                         + [("category", "Groceries"),
                                            ("category", "Fashion > Shoes")]),
                         unique=True, max_size=3),
       n=st.integers(1, 10))
def test_no_excluded_product_ever_shows_and_the_newest_allowed_do(
        catalogue: list[Item], never: list[str], budget: int | None, dismissed: set[int],
        followed: list[tuple[str, str]], n: int) -> None:
    index = index_products(_rows(catalogue), schema=SCHEMA)
    profile = CustomerProfile(
        customer_id="c1", level="balanced", consents={},
        never=tuple(("allergens", a) for a in never),
        budget_max=float(budget) if budget is not None else None,
        dismissed=frozenset(f"p{i:03d}" for i in dismissed))

    def allowed(i: int) -> bool:
        item = catalogue[i]
        groceries = item.category.startswith("Groceries")
        is_followed = any(
            (kind == "brand" and value == item.brand.casefold())
            or (kind == "category" and (item.category == value
                                        or item.category.startswith(value + " > ")))
            for kind, value in followed)
        return (is_followed and item.in_stock and 0 <= item.age_hours < 24 * 30
                and not (never and groceries and item.allergens is None)
                and not set(never) & set(item.allergens or ())
                and (budget is None or item.price <= budget)
                and i not in dismissed)

    shown = newest_followed(index=index, profile=profile, followed=followed, now=NOW,
                            window=WINDOW, n=n)
    expected = sorted((i for i in range(len(catalogue)) if allowed(i)),
                      key=lambda i: (catalogue[i].age_hours, i))[:n]
    assert [a.product_id for a in shown] == [f"p{i:03d}" for i in expected]
    for arrival in shown:
        # The reason names a follow the product really answers.
        assert (arrival.kind, arrival.value) in followed


def test_the_brand_is_credited_before_the_category() -> None:
    index = index_products(_rows([Item("Acme", "Groceries > Snacks", (), 5, True, 1)]),
                           schema=SCHEMA)
    profile = CustomerProfile(customer_id="c1", level="balanced", consents={})
    [arrival] = newest_followed(index=index, profile=profile, now=NOW, window=WINDOW, n=5,
                                followed=[("category", "Groceries"), ("brand", "acme")])
    assert (arrival.kind, arrival.value, arrival.label) == ("brand", "acme", "Acme")


def test_the_section_reads_the_customers_follows_and_rules(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [
            product("new", category="Groceries > Snacks", brand="Acme", age_days=1,
                    facets={"allergens": []}),
            product("gluten", category="Groceries > Snacks", brand="Acme", age_days=1,
                    facets={"allergens": ["gluten"]}),
            product("old", category="Groceries > Snacks", brand="Acme", age_days=90,
                    facets={"allergens": []}),
            product("other", category="Groceries > Snacks", brand="Bolt", age_days=1,
                    facets={"allergens": []}),
        ])
    with runtime.session(write=True) as session:
        index = runtime.recommender.snapshot(session)[0]
        service.follow(session, customer_id="c1", kind="brand", value="Acme", index=index,
                       settings=runtime.settings)
        from prefero.customers.models import Preference
        session.add(Preference(customer_id="c1", kind="never", facet="allergens",
                               value="gluten", weight=0.0))
    with runtime.session() as session:
        profile = runtime.recommender.profile(session, "c1")
        shown = new_from_followed(session, profile=profile, index=index,
                                  now=datetime.now(UTC), window=WINDOW, n=8)
        assert [a.product_id for a in shown] == ["new"]
        stranger = runtime.recommender.profile(session, None)
        assert new_from_followed(session, profile=stranger, index=index,
                                 now=datetime.now(UTC), window=WINDOW, n=8) == []
        # Follows are declared preferences: at level "off", or without the consent to use
        # what the customer said, the section is empty.
        for level, consents in (("off", {}), ("balanced", {"personalization": False})):
            muted = CustomerProfile(customer_id="c1", level=level,  # type: ignore[arg-type]
                                    consents=consents)  # type: ignore[arg-type]
            assert new_from_followed(session, profile=muted, index=index,
                                     now=datetime.now(UTC), window=WINDOW, n=8) == []
