"""The deterministic demo shop: a multi-vertical catalog, customers who declare (some of) what
they want, consent-aware behaviour, and a fast loader.

>>> from datetime import UTC, datetime
>>> shop = generate_demo(seed=7, products=100, customers=20,
...                      anchor=datetime(2026, 1, 1, tzinfo=UTC))
>>> len(shop.products), len(shop.customers)
(100, 20)
"""

from prefero.demo.loader import DemoSummary, load_demo
from prefero.demo.shop import DemoShop, generate_demo

__all__ = ["DemoShop", "DemoSummary", "generate_demo", "load_demo"]
