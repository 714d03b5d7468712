"""The demo shop's configurable products: one fixed product per configurator in the packaged
``catalog/configurators.yaml``, so that the configurator page, the API and an order have a
real catalogue product to point at in every demo shop, whatever its seed and size.

The catalogue row carries the base price (the configuration's price is the configurator's to
work out); the facets are what the cheapest configuration has.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from prefero.catalog.facets import FacetSchema
from prefero.demo.catalog import DemoProduct

__all__ = ["configurable_products"]

# (id, kind, vertical, title, description, brand, category, price, raw facets)
_PRODUCTS: tuple[tuple[str, str, str, str, str, str, str, str, dict[str, Any]], ...] = (
    ("cfg-laptop-14", "laptop", "Electronics", "Prefero Build 14 laptop (configure your own)",
     "A 14-inch laptop built to your order: choose the processor, memory, storage, graphics, "
     "power adapter, case, colour and an engraving.", "Prefero Build",
     "Electronics > Computers > Laptops", "3999.00",
     {"screen_inches": 14, "battery_hours": 12, "weight_g": 1450, "use": ["work", "study"],
      "color": ["silver"]}),
    ("cfg-shirt", "shirt", "Fashion", "Made-to-order Oxford shirt",
     "A shirt cut and sewn to your order: choose the fabric, collar, cuffs and a monogram.",
     "Prefero Atelier", "Fashion > Tops > Shirts", "249.00",
     {"material": ["cotton"], "color": ["white"], "style": "classic"}),
)


def configurable_products(*, anchor: datetime, schema: FacetSchema) -> list[DemoProduct]:
    """The fixed configurable products.

    >>> from datetime import UTC
    >>> from prefero.catalog.facets import load_facet_schema
    >>> [p.id for p in configurable_products(anchor=datetime(2026, 1, 1, tzinfo=UTC),
    ...                                      schema=load_facet_schema())]
    ['cfg-laptop-14', 'cfg-shirt']
    """
    products = []
    for pid, kind, vertical, title, description, brand, category, price, raw in _PRODUCTS:
        facets = {name: schema.coerce(name, value) for name, value in (
            *raw.items(), ("brand", brand), ("category", category), ("condition", "new"))}
        products.append(DemoProduct(
            id=pid, kind=kind, vertical=vertical, title=title, description=description,
            brand=brand, category=category, price=Decimal(price), sale_price=None,
            availability="in_stock", active=True, condition="new", item_group_id=None,
            gtin="", created_at=anchor - timedelta(days=60), facets=facets, popularity=0.0,
            trending=False))
    return products
