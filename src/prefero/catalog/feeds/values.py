"""Parsers for the Merchant Center attribute values that need more than trimming.

Each raises ``ValueError`` with a message meant for the person who maintains the feed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = [
    "first_category",
    "normalize_availability",
    "normalize_condition",
    "parse_amount",
    "parse_price",
    "split_image_links",
]

_AVAILABILITY = {
    "instock": "in_stock",
    "outofstock": "out_of_stock",
    "preorder": "preorder",
    "backorder": "backorder",
    # schema.org ItemAvailability values that shops put in feeds generated from JSON-LD.
    "limitedavailability": "in_stock",
    "onlineonly": "in_stock",
    "soldout": "out_of_stock",
    "discontinued": "out_of_stock",
    "presale": "preorder",
}

_CONDITION = {
    "new": "new",
    "newcondition": "new",
    "used": "used",
    "usedcondition": "used",
    "refurbished": "refurbished",
    "refurbishedcondition": "refurbished",
}


def _squash(raw: str) -> str:
    """'in stock', 'in_stock', 'InStock' and 'https://schema.org/InStock' all → 'instock'."""
    tail = raw.strip().rstrip("/").rsplit("/", 1)[-1]
    return "".join(char for char in tail.casefold() if char.isalpha())


def normalize_availability(raw: str) -> str:
    """Map the spellings shops use onto in_stock, out_of_stock, preorder or backorder.

    >>> [normalize_availability(v) for v in ("in stock", "InStock", "http://schema.org/OutOfStock")]
    ['in_stock', 'in_stock', 'out_of_stock']
    """
    value = _AVAILABILITY.get(_squash(raw))
    if value is None:
        raise ValueError(
            f"unknown availability {raw.strip()!r}; use in_stock, out_of_stock, preorder "
            "or backorder"
        )
    return value


def normalize_condition(raw: str) -> str:
    """Map new, refurbished, used and their schema.org forms onto the stored values.

    >>> normalize_condition("https://schema.org/RefurbishedCondition")
    'refurbished'
    """
    value = _CONDITION.get(_squash(raw))
    if value is None:
        raise ValueError(f"unknown condition {raw.strip()!r}; use new, refurbished or used")
    return value


# Currencies whose minor unit has three digits: for them "1.299" may well be a price.
_THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_PRICE = re.compile(r"([A-Za-z]{3})?\s*([-+]?\d[\d\s.,'\u2019]*?)\s*([A-Za-z]{3})?")
_GROUPS = re.compile(r"[1-9]\d{0,2}(?:X\d{2,3})*X\d{3}")


def parse_amount(number: str, *, currency: str | None = None) -> Decimal:
    """Parse an amount written with '.' or ',' as the decimal mark and any of '.', ',',
    space or apostrophe between thousands.

    A lone separator followed by exactly three digits ("1,299", "1.299") separates
    thousands: prices are stored with two decimals, so it cannot be a decimal mark,
    except in the few currencies with three-digit minor units, where it is refused.

    >>> [str(parse_amount(n)) for n in ("12.99", "12,99", "1.299,00", "1,299.00", "1 299", "1,299")]
    ['12.99', '12.99', '1299.00', '1299.00', '1299', '1299']
    """
    text = "".join(number.split()).replace("'", "").replace("\u2019", "")
    if text.startswith("-"):
        raise ValueError("must not be negative")
    text = text.removeprefix("+")
    dot, comma = text.rfind("."), text.rfind(",")
    decimal_mark: str | None
    thousands: str | None
    if dot >= 0 and comma >= 0:
        decimal_mark = "." if dot > comma else ","
        thousands = "," if decimal_mark == "." else "."
    elif dot >= 0 or comma >= 0:
        mark = "." if dot >= 0 else ","
        digits_after = len(text) - text.rfind(mark) - 1
        grouped = text.count(mark) > 1 or (
            digits_after == 3 and _GROUPS.fullmatch(text.replace(mark, "X")) is not None
        )
        if grouped and text.count(mark) == 1 and currency in _THREE_DECIMAL_CURRENCIES:
            raise ValueError(
                f"{number.strip()!r} is ambiguous in {currency}; write it with both marks "
                f"(e.g. 1,299.000) or without thousands separators"
            )
        decimal_mark, thousands = (None, mark) if grouped else (mark, None)
    else:
        decimal_mark, thousands = None, None
    whole, _, fraction = text.partition(decimal_mark) if decimal_mark else (text, "", "")
    if thousands:
        if _GROUPS.fullmatch(whole.replace(thousands, "X")) is None:
            raise ValueError(f"{number.strip()!r} has misplaced thousands separators")
        whole = whole.replace(thousands, "")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"{number.strip()!r} is not a number")
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:  # pragma: no cover - isdigit() above rules it out
        raise ValueError(f"{number.strip()!r} is not a number") from None


def parse_price(raw: str, *, currency: str | None = None) -> tuple[Decimal, str | None]:
    """Parse a Merchant Center price: amount and ISO 4217 code in either order.

    ``currency`` is the code to assume when the value has none (a separate column);
    the result's code is ``None`` when neither gives one.

    >>> parse_price("1.299,00 PLN")
    (Decimal('1299.00'), 'PLN')
    >>> parse_price("usd 12.99")
    (Decimal('12.99'), 'USD')
    >>> parse_price("12,99", currency="EUR")
    (Decimal('12.99'), 'EUR')
    """
    text = " ".join(raw.split())
    match = _PRICE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a price; write the amount and an ISO 4217 currency code, "
            "e.g. '12.99 USD'"
        )
    before, number, after = match.groups()
    if before and after:
        raise ValueError(f"{text!r} names two currencies")
    code = (before or after or "").upper() or None
    if code and currency and code != currency.upper():
        raise ValueError(f"{text!r} is in {code} but the currency is {currency.upper()}")
    code = code or (currency.upper() if currency else None)
    return parse_amount(number, currency=code), code


def split_image_links(values: list[str]) -> list[str]:
    """Additional image links come comma-separated and/or repeated; a comma inside a URL
    (it happens, in CDN resize parameters) does not split it.

    >>> split_image_links(["https://a/1.jpg, https://a/2,w_200.jpg", "https://a/1.jpg"])
    ['https://a/1.jpg', 'https://a/2,w_200.jpg']
    """
    links: list[str] = []
    for value in values:
        links.extend(part.strip() for part in re.split(r",\s*(?=[a-z][a-z0-9+.-]*://)", value))
    return list(dict.fromkeys(link for link in links if link))


def first_category(values: list[str]) -> str:
    """The first product_type when several are given (repeated, or comma-separated).

    Category names may contain commas ("Food, Beverages & Tobacco"), so a comma splits
    only when every part is itself a path.

    >>> first_category(["Home > Garden, Home > Kitchen"])
    'Home > Garden'
    >>> first_category(["Food, Beverages & Tobacco > Beverages"])
    'Food, Beverages & Tobacco > Beverages'
    """
    first = values[0]
    parts = [part.strip() for part in first.split(",")]
    if len(parts) > 1 and all(">" in part for part in parts):
        return parts[0]
    return first.strip()


