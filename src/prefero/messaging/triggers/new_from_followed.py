"""new_from_followed: new products from a brand or category the customer follows, batched.

One message per customer per scan lists up to ``MAX_LISTED`` of the new products that pass
their hard rules (in the order they arrived), rather than one message per product. The
occasion is the list of products itself, so a scan repeated after a crash offers the very
same message.

``MessageOffer.params`` (all text):

- ``products``: the listed products' titles, one per line, in ``product_ids`` order
- ``count``: how many new products passed (may exceed the listed ones), ``more``: how many
  were left off the list
- ``title``, ``price``, ``currency``, ``product_id``: the first one; ``brand`` (its brand)
  only when the customer follows that brand, else ``category``: the last segment of the
  category they follow above it (so "New from {brand}, a brand you follow" is never said
  of a brand they do not follow)
- ``followed``: what they follow that the products come from (brand names and category
  names, "; "-separated)
- ``because``: ``follow``
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema, category_ancestors
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.follows.models import Follow
from prefero.messaging import service
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.triggers.audience import (
    RuleGate,
    facet_schema,
    interested,
    product_params,
)
from prefero.messaging.triggers.cursors import cursor_of, pending_changes, save_cursor

__all__ = ["MAX_LISTED", "NAME", "scan"]

NAME = "new_from_followed"
#: Products one message lists at most.
MAX_LISTED = 5


def _follows(session: Session, customer_id: str) -> set[tuple[str, str]]:
    """The customer's follows as stored: (kind, value in compared form)."""
    return {(str(kind), str(value)) for kind, value in session.execute(
        select(Follow.kind, Follow.value).where(Follow.customer_id == customer_id))}


def _followed_as(product: Product, follows: set[tuple[str, str]], schema: FacetSchema
                 ) -> tuple[str, str]:
    """What of the product the customer follows, as the wording names it: ("brand", the
    brand as the shop writes it) when they follow its brand, else ("category", the last
    segment of the deepest category they follow above it), else ("", "").

    >>> from prefero.catalog.facets import load_facet_schema
    >>> shoe = Product(id="s", brand="Acme", category="Fashion > Shoes > Running")
    >>> _followed_as(shoe, {("category", "Fashion > Shoes")}, load_facet_schema())
    ('category', 'Shoes')
    """
    if product.brand and ("brand", schema.compared("brand", product.brand)) in follows:
        return "brand", product.brand
    if not product.category:
        return "", ""
    compared = category_ancestors(schema.compared("category", product.category))
    shown = product.category.split(CATEGORY_SEPARATOR)
    for depth in range(len(compared), 0, -1):
        if ("category", compared[depth - 1]) in follows:
            # The shop's own spelling of that segment where the paths line up.
            segments = shown if len(shown) == len(compared) else (
                compared[depth - 1].split(CATEGORY_SEPARATOR))
            return "category", segments[depth - 1].strip()
    return "", ""


def _params(product: Product, follows: set[tuple[str, str]], schema: FacetSchema
            ) -> dict[str, str]:
    """``product_params`` of the first listed product, saying "New from {brand}" only when
    the customer follows that brand; otherwise the followed category and no brand, so that
    the message never claims a follow the customer does not have."""
    params = product_params(product)
    kind, label = _followed_as(product, follows, schema)
    if kind != "brand":
        del params["brand"]
        if kind == "category":
            params["category"] = label
    return params


def scan(session: Session, now: datetime, settings: Settings) -> int:
    """Offer each follower one message about the new products since the last scan; how many
    offers were made.

    >>> scan(session, now, settings)  # doctest: +SKIP
    3
    """
    cursor = cursor_of(session, NAME)
    batch = pending_changes(session, after_id=cursor.last_id, now=now)
    order = list(dict.fromkeys(c.product_id for c in batch.changes if c.kind == "new"))
    found = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(order)))}
    products = [found[pid] for pid in order if pid in found]
    schema = facet_schema(settings)
    gate = RuleGate(session, settings=settings, schema=schema, products=products)
    per_customer: dict[str, list[Product]] = defaultdict(list)
    for product in products:
        for customer_id, because in interested(session, product, schema=schema,
                                               watch=None).items():
            if because == "follow" and gate.allows(customer_id, product.id):
                per_customer[customer_id].append(product)
    offered = 0
    for customer_id, news in sorted(per_customer.items()):
        listed = news[:MAX_LISTED]
        follows = _follows(session, customer_id)
        labels = dict.fromkeys(_followed_as(p, follows, schema)[1] for p in listed)
        params = {**_params(listed[0], follows, schema),
                  "products": "\n".join(p.title for p in listed),
                  "count": str(len(news)), "more": str(len(news) - len(listed)),
                  "followed": "; ".join(label for label in labels if label),
                  "because": "follow"}
        ids = tuple(p.id for p in listed)
        service.offer(session, MessageOffer(
            customer_id=customer_id, trigger=Trigger.NEW_FROM_FOLLOWED,
            subject_key="followed", occasion=",".join(ids), params=params, product_ids=ids,
            occurred_at=now), now=now, settings=settings)
        offered += 1
    save_cursor(cursor, now=now, last_id=batch.last_id)
    session.flush()
    return offered
