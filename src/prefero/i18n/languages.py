"""The languages shoppers are served in, and the choice of one from ``Accept-Language``."""

from __future__ import annotations

from babel.core import negotiate_locale

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "negotiate"]

LANGUAGES = ("en", "pl")
DEFAULT_LANGUAGE = "en"


def _quality(parameters: list[str]) -> float | None:
    """The ``q`` parameter of one header entry (1 when absent); None when malformed."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return None
            return quality if 0.0 <= quality <= 1.0 else None
    return 1.0


def negotiate(header: str | None) -> str:
    """The supported language an ``Accept-Language`` header ranks highest: entries sorted by
    q-value (the header's order breaks ties), ``q=0`` meaning "not this one", a region
    (``pl-PL``) matching its language; English when nothing matches.

    >>> negotiate("pl;q=0.1, en")
    'en'
    >>> negotiate("de-DE, pl-PL;q=0.8, en;q=0.5")
    'pl'
    >>> negotiate("pl;q=0, *")
    'en'
    >>> negotiate("pl;q=nonsense, xx")
    'en'
    """
    ranked: list[tuple[float, int, str]] = []
    for order, entry in enumerate((header or "").split(",")):
        tag, *parameters = entry.split(";")
        tag = tag.strip()
        quality = _quality(parameters)
        if tag and tag != "*" and quality:
            ranked.append((-quality, order, tag))
    preferred = [tag for _, _, tag in sorted(ranked)]
    return negotiate_locale(preferred, LANGUAGES, sep="-") or DEFAULT_LANGUAGE
