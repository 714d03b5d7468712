"""The demo catalog: the four verticals mixed into one shop, with ids, shop prices, sales,
stock, arrival dates, price tiers and schema-coerced facets.

Besides what is stored, each product carries two hidden traits the behaviour simulation
reads: a long-tailed ``popularity`` and a ``trending`` flag for a few recent hits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from prefero.catalog.facets import FacetSchema
from prefero.demo.cosmetics import make_cosmetics
from prefero.demo.draft import ProductDraft, shop_price
from prefero.demo.electronics import make_electronics
from prefero.demo.fashion import make_fashion
from prefero.demo.groceries import make_groceries
from prefero.demo.pictures import picture_path

__all__ = [
    "CURRENCY",
    "NEW_ARRIVAL_DAYS",
    "PRICE_TIERS",
    "SHOP_URL",
    "VERTICAL_SHARES",
    "DemoProduct",
    "generate_catalog",
]

CURRENCY = "PLN"
SHOP_URL = "https://demo.prefero.dev"
PRICE_TIERS = ("budget", "mid", "premium")
NEW_ARRIVAL_DAYS = 14
VERTICAL_SHARES = (("Fashion", 0.34), ("Electronics", 0.26), ("Groceries", 0.25),
                   ("Cosmetics", 0.15))


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """One generated product: the stored fields plus the hidden traits behaviour reads."""

    id: str
    kind: str
    vertical: str
    title: str
    description: str
    brand: str
    category: str
    price: Decimal
    sale_price: Decimal | None
    availability: str
    active: bool
    condition: str
    item_group_id: str | None
    gtin: str
    created_at: datetime
    facets: dict[str, Any]
    popularity: float
    trending: bool

    @property
    def effective_price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.price

    @property
    def purchasable(self) -> bool:
        return self.active and self.availability != "out_of_stock"

    def row(self) -> dict[str, Any]:
        """The product as a ``products`` row for a Core insert."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "link": f"{SHOP_URL}/p/{self.id}",
            # Drawn by the storefront from this very row (prefero.demo.pictures).
            "image_link": picture_path(self.id),
            "additional_image_links": [],
            "price": self.price,
            "currency": CURRENCY,
            "sale_price": self.sale_price,
            "availability": self.availability,
            "brand": self.brand,
            "gtin": self.gtin,
            "mpn": None,
            "condition": self.condition,
            "category": self.category,
            "google_product_category": None,
            "item_group_id": self.item_group_id,
            "facets": self.facets,
            "active": self.active,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }


def _vertical_counts(count: int) -> dict[str, int]:
    counts = {name: int(count * share) for name, share in VERTICAL_SHARES}
    counts["Fashion"] += count - sum(counts.values())
    return counts


def _gtin(rng: np.random.Generator) -> str:
    # EAN-13 with the Polish GS1 prefix and a valid check digit, so feed validators accept it.
    digits = [5, 9, 0, *rng.integers(0, 10, size=9).tolist()]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _tiers(drafts: list[ProductDraft], prices: list[Decimal]) -> list[str]:
    """Budget, mid or premium by where the price falls among its leaf category's prices.

    The tier is a function of (category, price), so a cheaper product is never in a higher
    tier than a dearer one of the same category.
    """
    by_category: dict[str, list[float]] = defaultdict(list)
    for draft, price in zip(drafts, prices, strict=True):
        by_category[draft.category].append(float(price))
    cuts = {
        category: np.quantile(np.asarray(values), [1 / 3, 2 / 3]).tolist()
        for category, values in by_category.items()
    }
    tiers = []
    for draft, price in zip(drafts, prices, strict=True):
        low, high = cuts[draft.category]
        value = float(price)
        tiers.append("budget" if value < low else "mid" if value < high else "premium")
    return tiers


def _coerce(schema: FacetSchema, raw: dict[str, Any]) -> dict[str, Any]:
    # A shop may load the demo under its own schema; facets it does not define are left out.
    return {name: schema.coerce(name, value) for name, value in raw.items() if schema.get(name)}


def generate_catalog(rng: np.random.Generator, count: int, *, anchor: datetime,
                     schema: FacetSchema) -> list[DemoProduct]:
    """``count`` products over four verticals, ids ``p00001`` onwards in shuffled order.

    >>> from datetime import UTC
    >>> from prefero.catalog.facets import load_facet_schema
    >>> products = generate_catalog(np.random.default_rng(7), 40,
    ...     anchor=datetime(2026, 1, 1, tzinfo=UTC), schema=load_facet_schema())
    >>> products[0].id, products[0].facets["category"] == products[0].category
    ('p00001', True)
    """
    counts = _vertical_counts(count)
    drafts = (
        make_fashion(rng, counts["Fashion"])
        + make_electronics(rng, counts["Electronics"])
        + make_groceries(rng, counts["Groceries"])
        + make_cosmetics(rng, counts["Cosmetics"])
    )
    drafts = [drafts[i] for i in rng.permutation(len(drafts)).tolist()]
    prices = [shop_price(draft.price) for draft in drafts]
    tiers = _tiers(drafts, prices)
    products: list[DemoProduct] = []
    for index, (draft, price, tier) in enumerate(zip(drafts, prices, tiers, strict=True)):
        age = rng.random()
        # A tenth of the catalog arrived in the last two weeks; most of it is older stock.
        if age < 0.10:
            days = rng.uniform(0.2, NEW_ARRIVAL_DAYS)
        elif age < 0.35:
            days = rng.uniform(NEW_ARRIVAL_DAYS, 90)
        else:
            days = rng.uniform(90, 180)
        created_at = anchor - timedelta(seconds=int(days * 86400))
        stock = rng.random()
        availability = "in_stock"
        if stock < 0.03:
            availability = "out_of_stock"
        elif stock < 0.04:
            availability = "backorder"
        elif draft.vertical == "Electronics" and days < NEW_ARRIVAL_DAYS and stock < 0.25:
            availability = "preorder"
        sale_price = None
        if rng.random() < 0.12:
            candidate = shop_price(float(price) * rng.uniform(0.65, 0.9))
            sale_price = candidate if candidate < price else None
        new = days < NEW_ARRIVAL_DAYS
        trending = bool(rng.random() < (0.15 if new else 0.025))
        raw = dict(draft.facets)
        raw.update({
            "brand": draft.brand,
            "category": draft.category,
            "price_tier": tier,
            "condition": draft.condition,
        })
        products.append(DemoProduct(
            id=f"p{index + 1:05d}",
            kind=draft.kind,
            vertical=draft.vertical,
            title=draft.title,
            description=draft.description,
            brand=draft.brand,
            category=draft.category,
            price=price,
            sale_price=sale_price,
            availability=availability,
            active=bool(rng.random() >= 0.02),
            condition=draft.condition,
            item_group_id=draft.item_group,
            gtin=_gtin(rng),
            created_at=created_at,
            facets=_coerce(schema, raw),
            popularity=float(np.exp(rng.normal(0.0, 1.1))),
            trending=trending,
        ))
    return products
