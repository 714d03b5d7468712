"""A small catalogue whose words search, suggestions and their order are checked on, and a
way to store any such list (tests/search)."""

from __future__ import annotations

from factories import add_products, product
from prefero.recommend.catalog_index import build_catalog_index
from prefero.runtime import Runtime
from prefero.search.service import ranked_hits

PRODUCTS = [
    ("mb-air", "Apple MacBook Air 13", "Electronics > Laptops", "Apple", ""),
    ("mb-pro", "Apple MacBook Pro 16", "Electronics > Laptops", "Apple", ""),
    ("penne", "Penne Rigate 500 g", "Groceries > Pasta & Grains > Pasta", "Barilla", ""),
    ("fusilli", "Fusilli 500 g", "Groceries > Pasta & Grains > Pasta", "Barilla", ""),
    ("pasta-sauce", "Pasta Sauce Basilico", "Groceries > Sauces", "Barilla", ""),
    ("linen", "Linen Shirt", "Fashion > Shirts", "Nordlys", "Breathable linen for summer."),
    ("bread", "Rye Bread", "Groceries > Bakery", None, "Chleb żytni na zakwasie."),
    ("dark-bar", "Dark Bar 70%", "Groceries > Sweets > Chocolate", "Wedel", ""),
]


def shop_of(runtime: Runtime, products: list[tuple[str, str, str, str | None, str]]
            ) -> Runtime:
    """``runtime`` with ``products`` (id, title, category, brand, description) stored."""
    with runtime.session() as session:
        add_products(session, [product(pid, title=title, category=category, brand=brand,
                                       description=description)
                                for pid, title, category, brand, description in products])
    return runtime


def hits(runtime: Runtime, query: str) -> tuple[list[str], str | None]:
    """What search finds for ``query`` (ids best first) and the correction it made."""
    with runtime.session() as session:
        index = build_catalog_index(session, runtime.facet_schema)
        return ranked_hits(session, index, query)
