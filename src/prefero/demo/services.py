"""Add-on services the demo shop sells beside its products: set-up help and extended
warranties. Guided selling offers them — labelled, never pre-selected — to shoppers whose
answers signal low technical confidence or a wish for safety."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from prefero.catalog.facets import FacetSchema
from prefero.demo.catalog import DemoProduct

__all__ = ["SERVICE_CATEGORY", "service_products"]

SERVICE_CATEGORY = "Electronics > Services > Add-ons"

# (id, title, description, price, use) — use ties a service to the products it serves.
_SERVICES = (
    ("s0001", "Camera set-up session (1 hour, in store or video call)",
     "A photographer sets up your new camera with you: menus, modes, first shots.", "149.00",
     "photo"),
    ("s0002", "Extended warranty: 2 extra years for cameras",
     "Repairs or replacement for two more years after the maker's warranty ends.", "399.00",
     "photo"),
    ("s0003", "Laptop set-up and data transfer",
     "We set up your new laptop and move your files and accounts from the old one.",
     "199.00", "work"),
    ("s0004", "Extended warranty: 2 extra years for laptops",
     "Repairs, battery and accidental damage cover for two more years.", "499.00", "work"),
    ("s0005", "Smart-home installation visit",
     "A technician installs and connects your speakers, hubs and lights at home.", "249.00",
     "smart home"),
)


def service_products(*, anchor: datetime, schema: FacetSchema) -> list[DemoProduct]:
    """The fixed list of services, as products tagged ``service``.

    >>> from datetime import UTC
    >>> from prefero.catalog.facets import load_facet_schema
    >>> services = service_products(anchor=datetime(2026, 1, 1, tzinfo=UTC),
    ...                             schema=load_facet_schema())
    >>> services[0].facets["tags"], services[0].category
    (['service'], 'Electronics > Services > Add-ons')
    """
    products = []
    for sid, title, description, price, use in _SERVICES:
        facets = {
            name: schema.coerce(name, raw) for name, raw in (
                ("category", SERVICE_CATEGORY), ("brand", "Prefero Care"),
                ("tags", ["service"]), ("use", [use]))
        }
        products.append(DemoProduct(
            id=sid, kind="service", vertical="Electronics", title=title,
            description=description, brand="Prefero Care", category=SERVICE_CATEGORY,
            price=Decimal(price), sale_price=None, availability="in_stock", active=True,
            condition="new", item_group_id=None, gtin="", created_at=anchor - timedelta(
                days=120), facets=facets, popularity=0.0, trending=False,
        ))
    return products
