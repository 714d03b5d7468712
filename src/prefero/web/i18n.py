"""Translations of the customer-facing pages: a ``Translator`` per language over the gettext
catalogues of ``prefero.i18n`` (English strings are the msgids), and the visitor's language
from their choice or their browser."""

from __future__ import annotations

import gettext
from decimal import Decimal

from starlette.requests import Request

from prefero.i18n.catalogues import translations
from prefero.i18n.formats import money, number
from prefero.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, negotiate

__all__ = ["LANGUAGES", "Translator", "language_of", "translator"]


class Translator:
    """``t("Why this?")`` gives the text in the visitor's language, English when missing;
    ``t.plural(one, many, n)`` picks the language's plural form of ``n`` (Polish has three).

    >>> translator("pl")("Why this?"), translator("en")("Why this?")
    ('Dlaczego to?', 'Why this?')
    >>> hidden = "{n} product hidden by your preferences", "{n} products hidden by your preferences"
    >>> [translator("pl").plural(*hidden, n).split()[:2] for n in (1, 3, 5, 22)]
    [['1', 'produkt'], ['3', 'produkty'], ['5', 'produktów'], ['22', 'produkty']]
    """

    def __init__(self, language: str, catalogue: gettext.NullTranslations) -> None:
        self.language = language
        self._catalogue = catalogue

    def __call__(self, text: str, **values: object) -> str:
        translated = self._catalogue.gettext(text)
        return translated.format(**values) if values else translated

    def plural(self, one: str, many: str, n: int, **values: object) -> str:
        """``{n}`` in the chosen form is filled with ``n`` as the language writes numbers."""
        chosen = self._catalogue.ngettext(one, many, n)
        return chosen.format(**{"n": number(n, self.language), **values})

    def money(self, amount: float | Decimal, currency: str) -> str:
        return money(amount, currency, self.language)

    def number(self, value: float | int | Decimal) -> str:
        return number(value, self.language)


def translator(language: str) -> Translator:
    return Translator(language, translations(language))


def language_of(request: Request) -> str:
    """The visitor's choice (cookie), else the language their browser ranks highest."""
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return negotiate(request.headers.get("accept-language")) or DEFAULT_LANGUAGE
