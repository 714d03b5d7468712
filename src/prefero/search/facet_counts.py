"""How many cards of a listing carry each value of a facet: the numbers beside a filter.

A card is a product family (``recommend.variants``), so "Red (3)" promises three cards,
whatever number of sizes stands behind them. Each facet's values are kept per snapshot as
a sparse items × values table; a count is one pass over the listing's items, at 100,000
products as at 3,000.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from prefero.recommend.catalog_index import BoolArray, CatalogIndex, IntArray

__all__ = ["FacetTable", "facet_table"]


@dataclass(frozen=True)
class FacetTable:
    """One facet's values over a snapshot: ``values[codes[starts[i]:starts[i + 1]]]`` are
    item ``i``'s values."""

    facet: str
    values: list[str]
    starts: IntArray
    codes: IntArray

    def counts(self, index: CatalogIndex, mask: BoolArray) -> dict[str, int]:
        """Cards (families) among ``mask`` carrying each value; values counted 0 left out.

        >>> from decimal import Decimal
        >>> from prefero.catalog.facets import load_facet_schema
        >>> from prefero.recommend.catalog_index import ProductRow, index_products
        >>> rows = [ProductRow(p, p, Decimal(5), None, True, "in_stock", "Fashion", None,
        ...                    {"color": c}, None, item_group_id=g)
        ...         for p, c, g in (("a", ["red"], "m"), ("b", ["red"], "m"),
        ...                         ("c", ["blue"], None))]
        >>> index = index_products(rows, schema=load_facet_schema())
        >>> facet_table(index, "color").counts(index, np.ones(3, bool))
        {'red': 1, 'blue': 1}
        """
        items = np.flatnonzero(mask)
        if not items.size or not self.values:
            return {}
        lengths = self.starts[items + 1] - self.starts[items]
        owners = np.repeat(items, lengths)
        # Each item's run of codes, gathered in one step: its start, then consecutive.
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths,
                                                            lengths)
        codes = self.codes[np.repeat(self.starts[items], lengths) + offsets]
        families = index.groups[owners]
        width = int(index.groups.max()) + 1
        pairs = np.unique(codes * width + families)
        per_value = np.bincount(pairs // width, minlength=len(self.values))
        return {self.values[code]: int(count) for code, count in enumerate(per_value.tolist())
                if count}


def _table(index: CatalogIndex, facet: str) -> FacetTable:
    values: list[str] = []
    code_of: dict[str, int] = {}
    per_item: list[list[int]] = [[] for _ in range(index.size)]
    for (name, value), positions in index.postings.items():
        if name != facet:
            continue
        code = code_of.setdefault(value, len(values))
        if code == len(values):
            values.append(value)
        for position in positions.tolist():
            per_item[position].append(code)
    lengths = np.fromiter((len(codes) for codes in per_item), dtype=np.int64,
                          count=index.size)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    codes = np.fromiter((code for item in per_item for code in item), dtype=np.int64,
                        count=int(starts[-1]))
    return FacetTable(facet, values, starts, codes)


_lock = threading.Lock()
_tables: dict[tuple[int, int, str], FacetTable] = {}


def facet_table(index: CatalogIndex, facet: str) -> FacetTable:
    """``facet``'s table for ``index``, built on first use and kept while ``index`` is the
    snapshot in use (a new snapshot's tables replace the old ones)."""
    key = (id(index), index.revision, facet)
    found = _tables.get(key)
    if found is not None:
        return found
    with _lock:
        found = _tables.get(key)
        if found is None:
            for stale in [k for k in _tables if k[:2] != key[:2]]:
                del _tables[stale]
            found = _table(index, facet)
            _tables[key] = found
        return found
