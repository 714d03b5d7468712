"""Search finds a word's forms: English plurals, Polish inflections, words typed without
diacritics. A form is not a typo: nothing is said to be corrected. The word as typed ranks
above its forms. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from prefero.recommend.catalog_index import build_catalog_index
from prefero.runtime import Runtime
from prefero.search.service import ranked_hits, search
from prefero.search.suggest import suggest
from search_catalogue import hits, shop_of

ENGLISH = [
    ("shoe-1", "Leather Shoe", "Fashion > Footwear", "Bata", ""),
    ("shoes-2", "Running Shoes", "Fashion > Footwear", "Asics", ""),
    ("dress-1", "Linen Dress", "Fashion > Dresses", "Nordlys", ""),
    ("dressing", "Salad Dressing", "Groceries > Sauces", "Heinz", ""),
    ("tuna", "Tuna in Olive Oil", "Groceries > Fish", "Rio Mare", ""),
    ("tune", "Tune 510 Headphones", "Electronics > Audio", "JBL", ""),
    ("battery", "AA Battery 4-pack", "Electronics > Power", "Varta", ""),
]
POLISH = [
    ("chleb", "Chleb żytni na zakwasie", "Spożywcze > Pieczywo", "Oskroba", ""),
    ("buty", "Buty do biegania", "Moda > Obuwie", "Nike", ""),
    ("czekolada", "Czekolada gorzka 70%", "Spożywcze > Słodycze", "Wedel", ""),
    ("makaron", "Makaron penne", "Spożywcze > Makarony", "Lubella", ""),
    ("maslo", "Masło ekstra", "Spożywcze > Nabiał", "Łaciate", ""),
]


@pytest.mark.parametrize(("query", "found"), [
    # The word as typed first (in the title, then a longer word it starts), then its forms.
    ("shoes", ["shoes-2", "shoe-1"]),
    ("shoe", ["shoe-1", "shoes-2"]),
    # Snowball reads "dressing" as a form of "dress" too: after the base form.
    ("dresses", ["dress-1", "dressing"]),
    ("dress", ["dress-1", "dressing"]),
    ("batteries", ["battery"]),
    # Polish rules are not applied to an English catalogue: "tuna" is not "tune".
    ("tuna", ["tuna"]),
])
def test_an_english_word_finds_its_forms(runtime: Runtime, query: str,
                                         found: list[str]) -> None:
    assert hits(shop_of(runtime, ENGLISH), query) == (found, None)


@pytest.mark.parametrize(("query", "found"), [
    ("chleba", ["chleb"]),
    ("butów", ["buty"]),
    ("czekoladę", ["czekolada"]),
    ("makaronu", ["makaron"]),
    ("masła", ["maslo"]),
    # Typed without diacritics, whole or started.
    ("maslo", ["maslo"]),
    ("masla", ["maslo"]),
    ("zytni", ["chleb"]),
    ("laci", ["maslo"]),
    ("slodycze", ["czekolada"]),
])
def test_a_polish_word_finds_its_base_form(runtime: Runtime, query: str,
                                          found: list[str]) -> None:
    assert hits(shop_of(runtime, POLISH), query) == (found, None)


def test_suggestions_and_search_find_the_forms_alike(runtime: Runtime) -> None:
    shop = shop_of(runtime, POLISH)
    with shop.session() as session:
        suggested = suggest(session, shop.recommender, query="chleba", customer_id=None)
        searched = search(session, shop.recommender, query="butów", customer_id=None)
    assert [item.product_id for item in suggested.products] == ["chleb"]
    assert suggested.corrected_query is None
    assert [item.product_id for item in searched.items] == ["buty"]
    assert searched.corrected_query is None


def test_a_correction_that_finds_nothing_is_not_offered(shop: Runtime) -> None:
    # "macbok" alone is corrected; beside a word nothing has, the corrected query finds
    # nothing either, and no "showing results for" may promise otherwise.
    with shop.session() as session:
        index = build_catalog_index(session, shop.facet_schema)
        assert ranked_hits(session, index, "macbok")[1] == "macbook"
        assert ranked_hits(session, index, "macbok zzqqxx") == ([], None)
