"""Search finds products by title, description, brand and category, corrects a word the
catalogue does not know when nothing matches as typed, and orders its hits by the
catalogue's own words: the same ordered ids on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from prefero.recommend.catalog_index import build_catalog_index
from prefero.runtime import Runtime
from prefero.search.service import ranked_hits


@pytest.mark.parametrize(("query", "order", "corrected"), [
    # A word of the title first, then the brand's or category's; ties by id.
    ("pasta", ["pasta-sauce", "fusilli", "penne"], None),
    ("pas", ["pasta-sauce", "fusilli", "penne"], None),
    ("barilla", ["fusilli", "pasta-sauce", "penne"], None),
    ("laptops apple", ["mb-air", "mb-pro"], None),
    # Nothing as typed: the catalogue's closest word instead.
    ("macbok", ["mb-air", "mb-pro"], "macbook"),
    ("macbok air", ["mb-air"], "macbook air"),
    # Words of a description only are found, and never "corrected".
    ("breathable", ["linen"], None),
    ("chleb", ["bread"], None),
    ("zzzz", [], None),
    # A word of the shop's other language (the schema's Polish category names) first.
    ("czekolada", ["dark-bar"], "chocolate"),
    ("czekolad", ["dark-bar"], "chocolate"),
    ("makarony", ["pasta-sauce", "fusilli", "penne"], "pasta"),
])
def test_hits_and_their_order_are_the_catalogues(shop: Runtime, query: str, order: list[str],
                                                 corrected: str | None) -> None:
    with shop.session() as session:
        index = build_catalog_index(session, shop.facet_schema)
        assert ranked_hits(session, index, query) == (order, corrected)
