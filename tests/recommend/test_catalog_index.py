"""The catalogue snapshot keeps each item's currency, so answers name it truthfully."""

from __future__ import annotations

from decimal import Decimal

from prefero.catalog.facets import load_facet_schema
from prefero.recommend.catalog_index import ProductRow, index_products

SCHEMA = load_facet_schema()


def _row(pid: str, currency: str) -> ProductRow:
    return ProductRow(pid, pid, Decimal("9.99"), None, True, "in_stock", "Food > Snacks", None,
                      {}, None, currency)


def test_each_item_keeps_the_currency_of_its_price() -> None:
    # A product stored before the shop set its currency may still carry another one.
    index = index_products([_row("a", "PLN"), _row("b", "EUR"), _row("c", "PLN")],
                           schema=SCHEMA)
    assert [index.currency_of(i) for i in range(index.size)] == ["PLN", "EUR", "PLN"]
    assert sorted(index.currency_names) == ["EUR", "PLN"]  # one entry per code, not per item
    assert index_products([], schema=SCHEMA).currency_names == []
