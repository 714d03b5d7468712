"""Money and numbers as the shopper's language writes them (CLDR data through Babel)."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_decimal

__all__ = ["money", "number"]

# CLDR's currency spacing: a currency sign that is not a symbol (a code such as "PLN") and
# touches a digit is set apart by a no-break space. Babel leaves this rule out, so English
# read "PLN12,345.50".
_CODE_BEFORE_DIGIT = re.compile(r"([^\W\d_]+)(?=\d)")
_CODE_AFTER_DIGIT = re.compile(r"(?<=\d)([^\W\d_]+)")


# A pure function of its arguments, called for every price of every card of a page (Babel
# works each one out from the locale's pattern: about a tenth of a product page's time).
@lru_cache(maxsize=8192, typed=True)
def money(amount: float | Decimal, currency: str, language: str) -> str:
    """``amount`` of ``currency`` with its symbol, grouping and decimals.

    >>> money(1299, "PLN", "pl"), money(89.9, "EUR", "pl")
    ('1\\xa0299,00\\xa0zł', '89,90\\xa0€')
    >>> money(12345.5, "PLN", "en"), money(-5, "PLN", "en"), money(5, "EUR", "en")
    ('PLN\\xa012,345.50', '-PLN\\xa05.00', '€5.00')
    """
    shown = format_currency(Decimal(str(amount)), currency, locale=language)
    shown = _CODE_BEFORE_DIGIT.sub("\\1\xa0", shown)
    return _CODE_AFTER_DIGIT.sub("\xa0\\1", shown)


def number(value: float | int | Decimal, language: str) -> str:
    """A plain number without trailing zeros or exponents (1e6 reads 1,000,000).

    >>> number(1e6, "en"), number(6.1, "pl"), number(24, "pl")
    ('1,000,000', '6,1', '24')
    """
    return format_decimal(Decimal(str(value)), locale=language)
