"""The Core tables an ingested batch writes, shared by both batch stores
(``prefero.events.store`` and ``prefero.events.store_postgres``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from prefero.customers.models import Customer, Preference
from prefero.events.models import Event, EventReceipt, ProductActivity

__all__ = ["COUNTERS", "CUSTOMERS", "EVENTS", "PREFERENCES", "RECEIPTS"]


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


RECEIPTS = _table(EventReceipt)
CUSTOMERS = _table(Customer)
EVENTS = _table(Event)
COUNTERS = _table(ProductActivity)
PREFERENCES = _table(Preference)
