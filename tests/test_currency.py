"""The shop currency, exchange rates and conversion."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prefero.currency import (
    MAX_PRICE,
    CurrencyConverter,
    NoRate,
    currency_code,
    exchange_rate,
    parse_rates,
    read_rates_file,
    shop_currency_code,
)

AMOUNTS = st.decimals(min_value=0, max_value=1_000_000, places=2)
RATES = st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4)


def test_codes_come_from_babels_list() -> None:
    assert [currency_code(c) for c in ("pln", " EUR ", "JPY")] == ["PLN", "EUR", "JPY"]
    for wrong in ("ZLOTY", "ZZZ", "", "zł"):
        with pytest.raises(ValueError, match="not an ISO 4217 currency code"):
            currency_code(wrong)


def test_a_shop_currency_needs_a_minor_unit_prices_can_store() -> None:
    assert shop_currency_code("jpy") == "JPY"
    with pytest.raises(ValueError, match=r"^PREFERO_SHOP_CURRENCY: 'ABC' is not an ISO"):
        shop_currency_code("ABC")
    with pytest.raises(ValueError, match="KWD has 3 decimals"):
        shop_currency_code("KWD")


def test_conversion_rounds_half_up_to_the_shop_currencys_minor_unit() -> None:
    pln = CurrencyConverter("PLN", {"EUR": Decimal("0.1"), "USD": Decimal("3.95")})
    # 0.25 × 0.1 = 0.025: half up gives 0.03 (half even would give 0.02).
    assert pln.convert(Decimal("0.25"), "EUR") == Decimal("0.03")
    assert pln.convert(Decimal("12.34"), "USD") == Decimal("48.74")  # 48.743
    yen = CurrencyConverter("JPY", {"EUR": Decimal("161.5")})
    assert yen.convert(Decimal("89.90"), "EUR") == Decimal("14519")  # 14518.85, no decimals
    assert pln.convert(Decimal("7.77"), "PLN") == Decimal("7.77")  # the shop's own: as it is


def test_a_missing_rate_names_the_currency_and_where_rates_come_from() -> None:
    with pytest.raises(NoRate) as caught:
        CurrencyConverter("PLN").convert(Decimal(1), "EUR")
    assert str(caught.value) == ("the price is in EUR; the shop sells in PLN and "
                                 "PREFERO_CURRENCY_RATES has no EUR rate")
    from_file = CurrencyConverter("PLN", {}, "PREFERO_CURRENCY_RATES_FILE (rates.json)")
    with pytest.raises(NoRate, match=r"PREFERO_CURRENCY_RATES_FILE \(rates.json\) has no GBP"):
        from_file.rate("GBP")


def test_a_conversion_past_the_largest_price_is_refused() -> None:
    converter = CurrencyConverter("IDR", {"EUR": Decimal("17000")})
    with pytest.raises(ValueError, match="more than a price can be"):
        converter.convert(Decimal("999999999.99"), "EUR")
    assert converter.convert(Decimal(1), "EUR") <= MAX_PRICE


@given(amount=AMOUNTS, other=AMOUNTS, rate=RATES)
def test_conversion_is_within_half_a_grosz_and_keeps_the_order_of_prices(
        amount: Decimal, other: Decimal, rate: Decimal) -> None:
    converter = CurrencyConverter("PLN", {"EUR": rate})
    converted = converter.convert(amount, "EUR")
    assert abs(converted - amount * rate) <= Decimal("0.005")
    assert converted.as_tuple().exponent == -2
    # A sale price at or below the price stays at or below it once both are converted.
    low, high = sorted((amount, other))
    assert converter.convert(low, "EUR") <= converter.convert(high, "EUR")


def test_rates_are_positive_numbers_by_iso_code() -> None:
    assert parse_rates({"eur": 4.3, "USD": "3.95"}) == {"EUR": Decimal("4.3"),
                                                        "USD": Decimal("3.95")}
    assert exchange_rate(4.3) == Decimal("4.3")  # the number written, not the double's digits
    for wrong in (0, -1, "abc", "NaN", "Infinity", True, None):
        with pytest.raises(ValueError, match="a rate must be a positive number"):
            exchange_rate(wrong)
    with pytest.raises(ValueError, match=r"^PREFERO_CURRENCY_RATES: 'EURO' is not an ISO"):
        parse_rates({"EURO": 4.3})
    with pytest.raises(ValueError, match="expected a JSON object"):
        parse_rates([4.3])


def test_a_rates_file_is_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text('{"EUR": 4.2875, "usd": "3.95"}', encoding="utf-8")
    assert read_rates_file(path) == {"EUR": Decimal("4.2875"), "USD": Decimal("3.95")}
    path.write_text("EUR=4.3", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^PREFERO_CURRENCY_RATES_FILE \(.*rates.json\): not "
                                         "a JSON object of rates"):
        read_rates_file(path)
    with pytest.raises(ValueError, match="cannot be read"):
        read_rates_file(tmp_path / "missing.json")
