"""Polish copy addresses the shopper without assuming gender (issue 11).

Polish marks gender in the past tense and the conditional of the second person ("wybrałeś" /
"wybrałaś", "żebyś mógł"), in the first person the shopper speaks on buttons ("Tylko to, co
powiedziałem"), and in adjectives and participles that describe the shopper ("zalogowany",
"jesteś pewna"). The shop's copy uses forms that hold for everyone instead: impersonal ones
("Wybrano", "Zapisano", "Po zalogowaniu"), the present and future tense ("Możesz", "podasz"),
nouns ("Twój wybór", "Twoja aktywność"). Third-person forms about things ("produkt został
usunięty", "odpowiedź odrzuciła") are not about the shopper and stay allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from prefero.i18n.catalogues import catalogue

# Python's \w and \b are Unicode-aware: "ł" and "ś" are word characters, so each pattern
# matches whole words only.
_ADVERB = r"(?:(?:już|teraz|też|także|nie|wtedy|zawsze)\s+)?"
# Nouns whose instrumental case ends like a first-person past form ("z udziałem", "kanałem").
_NOT_VERBS = (r"(?!(?:prze|od|roz|pod|u)?dzia(?:łem|łam)\b|materiałem\b|kanałem\b|ciałem\b"
              r"|upałem\b|zapałem\b|szałem\b|wałem\b|pyłem\b|tyłem\b)")

GENDERED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("second-person past tense", re.compile(r"\b\w+ł[ae]ś\b", re.IGNORECASE)),
    ("second-person conditional", re.compile(r"\b\w*byś\b", re.IGNORECASE)),
    ("second-person plural past", re.compile(r"\b\w+(?:liście|łyście)\b", re.IGNORECASE)),
    ("first-person past in the shopper's voice",
     re.compile(rf"\b{_NOT_VERBS}\w+[aiyąę]ł(?:em|am)\b", re.IGNORECASE)),
    ("adjective or participle after “jesteś/będziesz”",
     re.compile(rf"\b(?:jesteś|będziesz|zostaniesz)\s+{_ADVERB}(?:\w+ł|\w{{3,}}[ya]|pewien|sam)\b",
                re.IGNORECASE)),
    ("participle describing the shopper",
     re.compile(r"\b(?:(?:za|wy)logowan|zarejestrowan|zainteresowan|zadowolon)[ya]\b",
                re.IGNORECASE)),
    ("“sam/sama” with a second-person verb",
     re.compile(r"\bsama?\s+(?:(?:tego|to|je|go|ją|nie|się|sobie|też|już)\s+){0,2}"
                r"\w+(?:asz|esz|isz|ysz)\b|\b\w+(?:asz|esz|isz|ysz)\s+sama?\b",
                re.IGNORECASE)),
    # Case-sensitive: the formal address is capitalised, and it assumes a gender too.
    ("formal “Pan/Pani”", re.compile(r"\bPa(?:n|ni|na|nu|nią|nem)\b")),
)


def gendered_forms(text: str) -> list[str]:
    """Each gendered form in ``text`` with what kind it is, e.g. "wybrałeś (second-person
    past tense)"."""
    return [f"{found.group(0)} ({kind})" for kind, pattern in GENDERED
            for found in pattern.finditer(text)]


def _polish_strings() -> Iterator[tuple[str, str]]:
    """(msgid, translation) of every Polish message, each plural form on its own."""
    for message in catalogue("pl"):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = (message.string,) if isinstance(message.string, str) else message.string
        for string in strings or ():
            if string:
                yield key, string


def test_no_polish_translation_assumes_the_shoppers_gender() -> None:
    found = [f"{key!r} → {string!r}: {', '.join(forms)}"
             for key, string in _polish_strings() if (forms := gendered_forms(string))]
    assert not found, "gendered Polish:\n" + "\n".join(found)


@pytest.mark.parametrize("text", [
    "Nie wybrałeś jeszcze poziomu.",
    "To, co oglądałaś wczoraj",
    "Wszystko wynika z tego, co nam powiedziałeś.",
    "Zapisałeś swoje rozmiary.",
    "żebyś nie zamknął się w bańce",
    "Czy chciałabyś to zobaczyć?",
    "Produkty, które kupiliście",
    "Tylko to, co powiedziałem",
    "Korzystaj z tego, co kupiłam",
    "Jesteś już zalogowany.",
    "zalogowana klientka",
    "Czy jesteś pewien?",
    "Jesteś gotowa?",
    "Będziesz mógł to cofnąć.",
    "Jeśli jesteś zainteresowany, zajrzyj tu.",
    "dopóki sam tego nie wybierzesz",
    "Dziękujemy, Pani Anno",
    "Czy Pan chce kontynuować?",
])
def test_the_patterns_catch_gendered_forms(text: str) -> None:
    assert gendered_forms(text)


@pytest.mark.parametrize("text", [
    "Produkt został usunięty.",
    "Nic nie zostało zmienione.",
    "Wybrano dla Ciebie",
    "Zapisano: Apple.",
    "Twój wybór",
    "Po zalogowaniu zobaczysz swoje zamówienia.",
    "Możesz to zmienić w swoich preferencjach.",
    "Najwięcej odrzuciła odpowiedź",
    "Formularz nie pochodził ze strony tego sklepu.",
    "Ten link do logowania wygasł.",
    "Twoje preferencje wraz ze źródłem",
    "Produkty z tym samym przedziałem cenowym i materiałem, z udziałem marki",
    "Wpisz hasłem",
    "ta sama cena; ten sam produkt kupisz w sklepie",
    "Pewna liczba produktów jest niedostępna.",
    "Gotowe: produkty pasujące do Twoich odpowiedzi",
    "Konto: klienckie (po zalogowaniu)",
    "Będziesz otrzymywać powiadomienia.",
    "Oto miejsce, w którym jesteś.",
    "Produkt jest na liście życzeń.",
    "Przeglądane produkty",
    "Panele słoneczne i panie… Pantone",
])
def test_the_patterns_spare_neutral_forms(text: str) -> None:
    assert not gendered_forms(text)
