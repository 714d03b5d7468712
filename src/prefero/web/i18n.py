"""Translations of the customer-facing pages. English strings are the keys; each language has
JSON catalogues under ``locales/<lang>/`` (one per page area), merged at start."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from starlette.requests import Request

__all__ = ["LANGUAGES", "Translator", "language_of", "translator"]

LANGUAGES = ("en", "pl")


class Translator:
    """``t("Why this?")`` gives the text in the visitor's language, English when missing.

    >>> Translator("en", {})("Why this?")
    'Why this?'
    >>> Translator("pl", {"Why this?": "Dlaczego to?"})("Why this?")
    'Dlaczego to?'
    """

    def __init__(self, language: str, catalogue: dict[str, str]) -> None:
        self.language = language
        self._catalogue = catalogue

    def __call__(self, text: str, **values: object) -> str:
        translated = self._catalogue.get(text, text)
        return translated.format(**values) if values else translated


@cache
def _catalogue(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files("prefero.web").joinpath("locales", language)
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                merged.update(json.loads(entry.read_text("utf-8")))
    return merged


def translator(language: str) -> Translator:
    return Translator(language, _catalogue(language) if language != "en" else {})


def language_of(request: Request) -> str:
    """The visitor's choice (cookie), else the browser's first supported language."""
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"
