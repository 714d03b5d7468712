"""What changed in the catalogue that a customer may have asked to hear about.

The catalogue service records, in the transaction that stores the products, the changes the
message triggers watch (``prefero.messaging.triggers``): a drop of a product's effective
price (a price cut or a sale starting), a return to stock (out of stock → orderable) and a
new product. Recording them as rows, rather than letting each trigger compare snapshots,
means a trigger sees every change exactly as it was committed, in order, and can resume
after a crash from the last change it handled (its cursor).

A bulk import records a batch's changes with one multi-row insert; an unchanged product
records nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Index, Integer, Numeric, String, delete, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from prefero.db.base import Base

__all__ = [
    "CHANGE_KINDS",
    "ChangeKind",
    "ProductChange",
    "prune_changes",
    "record_availability",
    "record_changes",
]

ChangeKind = Literal["price_drop", "back_in_stock", "new"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("price_drop", "back_in_stock", "new")

#: Not orderable; every other availability (in stock, preorder, backorder) can be ordered.
_OUT = "out_of_stock"


class ProductChange(Base):
    """Catalogue data, not personal data: it names products, never a customer."""

    __tablename__ = "product_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    #: Effective prices (the sale price when there is one) before and after.
    old_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    new_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    old_availability: Mapped[str | None] = mapped_column(String(20))
    new_availability: Mapped[str | None] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        CheckConstraint("kind in ('price_drop','back_in_stock','new')", name="kind"),
        # Retention deletes the oldest changes by time.
        Index("ix_product_changes_changed_at", "changed_at"),
    )


def _effective(values: Mapping[str, Any]) -> Decimal:
    sale = values.get("sale_price")
    return Decimal(str(sale if sale is not None else values["price"]))


def _changes(before: Mapping[str, Any] | None, after: Mapping[str, Any], *,
             now: datetime) -> list[dict[str, Any]]:
    pid = str(after["id"])
    price = _effective(after)
    currency = str(after["currency"])
    availability = str(after.get("availability") or "in_stock")
    if before is None:
        return [{"product_id": pid, "kind": "new", "old_price": None, "new_price": price,
                 "currency": currency, "old_availability": None,
                 "new_availability": availability, "changed_at": now}]
    found: list[dict[str, Any]] = []
    was = _effective(before)
    # A change of currency (repricing) is a conversion, not a price cut.
    if price < was and before.get("currency") == currency:
        found.append({"product_id": pid, "kind": "price_drop", "old_price": was,
                      "new_price": price, "currency": currency,
                      "old_availability": before.get("availability"),
                      "new_availability": availability, "changed_at": now})
    if before.get("availability") == _OUT and availability != _OUT:
        found.append({"product_id": pid, "kind": "back_in_stock", "old_price": was,
                      "new_price": price, "currency": currency, "old_availability": _OUT,
                      "new_availability": availability, "changed_at": now})
    return found


def record_changes(session: Session, *, before: Mapping[str, Mapping[str, Any]],
                   after: Mapping[str, Mapping[str, Any]], now: datetime) -> int:
    """Record the watched changes between the stored values (``before``, by id; a product
    missing there is new) and the values written (``after``, by id), with one insert.
    Returns how many changes were recorded.

    >>> record_changes(session, before={"A1": {"price": 10, "sale_price": None,
    ...     "currency": "PLN", "availability": "in_stock"}}, after={"A1": {"id": "A1",
    ...     "price": 10, "sale_price": 8, "currency": "PLN", "availability": "in_stock"}},
    ...     now=now)  # doctest: +SKIP
    1
    """
    rows: list[dict[str, Any]] = []
    for pid in sorted(after):
        rows.extend(_changes(before.get(pid), after[pid], now=now))
    if rows:
        session.execute(insert(ProductChange), rows)
    return len(rows)


def record_availability(session: Session, *, product_id: str, was: str, became: str,
                        price: Decimal, currency: str, now: datetime) -> None:
    """Record a return to stock made by a stock-only update (an inventory webhook).

    >>> record_availability(session, product_id="A1", was="out_of_stock", became="in_stock",
    ...                     price=Decimal("9"), currency="PLN", now=now)  # doctest: +SKIP
    """
    record_changes(session, before={product_id: {"price": price, "sale_price": None,
                                                 "currency": currency, "availability": was}},
                   after={product_id: {"id": product_id, "price": price, "sale_price": None,
                                       "currency": currency, "availability": became}},
                   now=now)



def prune_changes(session: Session, *, before: datetime) -> int:
    """Delete the changes recorded before ``before``; how many. The triggers read changes
    within minutes of their recording, so a retention of days loses nothing they need
    (``prefero maintain`` is the place to call it).

    >>> prune_changes(session, before=now - timedelta(days=30))  # doctest: +SKIP
    1200
    """
    result = session.execute(delete(ProductChange).where(ProductChange.changed_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
