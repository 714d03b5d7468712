"""Who asked to hear about a product, and whether their own rules let it reach them.

A customer hears about a product they watch (``product_watches``), or whose brand or
category (or a category above it) they follow (``follows``) or declared a like for. Whoever
they are, the product must pass the customer's hard rules exactly as the recommendation
pipeline applies them (``prefero.recommend.constraints.violations``: ``never`` and ``must``
rules, budget, sizes, products marked "not for me", and being orderable at all): a product
the customer excluded is never messaged, whatever they follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema, category_ancestors
from prefero.catalog.facets import load_facet_schema as _load
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.models import Preference
from prefero.follows.models import Follow
from prefero.messaging.triggers.models import ProductWatch
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.constraints import violations
from prefero.recommend.profile import CustomerProfile, load_profile

__all__ = ["Because", "RuleGate", "facet_schema", "interested", "money", "product_params"]

#: Why a customer hears about a product, strongest first (params["because"]).
Because = str
_ORDER = ("watch", "follow", "like")


@lru_cache(maxsize=4)
def _schema(path: Path | None) -> FacetSchema:
    return _load(path)


def facet_schema(settings: Settings) -> FacetSchema:
    """The shop's facet schema, read once per process."""
    return _schema(settings.facet_schema)


def money(amount: Decimal | float) -> str:
    """A price as the wording shows it: a decimal string with two places.

    >>> money(Decimal("19.9")), money(5)
    ('19.90', '5.00')
    """
    return str(Decimal(str(amount)).quantize(Decimal("0.01")))


def product_params(product: Product) -> dict[str, str]:
    """The wording's keys about one product: ``title``, ``brand``, ``category`` (the last
    segment of its path), ``currency``, ``price`` (effective) and ``product_id``."""
    category = product.category.split(CATEGORY_SEPARATOR)[-1] if product.category else ""
    return {"product_id": product.id, "title": product.title, "brand": product.brand or "",
            "category": category, "currency": product.currency,
            "price": money(product.effective_price)}


def _followed_values(product: Product, schema: FacetSchema) -> tuple[str, list[str]]:
    brand = schema.compared("brand", product.brand) if product.brand else ""
    category = schema.compared("category", product.category) if product.category else ""
    return brand, category_ancestors(category) if category else []


def interested(session: Session, product: Product, *, schema: FacetSchema,
               watch: str | None) -> dict[str, Because]:
    """Customer id → why they would hear about ``product``: they watch it for ``watch``
    ("price" or "stock"; ``None`` leaves watches out), follow its brand or category, or
    declared a like for one of them. Rules are not checked here (``RuleGate``).

    >>> interested(session, product, schema=schema, watch="price")  # doctest: +SKIP
    {'c1': 'watch', 'c2': 'follow'}
    """
    found: dict[str, Because] = {}

    def add(customers: Iterable[str], because: Because) -> None:
        for cid in customers:
            if cid not in found or _ORDER.index(because) < _ORDER.index(found[cid]):
                found[cid] = because

    if watch is not None:
        add(session.scalars(select(ProductWatch.customer_id).where(
            ProductWatch.product_id == product.id,
            ProductWatch.what.in_((watch, "both")))), "watch")
    brand, categories = _followed_values(product, schema)
    wanted = []
    if brand:
        wanted.append(("brand", [brand]))
    if categories:
        wanted.append(("category", categories))
    if wanted:
        add(session.scalars(select(Follow.customer_id).where(or_(*(
            (Follow.kind == kind) & Follow.value.in_(values) for kind, values in wanted)))),
            "follow")
        add(session.scalars(select(Preference.customer_id).where(
            Preference.kind == "like", Preference.weight > 0,
            or_(*((Preference.facet == kind) & Preference.value.in_(values)
                  for kind, values in wanted)))), "like")
    return found


class RuleGate:
    """The hard rules of the customers of one scan, over the products of that scan.

    The products are indexed the way the pipeline indexes the catalogue (only these
    products: the rules read each item's own values), and each customer's profile is read
    once.
    """

    def __init__(self, session: Session, *, settings: Settings, schema: FacetSchema,
                 products: Sequence[Product]) -> None:
        self._session = session
        self._settings = settings
        unique = {p.id: p for p in products}
        rows = [ProductRow(p.id, p.title, p.price, p.sale_price, p.active, p.availability,
                           p.category, p.brand, dict(p.facets or {}), p.created_at,
                           p.currency, p.item_group_id)
                for p in sorted(unique.values(), key=lambda p: p.id)]
        self.index: CatalogIndex = index_products(rows, schema=schema)
        self._profiles: dict[str, CustomerProfile] = {}

    def profile(self, customer_id: str) -> CustomerProfile:
        if customer_id not in self._profiles:
            self._profiles[customer_id] = load_profile(
                self._session, customer_id=customer_id, settings=self._settings)
        return self._profiles[customer_id]

    def allows(self, customer_id: str, product_id: str) -> bool:
        """Whether the product is orderable and passes every declared rule of the customer's.
        A product this gate does not hold is never allowed."""
        position = self.index.position.get(product_id)
        if position is None:
            return False
        return not violations(self.index, position, self.profile(customer_id))

    def uses_likes(self, customer_id: str) -> bool:
        """Whether the customer's declared likes may be used (their level is not "off")."""
        return self.profile(customer_id).uses_declared
