"""The shop's departments and their aisles, as a menu shows them: the first two levels of
the category paths that have something to buy, worked out once per catalogue snapshot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prefero.catalog.facets import CATEGORY_SEPARATOR
from prefero.recommend.catalog_index import CatalogIndex

__all__ = ["Department", "departments", "subcategories"]


@dataclass(frozen=True)
class Department:
    path: str
    children: tuple[str, ...]


def _departments(index: CatalogIndex) -> tuple[Department, ...]:
    tree: dict[str, set[str]] = {}
    for code in _eligible_leaves(index):
        parts = [part for part in index.leaf_names[code].split(CATEGORY_SEPARATOR) if part]
        if not parts:
            continue
        children = tree.setdefault(parts[0], set())
        if len(parts) > 1:
            children.add(CATEGORY_SEPARATOR.join(parts[:2]))
    return tuple(Department(top, tuple(sorted(children))) for top, children in sorted(tree.items()))


def departments(index: CatalogIndex) -> tuple[Department, ...]:
    """Top-level departments (by name) with their second-level categories, of the products
    that can be bought.

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> rows = [ProductRow(p, p, Decimal(5), None, True, "in_stock", c, None, {}, None)
    ...         for p, c in (("a", "Food > Tea > Green"), ("b", "Food > Bread"), ("c", "Toys"))]
    >>> index = index_products(rows, schema=load_facet_schema())
    >>> [(d.path, d.children) for d in departments(index)]
    [('Food', ('Food > Bread', 'Food > Tea')), ('Toys', ())]
    """
    return index.derived("search.departments", lambda: _departments(index))


def subcategories(index: CatalogIndex, path: str) -> tuple[str, ...]:
    """The categories one level below ``path`` (its normal form) that have something to
    buy, as paths.

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> rows = [ProductRow(p, p, Decimal(5), None, True, "in_stock", c, None, {}, None)
    ...         for p, c in (("a", "Food > Tea > Green"), ("b", "Food > Tea"), ("c", "Food"))]
    >>> subcategories(index_products(rows, schema=load_facet_schema()), "Food")
    ('Food > Tea',)
    """
    depth = len([part for part in path.split(CATEGORY_SEPARATOR) if part])
    prefix = path + CATEGORY_SEPARATOR
    found = set()
    for code in _eligible_leaves(index):
        leaf = index.leaf_names[code]
        if leaf.startswith(prefix):
            parts = leaf.split(CATEGORY_SEPARATOR)
            found.add(CATEGORY_SEPARATOR.join(parts[:depth + 1]))
    return tuple(sorted(found))


def _eligible_leaves(index: CatalogIndex) -> list[int]:
    """The leaf categories with something to buy, once per snapshot."""
    return index.derived("search.eligible_leaves", lambda: [
        int(code) for code in np.unique(index.leaf_code[index.eligible])])
