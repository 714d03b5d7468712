"""The shop's currency, and the exchange rates that bring a price in another one into it.

A shop sells in one currency (``PREFERO_SHOP_CURRENCY``). Every stored price, every budget
and every price in an answer is in it, so that a budget of 50 compares with a price of 49.99
without guessing. A product that arrives priced in another currency is converted with a
rate the shop provides (``PREFERO_CURRENCY_RATES`` or ``PREFERO_CURRENCY_RATES_FILE``) or
refused with a message that names the missing rate; nothing here ever fetches a rate.

Codes are checked against Babel's list of ISO 4217 currencies, and the number of decimals
a converted price is rounded to is the currency's minor unit as Babel (CLDR) gives it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.numbers import get_currency_precision, list_currencies

if TYPE_CHECKING:
    from prefero.config import Settings

__all__ = [
    "MAX_PRICE",
    "MAX_STORED_DECIMALS",
    "RATES_FILE_VARIABLE",
    "RATES_VARIABLE",
    "SHOP_CURRENCY_VARIABLE",
    "CurrencyConverter",
    "NoRate",
    "currency_code",
    "exchange_rate",
    "minor_digits",
    "parse_rates",
    "read_rates_file",
    "shop_currency_code",
]

SHOP_CURRENCY_VARIABLE = "PREFERO_SHOP_CURRENCY"
RATES_VARIABLE = "PREFERO_CURRENCY_RATES"
RATES_FILE_VARIABLE = "PREFERO_CURRENCY_RATES_FILE"
# Prices are stored as NUMERIC(14, 2): a shop currency whose minor unit has more digits
# (KWD, BHD...) could not keep its prices exactly, so it is refused at start.
MAX_STORED_DECIMALS = 2
# The largest amount NUMERIC(14, 2) holds; a conversion past it is refused, not truncated.
MAX_PRICE = Decimal("999999999999.99")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_code(value: str) -> str:
    """``value`` as an ISO 4217 code Babel knows, upper-cased; ``ValueError`` otherwise.

    >>> currency_code(" eur ")
    'EUR'
    >>> currency_code("ZLOTY")
    Traceback (most recent call last):
    ...
    ValueError: 'ZLOTY' is not an ISO 4217 currency code (e.g. PLN, EUR, USD)
    """
    code = value.strip().upper()
    if len(code) != 3 or code not in _known():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. PLN, EUR, USD)")
    return code


def minor_digits(code: str) -> int:
    """Decimals of the currency's minor unit (CLDR): 2 for PLN, 0 for JPY, 3 for KWD.

    >>> minor_digits("PLN"), minor_digits("JPY"), minor_digits("KWD")
    (2, 0, 3)
    """
    return int(get_currency_precision(code))


def shop_currency_code(value: str) -> str:
    """A code the shop may sell in: ISO 4217 and no more decimals than prices are stored
    with. The message names the variable, since this is checked when settings load.

    >>> shop_currency_code("pln")
    'PLN'
    >>> shop_currency_code("KWD")
    Traceback (most recent call last):
    ...
    ValueError: PREFERO_SHOP_CURRENCY: KWD has 3 decimals in its minor unit; prices are stored with at most 2
    """  # noqa: E501
    try:
        code = currency_code(value)
    except ValueError as exc:
        raise ValueError(f"{SHOP_CURRENCY_VARIABLE}: {exc}") from None
    if minor_digits(code) > MAX_STORED_DECIMALS:
        raise ValueError(f"{SHOP_CURRENCY_VARIABLE}: {code} has {minor_digits(code)} decimals in "
                         f"its minor unit; prices are stored with at most {MAX_STORED_DECIMALS}")
    return code


def exchange_rate(value: Any, *, source: str = RATES_VARIABLE) -> Decimal:
    """One rate: a positive, finite number (a JSON number or a decimal string).

    >>> exchange_rate("4.3"), exchange_rate(0.25)
    (Decimal('4.3'), Decimal('0.25'))
    >>> exchange_rate(0)
    Traceback (most recent call last):
    ...
    ValueError: PREFERO_CURRENCY_RATES: a rate must be a positive number, got 0
    """
    try:
        # str() first: a float's repr (4.3) is the number the person wrote, its binary
        # value (4.29999...) is not.
        rate = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError, TypeError):
        rate = Decimal(0)
    if isinstance(value, bool) or not rate.is_finite() or rate <= 0:
        raise ValueError(f"{source}: a rate must be a positive number, got {value!r}")
    return rate


def parse_rates(raw: Any, *, source: str = RATES_VARIABLE) -> dict[str, Decimal]:
    """A JSON object of rates, checked: ISO 4217 keys (upper-cased), positive values.

    >>> parse_rates({"eur": 4.3, "USD": "3.95"})
    {'EUR': Decimal('4.3'), 'USD': Decimal('3.95')}
    """
    if not isinstance(raw, Mapping):
        raise ValueError(f'{source}: expected a JSON object such as {{"EUR": 4.3}}')
    rates: dict[str, Decimal] = {}
    for key, value in raw.items():
        try:
            code = currency_code(str(key))
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
        rates[code] = exchange_rate(value, source=f"{source} {code}")
    return rates


def read_rates_file(path: Path) -> dict[str, Decimal]:
    """The rates in a JSON file shaped like ``{"EUR": 4.3, "USD": "3.95"}``: one unit of
    each currency is worth that many units of the shop's.

    >>> from tempfile import NamedTemporaryFile
    >>> with NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     _ = f.write('{"eur": 4.3}')
    >>> read_rates_file(Path(f.name))
    {'EUR': Decimal('4.3')}
    """
    source = f"{RATES_FILE_VARIABLE} ({path})"
    try:
        # Decimal for every number: 4.3 in the file is 4.3, not the nearest double.
        raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise ValueError(f"{source}: cannot be read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{source}: not a JSON object of rates: {exc}") from None
    return parse_rates(raw, source=source)


class NoRate(ValueError):
    """A price in a currency the shop has no rate for."""


@dataclass(frozen=True, slots=True)
class CurrencyConverter:
    """Prices in other currencies, converted into the shop's.

    ``rates[code]`` is what one unit of ``code`` is worth in the shop's currency; ``source``
    names where the rates came from, for messages.

    >>> money = CurrencyConverter("PLN", {"EUR": Decimal("4.3")})
    >>> money.convert(Decimal("89.90"), "EUR")
    Decimal('386.57')
    >>> money.convert(Decimal("10"), "USD")
    Traceback (most recent call last):
    ...
    prefero.currency.NoRate: the price is in USD; the shop sells in PLN and PREFERO_CURRENCY_RATES has no USD rate
    """  # noqa: E501

    shop: str
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    source: str = RATES_VARIABLE

    @classmethod
    def from_settings(cls, settings: Settings) -> CurrencyConverter:
        """The converter the settings describe (a rates file is read now)."""
        if settings.currency_rates_file is not None:
            path = settings.currency_rates_file
            return cls(settings.shop_currency, read_rates_file(path),
                       f"{RATES_FILE_VARIABLE} ({path})")
        return cls(settings.shop_currency, dict(settings.currency_rates), RATES_VARIABLE)

    def rate(self, currency: str) -> Decimal:
        """One unit of ``currency`` in the shop's currency (1 for the shop's own)."""
        if currency == self.shop:
            return Decimal(1)
        rate = self.rates.get(currency)
        if rate is None:
            raise NoRate(f"the price is in {currency}; the shop sells in {self.shop} and "
                         f"{self.source} has no {currency} rate")
        return rate

    def convert(self, amount: Decimal, currency: str) -> Decimal:
        """``amount`` of ``currency`` in the shop's currency, rounded half up to the shop
        currency's minor unit. ``NoRate`` without a rate; ``ValueError`` when the result
        is larger than a price can be."""
        if currency == self.shop:
            return amount
        step = Decimal(1).scaleb(-min(minor_digits(self.shop), MAX_STORED_DECIMALS))
        converted = (amount * self.rate(currency)).quantize(step, rounding=ROUND_HALF_UP)
        if converted > MAX_PRICE:
            raise ValueError(f"{amount} {currency} is {converted} {self.shop}, more than a "
                             f"price can be (at most {MAX_PRICE})")
        return converted

    def convert_prices(self, price: Decimal, sale_price: Decimal | None, currency: str
                       ) -> tuple[Decimal, Decimal | None]:
        """A product's price and sale price (if any) in the shop's currency, as ``convert``.

        >>> CurrencyConverter("PLN", {"EUR": Decimal("4.3")}).convert_prices(
        ...     Decimal("89.90"), None, "EUR")
        (Decimal('386.57'), None)
        """
        return (self.convert(price, currency),
                None if sale_price is None else self.convert(sale_price, currency))
