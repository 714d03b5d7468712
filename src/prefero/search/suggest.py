"""Suggestions as the shopper types: whole queries completing the word being typed, the
brands and categories whose names match, and the best products with the customer's rules
applied. Everything comes from the catalogue; nothing from any person's searches."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from prefero.recommend.engine import RecommendationEngine
from prefero.recommend.query import RecommendedItem
from prefero.search.fulltext import search_terms
from prefero.search.service import search
from prefero.search.vocabulary import Named, Vocabulary, vocabulary_of

__all__ = ["NamedSuggestion", "Suggestions", "suggest"]

#: Brands, categories and completions offered at most, each.
SHOWN = 5
#: Letters typed before products are looked for: one or two letters match a large part of
#: a catalogue (at 100,000 products "re" matched half of it, 70 ms of full-text ranking),
#: where completions and names already say what the shopper may mean.
PRODUCTS_FROM = 3


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


def _matches(named: Named, terms: list[str]) -> bool:
    """Every term starts a word of the name (the last one may be half typed)."""
    return all(any(word.startswith(term) for word in named.words) for term in terms)


def _named(vocabulary: Vocabulary, terms: list[str], *, facet: str,
           hidden: set[tuple[str, str]]) -> list[NamedSuggestion]:
    found = [named for named in vocabulary.named if named.facet == facet
             and (named.facet, named.value) not in hidden and _matches(named, terms)]
    found.sort(key=lambda named: (-named.count, named.label, named.value))
    return [NamedSuggestion(facet="brand" if facet == "brand" else "category",
                            value=named.value, label=named.label.split(" > ")[-1],
                            count=named.count) for named in found[:SHOWN]]


def suggest(session: Session, engine: RecommendationEngine, *, query: str,
            customer_id: str | None, n: int = SHOWN, language: str = "en") -> Suggestions:
    """What to offer below a search box holding ``query``: the ``n`` best products for the
    customer as search finds them (their rules applied; the query corrected only when
    nothing matches as typed; from ``PRODUCTS_FROM`` letters on), completions of the last
    word, and the brands and categories whose names match (never one the customer ruled
    out).

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
        found = search(session, engine, query=query, customer_id=customer_id, n=n,
                       language=language, profile=profile)
        corrected, products = found.corrected_query, found.items
    if corrected is not None:
        terms = search_terms(corrected)
    words = vocabulary.starting(terms[-1])
    if not words:
        fixed = vocabulary.translate(terms[-1]) or vocabulary.correct(terms[-1])
        words = [fixed] if fixed is not None else []
    hidden = set(profile.never)
    return Suggestions(
        query=query, corrected_query=corrected,
        completions=[" ".join([*terms[:-1], word]) for word in words[:SHOWN]],
        brands=_named(vocabulary, terms, facet="brand", hidden=hidden),
        categories=_named(vocabulary, terms, facet="category", hidden=hidden),
        products=products)
