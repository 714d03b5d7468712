"""What makes two words the same word to search: their stems in the shop's languages
(Snowball's English and Polish stemmers: "dresses" and "dress", "chleba" and "chleb") and
their letters without diacritics ("maslo" typed for "masło").

A word gets *keys*; two words sharing a key are forms of one word. A key names its language
(``en:dress``, ``pl:chleb``, ``~:maslo``), so that an English stem never meets a Polish one.
The catalogue's own words get keys in the catalogue's languages only
(:func:`catalogue_languages`): Polish rules read into English words join "tuna" with "tune"
and "data" with "date", which no shopper means. A shopper's word gets keys in every language
the shop speaks, since the shopper may write in any of them.

The databases cannot do this (SQLite's FTS5 has no Polish stemmer, PostgreSQL no Polish
configuration), so it happens here, the same for both.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

import Stemmer

__all__ = ["ALGORITHMS", "FOLDED", "Stems", "catalogue_languages", "fold"]

#: The shop's languages (``prefero.i18n.languages``) and their Snowball algorithms.
ALGORITHMS = {"en": "english", "pl": "polish"}
#: The key of a word's letters without their diacritics.
FOLDED = "~"
#: Stems shorter than this join no words: one or two letters left say nothing of meaning.
SHORTEST_STEM = 3
#: Letters a Polish text has and an English one has not (brand names aside).
_POLISH_LETTERS = re.compile("[ąćęłńóśźż]")
#: The share of a catalogue's distinct words with Polish letters from which it reads as
#: Polish: a Polish text has them in about a third of its words; the demo's English
#: catalogue in under 1 % (its Polish brands: Łowicz, Żywiec).
POLISH_SHARE = 0.05
# ł and đ do not decompose in Unicode: folded by hand.
_UNDECOMPOSED = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss"})


def fold(word: str) -> str:
    """``word`` without diacritics.

    >>> fold("żółć"), fold("łowicz"), fold("crème")
    ('zolc', 'lowicz', 'creme')
    """
    decomposed = unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def catalogue_languages(words: Iterable[str]) -> tuple[str, ...]:
    """The languages a catalogue's (casefolded) words are written in: English always, Polish
    when at least ``POLISH_SHARE`` of the distinct words have Polish letters.

    >>> catalogue_languages(["łowicz", *(f"bread{i}" for i in range(40))])
    ('en',)
    >>> catalogue_languages(["chleb", "żytni", "masło", "świeże"])
    ('en', 'pl')
    """
    distinct = set(words)
    polish = sum(1 for word in distinct if _POLISH_LETTERS.search(word))
    return ("en", "pl") if distinct and polish >= POLISH_SHARE * len(distinct) else ("en",)


class Stems:
    """The keys of words in ``languages``. Snowball's stemmers (PyStemmer: the C library)
    keep state while they work, so one lock lets request threads share them; a stem takes
    well under a microsecond.

    >>> stems = Stems(("en", "pl"))
    >>> sorted(stems.keys("czekoladę"))
    ['en:czekoladę', 'en~:czekolad', 'pl:czekolad', 'pl~:czekolad', '~:czekolade']
    >>> sorted(stems.keys("dresses") & stems.keys("dress"))
    ['en:dress', 'en~:dress']
    >>> sorted(stems.keys("masla") & stems.keys("masło"))
    ['pl~:masl']
    """

    def __init__(self, languages: Iterable[str]) -> None:
        self.languages = tuple(language for language in languages if language in ALGORITHMS)
        self._stemmers = [(language, Stemmer.Stemmer(ALGORITHMS[language]))
                          for language in self.languages]
        self._lock = threading.Lock()

    def keys(self, word: str) -> frozenset[str]:
        """``word``'s keys: its stem in each language (when long enough), its letters
        without diacritics and their stem (a word typed without them meets the one written
        with them: "maslo" and "masla" meet "masło")."""
        folded = fold(word)
        with self._lock:
            stems = [(language, str(stemmer.stemWord(word)))
                     for language, stemmer in self._stemmers]
            # The stem of the word as typed without diacritics: "masla" meets "masło".
            stems += [(language + FOLDED, str(stemmer.stemWord(folded)))
                      for language, stemmer in self._stemmers]
        keys = {f"{language}:{stem}" for language, stem in stems if len(stem) >= SHORTEST_STEM}
        keys.add(f"{FOLDED}:{folded}")
        return frozenset(keys)

    def stem(self, word: str, language: str) -> str:
        """``word``'s stem in ``language`` (the word itself in a language without one).

        >>> Stems(("pl",)).stem("makaronu", "pl")
        'makaron'
        """
        for name, stemmer in self._stemmers:
            if name == language:
                with self._lock:
                    return str(stemmer.stemWord(word))
        return word
