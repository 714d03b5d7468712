"""Watches: "let me know when this is on sale / back in stock", as the customer asked.

The price-drop and back-in-stock triggers read them (``prefero.messaging.triggers.audience``);
the customer lists and removes them in the preference center and through the API.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.customers.repository import ensure_customers, require_customer
from prefero.errors import NotFound
from prefero.messaging.triggers.models import ProductWatch
from prefero.messaging.triggers.schemas import WatchKind, WatchOut

__all__ = ["exported_watches", "is_watching", "put_watch", "unwatch", "watches"]


def _out(row: ProductWatch, title: str) -> WatchOut:
    return WatchOut(product_id=row.product_id, title=title,
                    what=row.what,  # checked by the table
                    created_at=row.created_at)


def watches(session: Session, *, customer_id: str) -> list[WatchOut]:
    """The customer's watches, newest first; ``NotFound`` for a customer never seen.

    >>> [w.product_id for w in watches(session, customer_id="c1")]  # doctest: +SKIP
    ['sku-2', 'sku-1']
    """
    require_customer(session, customer_id)
    return exported_watches(session, customer_id)


def exported_watches(session: Session, customer_id: str) -> list[WatchOut]:
    """The customer's watches for the data export (none for an unknown customer).

    >>> exported_watches(session, "c1")[0].what  # doctest: +SKIP
    'both'
    """
    rows = session.execute(
        select(ProductWatch, Product.title).join(Product, Product.id == ProductWatch.product_id)
        .where(ProductWatch.customer_id == customer_id)
        .order_by(ProductWatch.created_at.desc(), ProductWatch.id.desc()))
    return [_out(row, title) for row, title in rows]


def is_watching(session: Session, *, customer_id: str, product_id: str) -> WatchKind | None:
    """What the customer watches the product for, or ``None``."""
    what = session.scalar(select(ProductWatch.what).where(
        ProductWatch.customer_id == customer_id, ProductWatch.product_id == product_id))
    return what  # type: ignore[return-value]  # checked by the table


def put_watch(session: Session, *, customer_id: str, product_id: str, what: WatchKind,
              now: datetime) -> tuple[WatchOut, bool]:
    """Watch a product (or change what for); returns the watch and whether it is new.
    Creates the customer; ``NotFound`` for a product the catalogue does not hold.

    >>> put_watch(session, customer_id="c1", product_id="sku-1", what="price",
    ...           now=now)[1]  # doctest: +SKIP
    True
    """
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"there is no product with id {product_id!r}")
    ensure_customers(session, {customer_id: False})
    existed = is_watching(session, customer_id=customer_id, product_id=product_id) is not None
    # An upsert: two requests for the same watch at once both succeed, the last one wins.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ProductWatch).values(
        customer_id=customer_id, product_id=product_id, what=what, created_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=["customer_id", "product_id"], set_={"what": what}))
    row = session.scalars(select(ProductWatch).where(
        ProductWatch.customer_id == customer_id, ProductWatch.product_id == product_id)
        .execution_options(populate_existing=True)).one()
    created = not existed
    return _out(row, product.title), created


def unwatch(session: Session, *, customer_id: str, product_id: str) -> bool:
    """Stop watching; whether there was a watch. Idempotent.

    >>> unwatch(session, customer_id="c1", product_id="sku-1")  # doctest: +SKIP
    True
    """
    result = session.execute(delete(ProductWatch).where(
        ProductWatch.customer_id == customer_id, ProductWatch.product_id == product_id))
    return bool(getattr(result, "rowcount", 0))
