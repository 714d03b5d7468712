"""Invariants of search over any query made of the catalogue's words: reading forms and
synonyms never finds less than the database's plain match of the words as typed, and a
customer's exclusions never reach search results, suggested products, brands or categories.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import customer
from prefero.recommend.catalog_index import build_catalog_index
from prefero.runtime import Runtime
from prefero.search.fulltext import keyword_hits
from prefero.search.service import ranked_hits, search
from prefero.search.suggest import suggest
from prefero.search.synonyms import SynonymRuleIn, replace_rules
from prefero.search.word_index import words
from search_catalogue import PRODUCTS, shop_of

MORE = [
    ("shoes", "Running Shoes", "Fashion > Footwear", "Asics", "Light shoes for long runs."),
    ("dress", "Linen Dress", "Fashion > Dresses", "Nordlys", "A summer dress."),
    ("chleb-pl", "Chleb żytni", "Groceries > Bakery", "Oskroba", "Świeży chleb."),
    ("milk-bar", "Milk Chocolate Bar", "Groceries > Sweets > Chocolate", "Milka", ""),
]
CATALOGUE = [*PRODUCTS, *MORE]
# The catalogue's words (three letters or more: shorter typed words are matched in titles,
# brands and categories only, never in descriptions), their starts and their forms.
VOCABULARY = sorted({word for _pid, title, category, brand, description in CATALOGUE
                     for word in words(f"{title} {category} {brand or ''} {description}")
                     if len(word) >= 3})
TYPED = st.one_of(
    st.sampled_from(VOCABULARY),
    st.sampled_from(VOCABULARY).map(lambda word: word[:max(3, len(word) - 2)]),
    st.sampled_from(VOCABULARY).map(lambda word: word + "s"),
    st.sampled_from(["chleba", "butów", "czekoladę", "makaronu", "maslo", "tablet"]),
)
QUERIES = st.lists(TYPED, min_size=1, max_size=3).map(" ".join)
SLOW = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

BRAND = {pid: (brand or "").casefold() for pid, _t, _c, brand, _d in CATALOGUE}
CATEGORY = {pid: category for pid, _t, category, _b, _d in CATALOGUE}


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    shop_of(runtime, CATALOGUE)
    with runtime.session(write=True) as session:
        replace_rules(session, [SynonymRuleIn(terms=["chleb", "bread"]),
                                SynonymRuleIn(source="sweets", terms=["pasta sauce"])])
        customer(session, "no-barilla", never=[("brand", "barilla"),
                                               ("category", "Groceries > Sweets")])
    return runtime


@SLOW
@given(query=QUERIES)
def test_forms_and_synonyms_never_find_less_than_the_words_as_typed(shop: Runtime,
                                                                      query: str) -> None:
    with shop.session() as session:
        index = build_catalog_index(session, shop.facet_schema)
        plain = set(keyword_hits(session, query, limit=1000))
        found, corrected = ranked_hits(session, index, query)
    assert plain <= set(found)
    if plain:
        assert corrected is None


@SLOW
@given(query=QUERIES | st.text(alphabet="abcdeilmnoprstuwyzłó ", min_size=1, max_size=12))
def test_an_excluded_product_never_reaches_search_or_suggestions(shop: Runtime,
                                                                 query: str) -> None:
    with shop.session() as session:
        searched = search(session, shop.recommender, query=query, customer_id="no-barilla",
                          n=50)
        suggested = suggest(session, shop.recommender, query=query, customer_id="no-barilla",
                            n=20)
    shown = [item.product_id for item in (*searched.items, *suggested.products)]
    assert all(BRAND[pid] != "barilla" for pid in shown), shown
    assert all(not CATEGORY[pid].startswith("Groceries > Sweets") for pid in shown), shown
    assert all(brand.value != "barilla" for brand in suggested.brands)
    assert all(not category.value.startswith("Groceries > Sweets")
               for category in suggested.categories)
