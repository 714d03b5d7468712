"""Product families: the sizes and colours of one model (``item_group_id``) are one choice
for a shopper, so a list shows a family once, by its best-placed member, and says which
sizes and colours the family offers."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from prefero.recommend.catalog_index import BoolArray, CatalogIndex, IntArray

__all__ = ["Variants", "family_of", "one_per_family"]


class Variants(BaseModel):
    """The members of a product's family the customer may be offered, itself included."""

    product_ids: list[str] = Field(description="The family's products: the shown one, then "
                                               "the others by id")
    colors: list[str] = Field(description="Their colours (stored values), in that order")
    sizes: list[str] = Field(description="Their sizes (stored values), in that order")


def one_per_family(index: CatalogIndex, ranked: IntArray) -> IntArray:
    """``ranked`` (best first) with every member after its family's first left out.

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> rows = [ProductRow(p, p, Decimal(5), None, True, "in_stock", "Fashion", None, {},
    ...                    None, item_group_id=g) for p, g in (("a", "m"), ("b", None),
    ...                                                        ("c", "m"))]
    >>> index = index_products(rows, schema=load_facet_schema())
    >>> one_per_family(index, np.array([2, 1, 0])).tolist()
    [2, 1]
    """
    if ranked.size < 2 or not index.in_family[ranked].any():
        return ranked
    _codes, first = np.unique(index.groups[ranked], return_index=True)
    if first.size == ranked.size:
        return ranked
    kept: IntArray = ranked[np.sort(first)]
    return kept


def family_of(index: CatalogIndex, item: int, allowed: BoolArray) -> Variants | None:
    """``item``'s family as far as ``allowed`` lets the customer see it (a size or colour
    their rules exclude is not offered), or ``None`` for a product without one."""
    if not index.in_family[item]:
        return None
    members = index.in_group(item)
    offered = [int(m) for m in members if m == item or allowed[m]]
    if len(offered) < 2:
        return None
    offered.remove(item)
    offered.insert(0, item)
    colors: dict[str, None] = {}
    sizes: dict[str, None] = {}
    for member in offered:
        values = index.facet_values[member] if index.facet_values else {}
        for color in _listed(values.get("color")):
            colors.setdefault(color, None)
        for size in _listed(values.get("size")):
            sizes.setdefault(size, None)
    # Built from the snapshot's own strings: nothing here for pydantic to check.
    return Variants.model_construct(product_ids=[index.ids[m] for m in offered],
                                    colors=list(colors), sizes=list(sizes))


def _listed(raw: object) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, list):
        return [str(value) for value in raw]
    return [str(raw)]
