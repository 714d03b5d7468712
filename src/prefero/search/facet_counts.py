"""How many cards of a listing carry each value of a facet: the numbers beside a filter.

A card is a product family (``recommend.variants``), so "Red (3)" promises three cards,
whatever number of sizes stands behind them. Each facet's values are kept per snapshot as
a sparse items × values table; a count is one pass over the listing's items, at 100,000
products as at 3,000, without sorting: where a family's members all carry the same values
(a brand, a material) the family is read through its first member; where they differ (the
colours, the sizes) the distinct (value, family) pairs are marked in a values × families
table of booleans, or, were that table too large, found by ``numpy.unique``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prefero.recommend.catalog_index import BoolArray, CatalogIndex, IntArray

__all__ = ["FacetTable", "facet_table"]

#: The most cells (values × families) a count marks in a table of booleans (8 MB).
_MARKED_CELLS = 8_000_000


@dataclass(frozen=True)
class FacetTable:
    """One facet's values over a snapshot: ``values[codes[starts[i]:starts[i + 1]]]`` are
    item ``i``'s values (ascending codes). ``uniform``: every family's members carry the
    same values."""

    facet: str
    values: list[str]
    starts: IntArray
    codes: IntArray
    uniform: bool

    def _rows(self, items: IntArray) -> tuple[IntArray, IntArray]:
        """The codes of ``items``, and for each code the item it belongs to."""
        lengths = self.starts[items + 1] - self.starts[items]
        owners = np.repeat(items, lengths)
        # Each item's run of codes, gathered in one step: its start, then consecutive.
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths,
                                                            lengths)
        return self.codes[np.repeat(self.starts[items], lengths) + offsets], owners

    def counts(self, index: CatalogIndex, mask: BoolArray) -> dict[str, int]:
        """Cards (families) among ``mask`` carrying each value; values counted 0 left out.

        >>> from decimal import Decimal
        >>> from prefero.catalog.facets import load_facet_schema
        >>> from prefero.recommend.catalog_index import ProductRow, index_products
        >>> rows = [ProductRow(p, p, Decimal(5), None, True, "in_stock", "Fashion", None,
        ...                    {"color": c, "brand": "acme"}, None, item_group_id=g)
        ...         for p, c, g in (("a", ["red"], "m"), ("b", ["red"], "m"),
        ...                         ("c", ["blue"], None))]
        >>> index = index_products(rows, schema=load_facet_schema())
        >>> facet_table(index, "color").counts(index, np.ones(3, bool))
        {'red': 1, 'blue': 1}
        >>> facet_table(index, "brand").counts(index, np.array([True, True, False]))
        {'acme': 1}
        """
        if not self.values or not mask.any():
            return {}
        heads = index.family_heads
        families = index.groups[mask]
        if self.uniform:
            present = np.zeros(heads.size, dtype=bool)
            present[families] = True
            codes, _owners = self._rows(heads[present])
            per_value = np.bincount(codes, minlength=len(self.values))
        else:
            codes, owners = self._rows(np.flatnonzero(mask))
            owned = index.groups[owners]
            if len(self.values) * heads.size <= _MARKED_CELLS:
                marked = np.zeros((len(self.values), heads.size), dtype=bool)
                marked[codes, owned] = True
                per_value = marked.sum(axis=1)
            else:
                pairs = np.unique(codes * heads.size + owned)
                per_value = np.bincount(pairs // heads.size, minlength=len(self.values))
        return {self.values[code]: int(count) for code, count in enumerate(per_value.tolist())
                if count}


def _table(index: CatalogIndex, facet: str) -> FacetTable:
    values: list[str] = []
    items: list[IntArray] = []
    codes: list[IntArray] = []
    for (name, value), positions in index.postings.items():
        if name == facet:
            codes.append(np.full(positions.size, len(values), dtype=np.int64))
            items.append(positions)
            values.append(value)
    if not values:
        return FacetTable(facet, [], np.zeros(index.size + 1, dtype=np.int64),
                          np.zeros(0, dtype=np.int64), uniform=True)
    owner = np.concatenate(items)
    # Each item's codes together (ascending), items in position order: the table's rows.
    order = np.argsort(owner, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=index.size))])
    table = FacetTable(facet, values, starts.astype(np.int64), np.concatenate(codes)[order],
                       uniform=False)
    return FacetTable(facet, values, table.starts, table.codes,
                      uniform=_uniform(index, table))


def _uniform(index: CatalogIndex, table: FacetTable) -> bool:
    """Whether every item carries exactly the values of its family's first member."""
    items = np.arange(index.size, dtype=np.int64)
    heads = index.family_heads[index.groups]
    lengths = table.starts[items + 1] - table.starts[items]
    if not np.array_equal(lengths, lengths[heads]):
        return False
    own, _ = table._rows(items)
    theirs, _ = table._rows(heads)
    return bool(np.array_equal(own, theirs))


def facet_table(index: CatalogIndex, facet: str) -> FacetTable:
    """``facet``'s table for ``index``, built on first use and kept with the snapshot."""
    return index.derived(("search.facet_table", facet), lambda: _table(index, facet))
