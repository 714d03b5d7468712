"""abandoned_cart: a product put in the cart and neither bought nor removed since, for
``settings.abandoned_cart_hours``, with a cheaper alternative when there is one.

Behaviour is used only as far as the shopper allows: only customers whose ``tracking``
consent is in force now are considered (their events exist only while it was). The product
in the cart must itself still pass their rules and be orderable. The alternative is in the
same leaf category, cheaper, orderable and passes every hard rule (budget included); of
those, the closest in price. None found: the message goes without one.

The scanner reads add-to-cart events in (time, id) order, from where it stopped (its
cursor's ``last_at`` and ``last_id``: the last add read) up to
``now - abandoned_cart_hours``, at most a batch per scan; the occasion is the add-to-cart event, so
a re-run offers the same message.

``MessageOffer.params`` (all text):

- ``product_id``, ``title``, ``brand``, ``category``, ``price``, ``currency``: the product
  left in the cart
- ``alternative_id``, ``alternative_title``, ``alternative_price``: the cheaper one (absent
  when none was found)
- ``because``: ``cart``
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.events.models import Event
from prefero.messaging import service
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.triggers.audience import RuleGate, facet_schema, money, product_params
from prefero.messaging.triggers.cursors import cursor_of, save_cursor

__all__ = ["NAME", "cheaper_alternative", "scan"]

NAME = "abandoned_cart"
#: How far back the very first scan looks: older carts are not worth a message.
FIRST_LOOKBACK = timedelta(days=2)
#: Cheaper products of the leaf category looked at, closest in price first.
ALTERNATIVES = 200
#: Carts handled per scan at most; the next scan goes on from the last one handled.
BATCH = 2000


def cheaper_alternative(session: Session, product: Product, *, customer_id: str,
                        settings: Settings) -> Product | None:
    """The orderable product of ``product``'s leaf category closest below its price that
    passes every hard rule of the customer's, or ``None``.

    >>> cheaper_alternative(session, shoe, customer_id="c1",
    ...                     settings=settings).title  # doctest: +SKIP
    'Trail Runner Lite'
    """
    effective = func.coalesce(Product.sale_price, Product.price)
    candidates = list(session.scalars(
        select(Product).where(
            Product.category == product.category, Product.id != product.id,
            Product.active.is_(True), Product.availability != "out_of_stock",
            Product.currency == product.currency, effective < product.effective_price)
        .order_by(effective.desc(), Product.id).limit(ALTERNATIVES)))
    if not candidates:
        return None
    gate = RuleGate(session, settings=settings, schema=facet_schema(settings),
                    products=candidates)
    return next((c for c in candidates if gate.allows(customer_id, c.id)), None)


def scan(session: Session, now: datetime, settings: Settings, *, batch: int = BATCH) -> int:
    """Offer a message for each cart item left since the last scan; how many offers.

    >>> scan(session, now, settings)  # doctest: +SKIP
    1
    """
    cursor = cursor_of(session, NAME)
    until = now - timedelta(hours=settings.abandoned_cart_hours)
    since = cursor.last_at or until - FIRST_LOOKBACK
    # The cursor is the last add read, (its time, its id): carts sharing that moment that a
    # full batch left out come next, and a batch of one moment no longer re-reads itself.
    after_id = cursor.last_id if cursor.last_at is not None else 0
    if since > until or (since == until and after_id == 0):
        return 0
    later = aliased(Event)
    settled = (select(later.id).where(
        later.customer_id == Event.customer_id, later.product_id == Event.product_id,
        later.type.in_(("purchase", "remove_from_cart")),
        later.occurred_at > Event.occurred_at).exists())
    rows = list(session.execute(
        select(Event.id, Event.customer_id, Event.product_id, Event.occurred_at)
        .where(Event.type == "add_to_cart", Event.product_id.is_not(None),
               or_(Event.occurred_at > since,
                   and_(Event.occurred_at == since, Event.id > after_id)),
               Event.occurred_at <= until, ~settled)
        .order_by(Event.occurred_at, Event.id).limit(batch)))
    # A full batch stops at its last add; otherwise everything up to ``until`` is read (at
    # its last add still, when that one is stamped exactly ``until``).
    end_at, end_id = ((rows[-1].occurred_at, rows[-1].id)
                      if rows and (len(rows) == batch or rows[-1].occurred_at == until)
                      else (until, 0))
    # The latest add of a product per customer is its occasion.
    latest = {(r.customer_id, r.product_id): r for r in rows}
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_(sorted({pid for _, pid in latest}))))}
    gate = RuleGate(session, settings=settings, schema=facet_schema(settings),
                    products=list(products.values()))
    offered = 0
    for (customer_id, product_id), row in sorted(latest.items()):
        product = products.get(product_id)
        if product is None or not gate.profile(customer_id).consents["tracking"]:
            continue
        if not gate.allows(customer_id, product_id):
            continue
        params = {**product_params(product), "because": "cart"}
        ids: tuple[str, ...] = (product.id,)
        alternative = cheaper_alternative(session, product, customer_id=customer_id,
                                          settings=settings)
        if alternative is not None:
            params |= {"alternative_id": alternative.id,
                       "alternative_title": alternative.title,
                       "alternative_price": money(alternative.effective_price)}
            ids = (product.id, alternative.id)
        service.offer(session, MessageOffer(
            customer_id=customer_id, trigger=Trigger.ABANDONED_CART, subject_key=product.id,
            occasion=f"cart:{row.id}", params=params, product_ids=ids,
            occurred_at=row.occurred_at), now=now, settings=settings)
        offered += 1
    save_cursor(cursor, now=now, last_at=end_at, last_id=end_id)
    session.flush()
    return offered

