"""Imports every ORM module so that ``Base.metadata`` is complete (Alembic, tests)."""

from prefero.catalog.models import Product, Revision
from prefero.customers.models import ConsentRecord, Customer, Preference
from prefero.db.base import Base
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.privacy.models import ErasureReceipt

__all__ = [
    "Base",
    "ConsentRecord",
    "Customer",
    "ErasureReceipt",
    "Event",
    "EventReceipt",
    "Preference",
    "Product",
    "ProductActivity",
    "Revision",
]
