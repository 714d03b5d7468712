"""Text as it comes in: what can be stored at all, what is refused as invisible, and the one
normal form in which facet values (the product's and the customer's rules alike) compare.

Every entry point (the JSON API's schemas, feed rows, the CLI, the preference center) goes
through these functions, so that a value means the same thing whichever door it came in by:
a rule ``ＧＬＵＴＥＮ`` must exclude the products a feed tagged ``gluten``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

__all__ = [
    "InvisibleCharacter",
    "Normalization",
    "StoredText",
    "UnstorableText",
    "VisibleText",
    "check_storable",
    "check_visible",
    "fold",
    "normalize_text",
    "storable_field",
    "visible_field",
]

Normalization = Literal["casefold", "nfkc"]
"""How a facet's values are brought to their compared form: ``nfkc`` folds compatibility
forms (full-width letters, ligatures, superscripts) and collapses spaces; ``casefold`` does
that and also folds case (``ＧＬＵＴＥＮ`` → ``gluten``)."""


class UnstorableText(ValueError):
    """Text that no database column can hold: a NUL (PostgreSQL refuses it in text and JSON)
    or a lone surrogate (not UTF-8 at all)."""


class InvisibleCharacter(ValueError):
    """A value carries a character nobody can see (zero-width, bidi control, soft hyphen...):
    ``glu\\u200bten`` looks like ``gluten`` and matches nothing, so a rule with it would
    silently do nothing. Refused rather than stripped, because the sender should know."""

    def __init__(self, char: str) -> None:
        self.char = char
        name = unicodedata.name(char, "a control character")
        super().__init__(f"contains an invisible or control character (U+{ord(char):04X} "
                         f"{name}); remove it")


def check_storable(text: str) -> str:
    """Return ``text`` when a database can store it, else raise :class:`UnstorableText`.

    >>> check_storable("Trail Runner 2")
    'Trail Runner 2'
    >>> check_storable("A\\x00B")
    Traceback (most recent call last):
    ...
    prefero.text.UnstorableText: must not contain NUL characters
    """
    if "\x00" in text:
        raise UnstorableText("must not contain NUL characters")
    # Feeds send millions of cells through here: a regex scan, not a Python loop per character.
    if not text.isascii() and _SURROGATE.search(text):
        raise UnstorableText("must not contain lone surrogates (not valid Unicode text)")
    return text


def storable_field(text: str) -> str:
    """:func:`check_storable` for a pydantic validator: the error is a custom one, because
    pydantic prefixes a ValueError's message with "Value error, "."""
    try:
        return check_storable(text)
    except UnstorableText as exc:
        raise PydanticCustomError("string_unstorable", str(exc)) from None


StoredText = Annotated[str, AfterValidator(storable_field)]
"""A free-text field (a title, a description, an id): anything printable or not, except what
cannot be stored. Validation errors carry the field's path like any other."""

_SURROGATE = re.compile("[\ud800-\udfff]")
# The ASCII controls that are not whitespace: all an ASCII value can hide.
_ASCII_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f]")

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) outside the Cf category:
# rendered as nothing, yet distinct code points. (Cf, e.g. U+200B, U+202E, U+2066, U+FEFF,
# U+00AD, is refused by category.)
_IGNORABLE_RANGES = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Whitespace is not invisible in this sense: values collapse runs of it to one space.
_ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")


def _invisible(char: str) -> bool:
    if char in _ALLOWED_CONTROLS:
        return False
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def check_visible(text: str) -> str:
    """Return ``text`` when every character shows, else raise :class:`InvisibleCharacter`
    (controls other than whitespace, format characters such as zero-width spaces and bidi
    overrides, variation selectors, private use). NUL and lone surrogates are refused too.

    >>> check_visible("gluten free")
    'gluten free'
    >>> check_visible("glu\\u200bten")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    prefero.text.InvisibleCharacter: ... (U+200B ZERO WIDTH SPACE); remove it
    """
    if text.isascii():
        # The common case, and the hot one (every feed cell): one regex scan.
        if found := _ASCII_INVISIBLE.search(text):
            if found.group() == "\x00":
                check_storable(text)
            raise InvisibleCharacter(found.group())
        return text
    check_storable(text)
    for char in text:
        if _invisible(char):
            raise InvisibleCharacter(char)
    return text


def fold(text: str, how: Normalization = "casefold") -> str:
    """The compared form of one value: NFKC, runs of whitespace as one space, trimmed, and
    case-folded when ``how`` says so (after NFKC, then NFKC again: folding can undo it).
    Checks nothing: for values already stored, and for lookups that must not fail.

    >>> fold("Ｇｌｕｔｅｎ  Free")
    'gluten free'
    """
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    if how == "casefold":
        text = unicodedata.normalize("NFKC", text.casefold())
    return text


def visible_field(text: str) -> str:
    """:func:`check_visible` for a pydantic validator (see :func:`storable_field`)."""
    try:
        return check_visible(text)
    except ValueError as exc:
        raise PydanticCustomError("string_invisible", str(exc)) from None


VisibleText = Annotated[str, AfterValidator(visible_field)]
"""A name or code (an id, a brand, a facet value): refuses invisible characters too."""


def normalize_text(text: str, how: Normalization = "casefold") -> str:
    """:func:`fold` for a value coming in: invisible characters are refused
    (:func:`check_visible`) instead of guessing what was meant.

    >>> normalize_text("ＧＬＵＴＥＮ")
    'gluten'
    >>> normalize_text("  Ｇｌｕｔｅｎ-ﬁbre ", "nfkc")
    'Gluten-fibre'
    >>> normalize_text("STRASSE") == normalize_text("Straße")
    True
    """
    return fold(check_visible(text), how)
