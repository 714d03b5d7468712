"""Whole numbers typed into (or posted by) the shop's forms.

``str.isdigit()`` is true for "²" and "٣", which ``int()`` then refuses or reads as a digit
the form never offered; a long run of digits makes ``int()`` slow or refuse too. Every form
number is read here instead: ASCII digits only, a bounded length, a bounded value, and
``None`` for anything else, so that the route answers its own "enter a whole number" (422)
and never a 500.
"""

from __future__ import annotations

__all__ = ["MAX_DIGITS", "whole_number"]

#: The most digits read (leading zeros included): more than any form field here needs, few
#: enough that ``int()`` stays trivial.
MAX_DIGITS = 12


def whole_number(text: str, *, most: int, least: int = 0) -> int | None:
    """The whole number ``text`` spells in ASCII digits (spaces around allowed), when it lies
    in ``least``..``most``; ``None`` otherwise (empty, a sign, a decimal point, "²", too long,
    out of range).

    >>> whole_number(" 42 ", most=100)
    42
    >>> whole_number("\\u00b2", most=100) is None  # "²": a digit to str.isdigit, not to int()
    True
    >>> whole_number("101", most=100) is None, whole_number("0", least=1, most=7) is None
    (True, True)
    >>> whole_number("-1", most=100) is None, whole_number("", most=100) is None
    (True, True)
    """
    value = text.strip()
    if not value or len(value) > MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if least <= number <= most else None
