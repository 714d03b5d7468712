"""Money and numbers as the shopper's language writes them (CLDR data through Babel)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

__all__ = ["money", "number"]


def money(amount: float | Decimal, currency: str, language: str) -> str:
    """``amount`` of ``currency`` with its symbol, grouping and decimals.

    >>> money(1299, "PLN", "pl"), money(89.9, "EUR", "pl")
    ('1\\xa0299,00\\xa0zł', '89,90\\xa0€')
    >>> money(12345.5, "PLN", "en"), money(1_000_000, "PLN", "en")
    ('PLN12,345.50', 'PLN1,000,000.00')
    """
    return format_currency(Decimal(str(amount)), currency, locale=language)


def number(value: float | int | Decimal, language: str) -> str:
    """A plain number without trailing zeros or exponents (1e6 reads 1,000,000).

    >>> number(1e6, "en"), number(6.1, "pl"), number(24, "pl")
    ('1,000,000', '6,1', '24')
    """
    return format_decimal(Decimal(str(value)), locale=language)
