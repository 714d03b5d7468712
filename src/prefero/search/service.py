"""Search as the customer sees it: their constraints apply by default, the answer says what
each preference hid, and ``apply_preferences=False`` shows everything.

The catalogue's own words (titles, brands, categories) are matched in memory, descriptions
by the database; words match their forms and the shop's synonyms, and words the catalogue
does not know are corrected when nothing is found (``prefero.search.matching``). The order
of the hits is ours, not the database's, so that SQLite and PostgreSQL answer alike."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from prefero.recommend.catalog_index import BoolArray, CatalogIndex
from prefero.recommend.constraints import allowed_mask, hidden_by_rule
from prefero.recommend.engine import RecommendationEngine
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery, RecommendedItem
from prefero.recommend.wording import rule_text
from prefero.search.matching import find
from prefero.types import Level

__all__ = ["HiddenByPreference", "SearchResult", "hidden_by_preference", "ranked_hits",
           "search"]

MAX_HITS = 1000


class HiddenByPreference(BaseModel):
    rule: str
    label: str = Field(description="The rule as its owner reads it, in the language the "
                                   "request asked for (Accept-Language)")
    count: int
    # True for the products hidden because they state nothing for a safety facet (no
    # allergen information) under a "never" rule on it, counted apart from the rule itself.
    missing_information: bool = False


class SearchResult(BaseModel):
    query: str
    corrected_query: str | None = Field(
        default=None, description="What was searched instead, when a word of the query is "
        "not in the catalogue and a close one is (\"macbok\" → \"macbook\")")
    customer_id: str | None
    level: Level
    apply_preferences: bool
    total_hits: int
    hidden_total: int
    hidden: list[HiddenByPreference]
    items: list[RecommendedItem]


def hidden_by_preference(index: CatalogIndex, profile: CustomerProfile, available: BoolArray,
                         *, language: str, currency: str) -> list[HiddenByPreference]:
    """How many of ``available`` each of the customer's rules hides, each rule worded as its
    owner reads it in ``language``: what a listing (search or category) says it left out."""
    return [HiddenByPreference(
        rule=h.rule, count=h.count, missing_information=h.missing_information,
        label=rule_text(h.rule, profile=profile, schema=index.schema, language=language,
                        currency=currency, index=index))
        for h in hidden_by_rule(index, profile, available)]


def ranked_hits(session: Session, index: CatalogIndex, query: str
                ) -> tuple[list[str], str | None]:
    """The products matching ``query``, best first by the catalogue's own words (ties by
    id; ``prefero.search.matching``): the words as typed, their forms ("dresses": "dress")
    and the shop's synonyms; when nothing matches, the products matching it read in the
    shop's other language or with its unknown words corrected, and that query.

    >>> # ranked_hits(session, index, "macbok") -> (['mb-air', 'mb-pro'], 'macbook')
    """
    found = find(session, index, query, limit=MAX_HITS)
    return found.ids, found.corrected


def search(session: Session, engine: RecommendationEngine, *, query: str,
           customer_id: str | None, n: int = 20, apply_preferences: bool = True,
           language: str = "en", profile: CustomerProfile | None = None) -> SearchResult:
    """Keyword hits, filtered by the customer's rules, re-ranked by the ``search`` placement;
    what each rule hid is labelled in ``language``. ``profile``: the customer's, when the
    caller has just read it (as ``RecommendationEngine.recommend`` takes it)."""
    index, _model = engine.snapshot(session)
    hits, corrected = ranked_hits(session, index, query)
    if profile is None:
        profile = engine.profile(session, customer_id)
    hit_mask = np.zeros(index.size, dtype=bool)
    for product_id in hits:
        position = index.position.get(product_id)
        if position is not None:
            hit_mask[position] = True
    available = hit_mask & index.eligible
    hidden = (hidden_by_preference(index, profile, available, language=language,
                                   currency=engine.runtime.shop_currency)
              if apply_preferences else [])
    shown = available & allowed_mask(index, profile, apply_preferences=apply_preferences)
    result = engine.recommend(
        session,
        RecommendationQuery(customer_id=customer_id, placement="search", n=n, hits=tuple(hits)),
        apply_preferences=apply_preferences, profile=profile,
    )
    return SearchResult(
        query=query,
        corrected_query=corrected,
        customer_id=customer_id,
        level=result.level,
        apply_preferences=apply_preferences,
        total_hits=int(available.sum()),
        hidden_total=int((available & ~shown).sum()),
        hidden=hidden,
        items=result.items,
    )
