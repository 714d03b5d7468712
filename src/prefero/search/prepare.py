"""What search derives from a catalogue snapshot, built with the snapshot (the engine's
``on_new_catalogue``) so that no shopper's search pays for it: at 100,000 products the
vocabulary and its word index take about a second."""

from __future__ import annotations

from prefero.recommend.catalog_index import CatalogIndex
from prefero.search.departments import departments
from prefero.search.vocabulary import vocabulary_of

__all__ = ["prepare_search"]


def prepare_search(index: CatalogIndex) -> None:
    """Build ``index``'s vocabulary and department menu now.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import index_products
    >>> prepare_search(index_products([], schema=load_facet_schema()))
    """
    vocabulary_of(index)
    departments(index)
