"""The whole demo shop, generated in memory: catalog, customers and behaviour, plus the rows
each table receives. Pure: no database, same seed and anchor → same content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from prefero.catalog.facets import FacetSchema, load_facet_schema
from prefero.demo.behaviour import Behaviour, simulate_behaviour
from prefero.demo.catalog import DemoProduct, generate_catalog
from prefero.demo.configurables import configurable_products
from prefero.demo.customers import CONSENT_SOURCE, POLICY_VERSION, DemoCustomer, generate_customers
from prefero.demo.services import service_products

__all__ = ["DISMISS_FACET", "DemoShop", "ProgressCallback", "generate_demo"]

ProgressCallback = Callable[[str, int, int], None]
# Facet name stored on "dismiss" preferences (the value is a product id); the same convention
# as event ingest and the preference service use.
DISMISS_FACET = "product"


@dataclass(frozen=True)
class DemoShop:
    """A generated shop. The ``*_rows`` methods give what each table receives."""

    seed: int
    anchor: datetime
    products: list[DemoProduct]
    customers: list[DemoCustomer]
    behaviour: Behaviour
    # Add-on services and the configurable products (prefero.demo.configurables), kept
    # apart from ``products`` so behaviour never buys them by chance.
    services: list[DemoProduct] = field(default_factory=list)

    def product_rows(self) -> Iterator[dict[str, Any]]:
        return (product.row() for product in (*self.products, *self.services))

    def customer_rows(self) -> Iterator[dict[str, Any]]:
        return (customer.row() for customer in self.customers)

    def preference_rows(self) -> Iterator[dict[str, Any]]:
        for customer in self.customers:
            for preference in customer.preferences:
                yield {
                    "customer_id": customer.id,
                    "kind": preference.kind,
                    "facet": preference.facet,
                    "value": preference.value,
                    "weight": preference.weight,
                    "source": "declared",
                    "created_at": preference.created_at,
                    "updated_at": preference.created_at,
                }
        # "Not for me" is a statement, not tracking: it is kept whatever the tracking consent.
        seen: set[tuple[str, str]] = set()
        for customer_id, product_id, when in self.behaviour.dismissals:
            if (customer_id, product_id) in seen:
                continue
            seen.add((customer_id, product_id))
            yield {
                "customer_id": customer_id,
                "kind": "dismiss",
                "facet": DISMISS_FACET,
                "value": product_id,
                "weight": None,
                "source": "dismiss",
                "created_at": when,
                "updated_at": when,
            }

    def consent_rows(self) -> Iterator[dict[str, Any]]:
        for customer in self.customers:
            for consent in customer.consents:
                yield {
                    "customer_id": customer.id,
                    "purpose": consent.purpose,
                    "granted": consent.granted,
                    "source": CONSENT_SOURCE,
                    "policy_version": POLICY_VERSION,
                    "idempotency_key": None,
                    "recorded_at": consent.recorded_at,
                }

    def event_rows(self) -> Iterator[dict[str, Any]]:
        return (event.row() for event in self.behaviour.events)

    def activity_rows(self) -> Iterator[dict[str, Any]]:
        return (
            {"product_id": product_id, "day": day, "type": kind, "count": count}
            for (product_id, day, kind), count in self.behaviour.activity.items()
        )


def generate_demo(*, seed: int = 7, products: int = 3200, customers: int = 6000,
                  anchor: datetime | None = None, schema: FacetSchema | None = None,
                  progress: ProgressCallback | None = None) -> DemoShop:
    """Generate the demo shop in memory.

    ``anchor`` is "now" for every relative timestamp (arrivals, sessions, consents); pass a
    fixed one to get byte-identical content.

    >>> shop = generate_demo(seed=1, products=120, customers=40,
    ...                      anchor=datetime(2026, 1, 1, tzinfo=UTC))
    >>> len(shop.products), shop.customers[0].id
    (120, 'c00001')
    """
    if products < 1 or customers < 2:
        raise ValueError("the demo needs at least one product and two customers (the personas)")
    anchor = (anchor or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    schema = schema or load_facet_schema()
    # One child stream per stage: changing how customers are drawn leaves the catalog alone.
    catalog_rng, customer_rng, behaviour_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(3)
    )
    report = progress or (lambda stage, done, total: None)
    report("generate", 0, 3)
    catalog = generate_catalog(catalog_rng, products, anchor=anchor, schema=schema)
    report("generate", 1, 3)
    people = generate_customers(customer_rng, customers, products=catalog, anchor=anchor,
                                schema=schema)
    report("generate", 2, 3)
    behaviour = simulate_behaviour(behaviour_rng, products=catalog, customers=people,
                                   anchor=anchor)
    report("generate", 3, 3)
    return DemoShop(seed=seed, anchor=anchor, products=catalog, customers=people,
                    behaviour=behaviour,
                    services=[*service_products(anchor=anchor, schema=schema),
                              *configurable_products(anchor=anchor, schema=schema)])
