"""Search under a "never" rule on a safety facet: a grocery that states no allergens is hidden
and counted apart from the rule's own hits; asked for everything, it is found again. Runs on
SQLite and PostgreSQL (the products' facets as stored)."""

from __future__ import annotations

from factories import add_products, customer, product
from prefero.runtime import Runtime
from prefero.search.service import HiddenByPreference, search


def test_an_unlabelled_grocery_is_hidden_and_counted_apart(runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [
            product("wheat", category="Groceries > Bread", title="Wheat bread",
                    facets={"allergens": ["gluten"]}),
            product("rye-none", category="Groceries > Bread", title="Rye bread",
                    facets={"allergens": []}),
            product("loaf-feed", category="Groceries > Bread", title="Wheat bread loaf"),
            product("soap-feed", category="Cosmetics > Soap", title="Bread soap"),
            product("bread-tee", category="Fashion > Tops", title="Bread print tee"),
        ])
        customer(session, "c-gf", never=[("allergens", "gluten")])
    with runtime.session() as session:
        found = search(session, runtime.recommender, query="bread", customer_id="c-gf")
        everything = search(session, runtime.recommender, query="bread", customer_id="c-gf",
                            apply_preferences=False)
    assert {item.product_id for item in found.items} == {"rye-none", "bread-tee"}
    assert (found.total_hits, found.hidden_total) == (5, 3)
    assert found.hidden == [
        HiddenByPreference(rule="never:allergens=gluten", label="never Allergens: gluten",
                           count=1),
        HiddenByPreference(rule="missing:allergens", label="Allergens: no information",
                           count=2, missing_information=True),
    ]
    assert {item.product_id for item in everything.items} == {
        "wheat", "rye-none", "loaf-feed", "soap-feed", "bread-tee"}
    assert everything.hidden == []
