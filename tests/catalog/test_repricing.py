"""Repricing: products stored in another currency than the shop's (from before the shop set
it) are converted once, at the shop's rates, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from prefero.catalog import revisions
from prefero.catalog.models import Product
from prefero.catalog.repricing import foreign_priced, reprice_catalog
from prefero.currency import CurrencyConverter
from prefero.errors import InvalidInput
from prefero.runtime import Runtime


def _stored(runtime: Runtime, rows: list[tuple[str, str, str, str | None]]) -> None:
    """Products written straight to the table, as an import before the shop's currency
    setting left them: (id, price, currency, sale price)."""
    with runtime.session(write=True) as session:
        session.add_all(Product(id=pid, title=pid, price=Decimal(price), currency=currency,
                                sale_price=None if sale is None else Decimal(sale))
                        for pid, price, currency, sale in rows)


def _prices(runtime: Runtime) -> dict[str, tuple[str, str | None, str]]:
    with runtime.session() as session:
        return {p.id: (str(p.price), None if p.sale_price is None else str(p.sale_price),
                       p.currency)
                for p in session.scalars(select(Product))}


ROWS = [("A", "89.90", "EUR", "79.90"), ("B", "10.00", "USD", None),
        ("C", "5.00", "PLN", None), ("D", "1.99", "EUR", None)]


def test_foreign_prices_are_converted_at_the_shops_rates(runtime: Runtime) -> None:
    _stored(runtime, ROWS)
    converter = CurrencyConverter("PLN", {"EUR": Decimal("4.3125"), "USD": Decimal("3.95")})
    with runtime.session(write=True) as session:
        before = revisions.current(session)
        done = reprice_catalog(session, converter=converter)
    assert (done.converted, done.total) == ({"EUR": 2, "USD": 1}, 3)
    assert _prices(runtime) == {
        "A": ("387.69", "344.57", "PLN"),  # 89.90 × 4.3125 = 387.69375, half up
        "B": ("39.50", None, "PLN"), "C": ("5.00", None, "PLN"), "D": ("8.58", None, "PLN")}
    with runtime.session() as session:
        assert revisions.current(session) == before + 1  # snapshots notice the change
        assert foreign_priced(session, shop="PLN") == {}


def test_a_second_run_changes_nothing(runtime: Runtime) -> None:
    _stored(runtime, ROWS)
    converter = CurrencyConverter("PLN", {"EUR": Decimal("4.3"), "USD": Decimal("3.95")})
    with runtime.session(write=True) as session:
        reprice_catalog(session, converter=converter)
    once = _prices(runtime)
    with runtime.session(write=True) as session:
        before = revisions.current(session)
        assert reprice_catalog(session, converter=converter).total == 0
        assert revisions.current(session) == before
    assert _prices(runtime) == once


def test_a_currency_without_a_rate_converts_nothing(runtime: Runtime) -> None:
    _stored(runtime, ROWS)
    before = _prices(runtime)
    with pytest.raises(InvalidInput) as caught, runtime.session(write=True) as session:
        reprice_catalog(session, converter=CurrencyConverter("PLN", {"EUR": Decimal("4.3")}))
    assert [(e.loc, e.msg) for e in caught.value.errors] == [
        (("currency",), "1 product is priced in USD; PREFERO_CURRENCY_RATES has no USD "
                        "rate")]
    assert _prices(runtime) == before  # EUR was not converted either


def test_a_price_too_large_after_conversion_converts_nothing(runtime: Runtime) -> None:
    _stored(runtime, [("A", "1.00", "EUR", None), ("Z", "999999999999.00", "EUR", None)])
    before = _prices(runtime)
    with pytest.raises(InvalidInput) as caught, runtime.session(write=True) as session:
        reprice_catalog(session, converter=CurrencyConverter("PLN", {"EUR": Decimal("4.3")}))
    assert caught.value.errors[0].loc == ("products", "Z", "price")
    assert _prices(runtime) == before
