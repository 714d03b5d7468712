"""Settings: the currency variables are checked when settings load, naming the variable."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from prefero.config import Settings
from prefero.currency import CurrencyConverter


def _refused(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    return str(caught.value)


def test_the_shop_sells_in_zloty_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFERO_SHOP_CURRENCY", raising=False)
    assert Settings().shop_currency == "PLN"
    monkeypatch.setenv("PREFERO_SHOP_CURRENCY", "eur")
    assert Settings().shop_currency == "EUR"


def test_an_unknown_shop_currency_is_refused_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    message = _refused(monkeypatch, PREFERO_SHOP_CURRENCY="ZLOTY")
    assert "PREFERO_SHOP_CURRENCY: 'ZLOTY' is not an ISO 4217 currency code" in message
    message = _refused(monkeypatch, PREFERO_SHOP_CURRENCY="KWD")
    assert "PREFERO_SHOP_CURRENCY: KWD has 3 decimals" in message


def test_rates_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", '{"eur": 4.3, "USD": "3.95"}')
    settings = Settings()
    assert settings.currency_rates == {"EUR": Decimal("4.3"), "USD": Decimal("3.95")}
    converter = CurrencyConverter.from_settings(settings)
    assert (converter.shop, converter.convert(Decimal("10"), "EUR")) == ("PLN", Decimal("43.00"))


@pytest.mark.parametrize(("rates", "expected"), [
    ('{"EURO": 4.3}', "PREFERO_CURRENCY_RATES: 'EURO' is not an ISO 4217 currency code"),
    ('{"EUR": 0}', "PREFERO_CURRENCY_RATES EUR: a rate must be a positive number, got 0"),
    ('{"EUR": "x"}', "PREFERO_CURRENCY_RATES EUR: a rate must be a positive number"),
    ('{"PLN": 1}', "PREFERO_CURRENCY_RATES: PLN is the shop currency"),
])
def test_bad_rates_are_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, rates: str,
                                                   expected: str) -> None:
    assert expected in _refused(monkeypatch, PREFERO_CURRENCY_RATES=rates)


def test_rates_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text('{"EUR": 4.2875}', encoding="utf-8")
    monkeypatch.setenv("PREFERO_CURRENCY_RATES_FILE", str(path))
    converter = CurrencyConverter.from_settings(Settings())
    assert converter.rates == {"EUR": Decimal("4.2875")}
    assert converter.source == f"PREFERO_CURRENCY_RATES_FILE ({path})"

    path.write_text('{"EUR": -1}', encoding="utf-8")
    assert "a rate must be a positive number" in str(_refused(monkeypatch))
    path.unlink()
    assert f"PREFERO_CURRENCY_RATES_FILE ({path}): cannot be read" in _refused(monkeypatch)


def test_rates_in_both_places_are_refused(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text('{"EUR": 4.3}', encoding="utf-8")
    message = _refused(monkeypatch, PREFERO_CURRENCY_RATES='{"USD": 3.95}',
                       PREFERO_CURRENCY_RATES_FILE=str(path))
    assert "set PREFERO_CURRENCY_RATES or PREFERO_CURRENCY_RATES_FILE, not both" in message
