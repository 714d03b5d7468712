"""Facet counts are distinct families per value, whichever way they are worked out (a
family read through its first member, marked pairs, or sorted pairs): checked against a
plain count over random catalogues and listings."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prefero.catalog.facets import load_facet_schema
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.search import facet_counts
from prefero.search.facet_counts import facet_table

SCHEMA = load_facet_schema()
COLOURS = ["red", "blue", "green", "black"]


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[CatalogIndex, np.ndarray]:
    size = draw(st.integers(1, 40))
    rows = []
    for i in range(size):
        family = draw(st.none() | st.sampled_from(["f1", "f2", "f3"]))
        # Brands agree within a family (as feeds give them); colours need not.
        brand = {"f1": "acme", "f2": "nord", "f3": "acme"}.get(family or "",
                                                             draw(st.sampled_from(["x", "y"])))
        colours = draw(st.lists(st.sampled_from(COLOURS), max_size=2, unique=True))
        rows.append(ProductRow(f"p{i:02d}", f"p{i}", Decimal(5), None, True, "in_stock",
                               "Fashion", brand, {"color": colours}, None,
                               item_group_id=family))
    mask = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool)
    return index_products(rows, schema=SCHEMA), mask


def _plain(index: CatalogIndex, facet: str, mask: np.ndarray) -> dict[str, int]:
    pairs = set()
    for item in np.flatnonzero(mask).tolist():
        raw = index.facet_values[item].get(facet)
        for value in raw if isinstance(raw, list) else [raw] if raw else []:
            pairs.add((value, int(index.groups[item])))
    found: dict[str, int] = {}
    for value, _family in pairs:
        found[value] = found.get(value, 0) + 1
    return found


@pytest.mark.parametrize("cells", [facet_counts._MARKED_CELLS, 0])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=catalogues())
def test_counts_are_distinct_families_per_value(drawn: tuple[CatalogIndex, np.ndarray],
                                                cells: int,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    index, mask = drawn
    with monkeypatch.context() as patch:
        patch.setattr(facet_counts, "_MARKED_CELLS", cells)  # 0: the sorted pairs
        for facet in ("color", "brand"):
            assert facet_table(index, facet).counts(index, mask) == _plain(index, facet, mask)
    assert facet_table(index, "brand").uniform
