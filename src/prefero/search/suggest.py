"""Suggestions as the shopper types: whole queries completing the word being typed, the
brands and categories whose names match, and the best products with the customer's rules
applied. Everything comes from the catalogue, except the queries shoppers search most
(anonymous counts of catalogue words, ``prefero.search.popular``), offered first."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from prefero.catalog.facets import category_ancestors
from prefero.recommend.constraints import allowed_mask
from prefero.recommend.engine import RecommendationEngine
from prefero.recommend.query import RecommendationQuery, RecommendedItem
from prefero.search.fulltext import search_terms
from prefero.search.matching import find
from prefero.search.popular import with_popular
from prefero.search.vocabulary import Vocabulary, vocabulary_of

__all__ = ["NamedSuggestion", "Suggestions", "suggest"]

#: Brands, categories and completions offered at most, each.
SHOWN = 5
#: Letters typed before products are looked for: one or two letters match a large part of
#: a catalogue (at 100,000 products "re" matched half of it, 70 ms of full-text ranking),
#: where completions and names already say what the shopper may mean.
PRODUCTS_FROM = 3
#: The best matches (by the catalogue's words, among those the customer may see) that the
#: search placement picks the suggested products from: a results page weighs a thousand,
#: a handful of suggestions needs no more than this, and each costs the pipeline time.
SUGGESTED_AMONG = 200


class NamedSuggestion(BaseModel):
    facet: Literal["brand", "category"]
    value: str = Field(description="The value to filter by (a category's whole path)")
    label: str = Field(description="What to show: the brand, or the category's own name")
    count: int = Field(description="Products the catalogue has under it")


class Suggestions(BaseModel):
    query: str
    corrected_query: str | None = Field(
        default=None, description="The query with words the catalogue does not know "
        "corrected, when the products were found for it")
    completions: list[str] = Field(description="Whole queries completing the last word")
    brands: list[NamedSuggestion]
    categories: list[NamedSuggestion]
    products: list[RecommendedItem]


def _ruled_out(facet: str, value: str, hidden: set[tuple[str, str]]) -> bool:
    """Whether a "never" rule covers the value: a category under a ruled-out one is ruled
    out with it ("never Sweets" leaves no Chocolate to suggest)."""
    if facet != "category":
        return (facet, value) in hidden
    return any(("category", path) in hidden for path in category_ancestors(value))


def _named(vocabulary: Vocabulary, terms: list[str], *, facet: str,
           hidden: set[tuple[str, str]]) -> list[NamedSuggestion]:
    found = [named for named in vocabulary.named_matching(terms, facet=facet)
             if not _ruled_out(named.facet, named.value, hidden)]
    return [NamedSuggestion(facet="brand" if facet == "brand" else "category",
                            value=named.value, label=named.label.split(" > ")[-1],
                            count=named.count) for named in found[:SHOWN]]


def _completions(session: Session, engine: RecommendationEngine, vocabulary: Vocabulary,
                 terms: list[str]) -> list[str]:
    """Whole queries completing the last of ``terms``: the popular ones first, then the
    catalogue's words starting with it (most frequent first), else its translation or
    correction."""
    words = vocabulary.starting(terms[-1], limit=SHOWN)
    if not words:
        fixed = vocabulary.translate(terms[-1]) or vocabulary.correct(terms[-1])
        words = [fixed] if fixed is not None else []
    return with_popular(
        session, prefix_terms=terms, limit=SHOWN,
        minimum=engine.runtime.settings.popular_search_minimum,
        completions=[" ".join([*terms[:-1], word]) for word in words[:SHOWN]])


def suggest(session: Session, engine: RecommendationEngine, *, query: str,
            customer_id: str | None, n: int = SHOWN) -> Suggestions:
    """What to offer below a search box holding ``query``: the ``n`` best products for the
    customer among those whose titles, brands or categories match (descriptions only for a
    word none of those has; their rules applied; the query corrected only when nothing
    matches as typed; from ``PRODUCTS_FROM`` letters on), completions of the last word, and
    the brands and categories whose names match (never one the customer ruled out).

    >>> # suggest(session, runtime.recommender, query="mac", customer_id="c1")
    """
    terms = search_terms(query)
    if not terms:
        return Suggestions(query=query, completions=[], brands=[], categories=[], products=[])
    index, _model = engine.snapshot(session)
    vocabulary = vocabulary_of(index)
    profile = engine.profile(session, customer_id)
    corrected = None
    products: list[RecommendedItem] = []
    if len(terms) > 1 or len(terms[0]) >= PRODUCTS_FROM:
        # Titles, brands and categories in memory; descriptions only for a word they lack.
        # The best hits the customer may see, as many as the row needs to choose from.
        found = find(session, index, query, descriptions=False, limit=SUGGESTED_AMONG,
                     allowed=allowed_mask(index, profile))
        corrected = found.corrected
        if found.ids:
            products = engine.recommend(session, RecommendationQuery(
                customer_id=customer_id, placement="search", n=n, hits=tuple(found.ids)),
                profile=profile).items
    if corrected is not None:
        terms = search_terms(corrected)
    hidden = set(profile.never)
    return Suggestions(
        query=query, corrected_query=corrected,
        completions=_completions(session, engine, vocabulary, terms),
        brands=_named(vocabulary, terms, facet="brand", hidden=hidden),
        categories=_named(vocabulary, terms, facet="category", hidden=hidden),
        products=products)
