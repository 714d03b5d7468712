"""The same demo catalogue (1,500 products, the demo's synonyms) in SQLite and in PostgreSQL
answers every query of a fixture set (typos, plurals, Polish words and inflections,
synonyms, categories, brands, descriptions) with the same ordered top 20 and the same
correction; and what each finds is what a shopper meant (the findings this work fixed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert

from postgres_shop import POSTGRES_URL, scratch_database
from prefero.catalog.models import Product
from prefero.catalog.revisions import bump
from prefero.config import Settings
from prefero.db.migrate import upgrade
from prefero.demo.shop import generate_demo
from prefero.demo.synonyms import seed_synonyms
from prefero.recommend.catalog_index import build_catalog_index
from prefero.runtime import Runtime
from prefero.search.service import ranked_hits

TOP = 20
QUERIES = [
    # typos
    "macbok", "macbok air", "chocolat", "spagheti", "sneekers",
    # plurals and singulars
    "dresses", "dress", "shoes", "shoe", "laptops", "batteries", "cookies", "jeans",
    # Polish: the schema's category names, their inflections, the demo's synonyms
    "czekolada", "czekoladę", "czekolady", "makaron", "makaronu", "makarony", "pieczywo",
    "chleb", "chleba", "buty", "butów", "masło", "maslo", "ser", "sera", "mleko", "sukienki",
    # categories, brands, words of descriptions, prefixes, two words
    "pasta", "bread", "chocolate", "apple", "nike running", "vegan", "gluten", "organic",
    "warranty", "mac", "sp", "run sho", "dark chocolate", "zzzz",
]


def _catalogue() -> list[dict[str, Any]]:
    shop = generate_demo(products=1500, customers=2, anchor=datetime(2026, 11, 1, tzinfo=UTC))
    return list(shop.product_rows())


def _shop(url: str, data_dir: Path, rows: list[dict[str, Any]]) -> Runtime:
    upgrade(url)
    runtime = Runtime(Settings(data_dir=data_dir, database_url=url))
    with runtime.session(write=True) as session:
        # The Table, not the mapped class: a plain Core executemany, as the demo loads.
        session.execute(insert(cast(Table, Product.__table__)), rows)
        bump(session)
        seed_synonyms(session)
    return runtime


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, Runtime]]:
    if not POSTGRES_URL:
        pytest.skip("PREFERO_TEST_POSTGRES_URL is not set")
    rows = _catalogue()
    folder = tmp_path_factory.mktemp("same-answers")
    with scratch_database("prefero_search") as url:
        sqlite = _shop(f"sqlite:///{folder / 'shop.db'}", folder / "sqlite", rows)
        postgres = _shop(url, folder / "postgres", rows)
        try:
            yield sqlite, postgres
        finally:
            sqlite.close()
            postgres.close()


def answers(runtime: Runtime, query: str) -> tuple[list[str], str | None]:
    with runtime.session() as session:
        index = build_catalog_index(session, runtime.facet_schema)
        found, corrected = ranked_hits(session, index, query)
    return found[:TOP], corrected


@pytest.mark.parametrize("query", QUERIES)
def test_both_databases_give_the_same_ordered_answer(both: tuple[Runtime, Runtime],
                                                     query: str) -> None:
    sqlite, postgres = both
    assert answers(sqlite, query) == answers(postgres, query)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    folder = tmp_path_factory.mktemp("demo-answers")
    runtime = _shop(f"sqlite:///{folder / 'shop.db'}", folder, _catalogue())
    yield runtime
    runtime.close()


def _titles_and_paths(runtime: Runtime, query: str) -> tuple[list[str], str | None]:
    found, corrected = answers(runtime, query)
    with runtime.session() as session:
        products = {p.id: p for p in session.query(Product).filter(Product.id.in_(found))}
    return [f"{products[i].title} | {products[i].category}" for i in found], corrected


@pytest.mark.parametrize(("query", "meant", "corrected"), [
    ("macbok", "MacBook", "macbook"),
    ("pasta", "> Pasta", None),
    ("chleb", "> Bread", None),
    ("chleba", "> Bread", None),
    ("czekolada", "Chocolate", "chocolate"),
    ("czekoladę", "Chocolate", "chocolate"),
    ("makaronu", "> Pasta", "pasta"),
    ("buty", "> Shoes", None),
    ("butów", "> Shoes", None),
    ("dresses", "Dress", None),
    ("shoe", "Shoes", None),
])
def test_each_finding_is_found(demo: Runtime, query: str, meant: str,
                               corrected: str | None) -> None:
    found, said = _titles_and_paths(demo, query)
    assert found, query
    # Every one of the best ten is what the shopper meant.
    assert all(meant in line for line in found[:10]), found[:10]
    assert said == corrected
