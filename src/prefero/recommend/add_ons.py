"""Add-on services for an order: the services (set-up, warranty, care) that go with the
products in a cart. The checkout placement takes them among its candidates and the
storefront's checkout offers them as unticked options, both from this one rule.

A service goes with a product of the same department; where the service says what it is for
(its ``use`` values), only with a product of that use.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from prefero.quizzes.results import service_mask
from prefero.recommend.catalog_index import BoolArray, CatalogIndex

__all__ = ["add_on_services", "order_context"]


def _uses(index: CatalogIndex, position: int) -> set[str]:
    return {str(use) for use in index.facet_values[position].get("use") or []}


def add_on_services(index: CatalogIndex, anchors: Sequence[int], allowed: BoolArray
                    ) -> list[tuple[int, int]]:
    """(service, the anchor it goes with) for every allowed service that goes with one of
    ``anchors``: services made for a use first, then the cheaper, then by id.

    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> def row(pid, category, use):
    ...     return ProductRow(pid, pid, Decimal(10), None, True, "in_stock", category, None,
    ...                       {"use": use}, None)
    >>> index = index_products([row("cam", "Electronics > Cameras", ["photo"]),
    ...                         row("set-up", "Electronics > Services", ["photo"]),
    ...                         row("tv-mount", "Electronics > Services", ["tv"])],
    ...                        schema=load_facet_schema())
    >>> add_on_services(index, [0], np.ones(3, dtype=bool))
    [(1, 0)]
    """
    if not anchors:
        return []
    found: list[tuple[int, float, str, int, int]] = []
    for service in np.flatnonzero(service_mask(index) & allowed).tolist():
        serves = _uses(index, service)
        for anchor in anchors:
            if service == anchor or index.vertical_code[anchor] != index.vertical_code[service]:
                continue
            if not serves or serves & _uses(index, anchor):
                found.append((0 if serves else 1, float(index.price[service]),
                              index.ids[service], service, anchor))
                break
    return [(service, anchor) for *_order, service, anchor in sorted(found)]


def order_context(index: CatalogIndex, related: BoolArray, anchors: Sequence[int],
                  allowed: BoolArray) -> tuple[BoolArray, list[int]]:
    """The checkout's related set: ``related`` less the services that do not go with the
    order (a TV mount beside a camera), plus every allowed one that does; and those.

    >>> import numpy as np
    >>> from decimal import Decimal
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import ProductRow, index_products
    >>> def row(pid, category, use):
    ...     return ProductRow(pid, pid, Decimal(10), None, True, "in_stock", category, None,
    ...                       {"use": use}, None)
    >>> index = index_products([row("cam", "Electronics > Cameras", ["photo"]),
    ...                         row("set-up", "Electronics > Services", ["photo"]),
    ...                         row("tv-mount", "Electronics > Services", ["tv"])],
    ...                        schema=load_facet_schema())
    >>> pool, services = order_context(index, np.array([False, False, True]), [0],
    ...                                np.ones(3, dtype=bool))
    >>> pool.tolist(), services
    ([False, True, False], [1])
    """
    services = [service for service, _anchor in add_on_services(index, anchors, allowed)]
    pool: BoolArray = related & ~service_mask(index)
    pool[services] = True
    return pool, services
