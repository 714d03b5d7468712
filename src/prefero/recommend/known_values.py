"""The values products in the catalogue carry, per facet: what a customer's rule can match.

Read from the catalogue snapshot the recommender already holds (its postings), so asking
costs a dictionary walk once per catalogue revision, not a query. The preference center lists
the same postings as its choices.
"""

from __future__ import annotations

from collections.abc import Mapping

from prefero.recommend.catalog_index import CatalogIndex

__all__ = ["known_values"]

_cache: dict[int, tuple[CatalogIndex, Mapping[str, frozenset[str]]]] = {}


def known_values(index: CatalogIndex) -> Mapping[str, frozenset[str]]:
    """Facet name → the values at least one product has (category paths with every ancestor).

    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import index_products
    >>> index = index_products([], schema=load_facet_schema())
    >>> dict(known_values(index))
    {}
    """
    cached = _cache.get(id(index))
    if cached is not None and cached[0] is index:
        return cached[1]
    values: dict[str, set[str]] = {}
    for facet, value in index.postings:
        values.setdefault(facet, set()).add(value)
    built = {facet: frozenset(found) for facet, found in values.items()}
    if len(_cache) > 8:
        _cache.clear()  # snapshots are replaced when the catalogue changes
    _cache[id(index)] = (index, built)
    return built
