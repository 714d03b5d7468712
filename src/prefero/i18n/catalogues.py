"""gettext catalogues: ``prefero/locales/<language>/LC_MESSAGES/messages.po``, English msgids,
plural forms from the language's CLDR rules. They are compiled in memory the first time a
language is asked for, so the repository holds no binary ``.mo`` that could fall behind its
``.po``.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from prefero.i18n.languages import DEFAULT_LANGUAGE

__all__ = ["DOMAIN", "N_", "catalogue", "translations"]

DOMAIN = "messages"


def N_(text: str) -> str:
    """Marks ``text`` for the catalogue where it is defined and translated later (a table
    of messages); returns it unchanged."""
    return text


def catalogue(language: str) -> Catalog:
    """The language's catalogue as written (untranslated entries included)."""
    source = resources.files("prefero").joinpath("locales", language, "LC_MESSAGES",
                                                 f"{DOMAIN}.po")
    if not source.is_file():
        return Catalog(locale=language, domain=DOMAIN)
    with source.open("rb") as stream:
        return read_po(stream, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """What ``gettext``/``ngettext`` answer in ``language``: an untranslated or fuzzy entry
    falls back to the English msgid, never to an empty string."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, catalogue(language), use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
