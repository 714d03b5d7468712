"""Change capture: the catalogue service records price drops, returns to stock and new
products in the transaction that stores them, and nothing for anything else."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from prefero.catalog.changes import ProductChange, prune_changes
from prefero.catalog.schemas import ProductIn
from prefero.catalog.service import import_feed, set_availability, upsert_products
from prefero.errors import InvalidInput
from prefero.runtime import Runtime


def _item(pid: str, **fields: Any) -> ProductIn:
    values: dict[str, Any] = {"id": pid, "title": f"Product {pid}", "price": "10.00",
                              "currency": "PLN"}
    values.update(fields)
    return ProductIn.model_validate(values)


def _upsert(runtime: Runtime, *items: ProductIn) -> None:
    with runtime.session() as session:
        upsert_products(session, list(items), schema=runtime.facet_schema,
                        converter=runtime.currency_converter)


def _changes(runtime: Runtime) -> list[tuple[str, str, Decimal | None, Decimal | None,
                                             str | None, str | None]]:
    with runtime.session() as session:
        return [(c.product_id, c.kind, c.old_price, c.new_price, c.old_availability,
                 c.new_availability)
                for c in session.scalars(select(ProductChange).order_by(ProductChange.id))]


def test_new_products_price_drops_and_restocks_are_recorded(runtime: Runtime) -> None:
    _upsert(runtime, _item("a", price="20.00"), _item("b", availability="out_of_stock"))
    assert [(pid, kind) for pid, kind, *_ in _changes(runtime)] == [("a", "new"), ("b", "new")]
    # A sale starting on a, b back in stock, c new; then the same again changes nothing.
    _upsert(runtime, _item("a", price="20.00", sale_price="15.00"), _item("b"), _item("c"))
    _upsert(runtime, _item("a", price="20.00", sale_price="15.00"), _item("b"), _item("c"))
    assert _changes(runtime)[2:] == [
        ("a", "price_drop", Decimal("20.00"), Decimal("15.00"), "in_stock", "in_stock"),
        ("b", "back_in_stock", Decimal("10.00"), Decimal("10.00"), "out_of_stock",
         "in_stock"),
        ("c", "new", None, Decimal("10.00"), None, "in_stock"),
    ]


def test_rises_title_edits_and_sales_ending_are_not_recorded(runtime: Runtime) -> None:
    _upsert(runtime, _item("a", price="20.00", sale_price="15.00"))
    _upsert(runtime, _item("a", price="20.00", title="Renamed"))  # the sale ends: a rise
    _upsert(runtime, _item("a", price="25.00", availability="out_of_stock"))
    _upsert(runtime, _item("a", price="25.00", availability="preorder"))  # orderable again
    _upsert(runtime, _item("a", price="24.99", availability="backorder"))
    assert [kind for _, kind, *_ in _changes(runtime)] == [
        "new", "back_in_stock", "price_drop"]


def test_a_stock_only_update_records_the_restock(runtime: Runtime) -> None:
    _upsert(runtime, _item("a", availability="out_of_stock"))
    with runtime.session() as session:
        set_availability(session, "a", availability="out_of_stock")
        set_availability(session, "a", availability="in_stock")
        set_availability(session, "a", availability="in_stock")
    assert [kind for _, kind, *_ in _changes(runtime)] == ["new", "back_in_stock"]


def test_a_refused_import_records_nothing(runtime: Runtime) -> None:
    feed = b"id,title,price,currency\nx1,Tee,10.00,PLN\nx2,Bad,not-a-price,PLN\n"
    with pytest.raises(InvalidInput), runtime.session() as session:
        import_feed(session, feed, schema=runtime.facet_schema,
                    converter=runtime.currency_converter, filename="f.csv")
    assert _changes(runtime) == []


def test_a_bulk_import_records_its_changes_with_one_insert(runtime: Runtime) -> None:
    lines = ["id,title,price,currency"] + [f"p{i},T{i},10.00,PLN" for i in range(300)]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "product_changes" in statement:
            statements.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        with runtime.session() as session:
            report = import_feed(session, "\n".join(lines).encode(),
                                 schema=runtime.facet_schema,
                                 converter=runtime.currency_converter, filename="f.csv")
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
    assert report.created == 300
    assert len(statements) == 1
    assert len(_changes(runtime)) == 300


def test_old_changes_are_pruned(runtime: Runtime) -> None:
    _upsert(runtime, _item("a"))
    with runtime.session() as session:
        (change,) = session.scalars(select(ProductChange))
        recorded = change.changed_at
    with runtime.session() as session:
        assert prune_changes(session, before=recorded) == 0
        assert prune_changes(session, before=recorded + timedelta(seconds=1)) == 1
    assert _changes(runtime) == []
