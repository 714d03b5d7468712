"""The catalogue's own words: what a query's words are checked against, corrected to and
completed from, and what ranks the database's hits the same way on every database.

Built from a catalogue snapshot (titles, brands, category paths), once per snapshot. The
databases' full-text indexes match words and prefixes but forgive no typo (SQLite's FTS5,
PostgreSQL's ``simple`` configuration); a word the catalogue does not know is corrected to
the closest one it does (RapidFuzz's Levenshtein distance: one edit in words of four to
seven letters, two in longer ones, the more frequent word on a tie), so "macbok" finds the
MacBooks. The search corrects only a query that finds nothing as typed: a word of a
description alone, unknown here, is not a typo. Before guessing a typo it reads the word in
the shop's other languages: the facet schema's translations of categories and values
("czekolada" is the category Chocolate, "makaron" the start of Makarony, Pasta), so a Polish
shopper finds an English catalogue's aisles.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from prefero.recommend.catalog_index import CatalogIndex

__all__ = ["Named", "Vocabulary", "vocabulary_of"]

_WORD = re.compile(r"\w+", re.UNICODE)
#: Words shorter than this are never corrected (too many neighbours one edit away).
_CORRECTABLE = 4


def words(text: str) -> list[str]:
    """The casefolded words of a text.

    >>> words("Trail-Runner 2 (Men's)")
    ['trail', 'runner', '2', 'men', 's']
    """
    return [word.casefold() for word in _WORD.findall(text)]


@dataclass(frozen=True)
class Named:
    """A brand or category the catalogue has: its value, display label and product count."""

    facet: str
    value: str
    label: str
    count: int
    words: tuple[str, ...]


class Vocabulary:
    """The words of one catalogue snapshot and each product's words by field."""

    def __init__(self, index: CatalogIndex) -> None:
        self.revision = index.revision
        counts: Counter[str] = Counter()
        self.title_words: list[frozenset[str]] = []
        self.other_words: list[frozenset[str]] = []  # brand and category path
        for position, title in enumerate(index.titles):
            own = frozenset(words(title))
            other = frozenset(words(index.categories[position])) | frozenset(
                words(str(index.facet_values[position].get("brand") or ""))
                if index.facet_values else ())
            self.title_words.append(own)
            self.other_words.append(other)
            counts.update(own | other)
        self.count = counts
        self.sorted = sorted(counts)
        self.translated = _translated(index, counts)
        self.translated_words = sorted(self.translated)
        self.named = [
            Named(facet, value, index.label(facet, value), int(positions.size),
                  tuple(words(index.label(facet, value).split(" > ")[-1])))
            for (facet, value), positions in index.postings.items()
            if facet in ("brand", "category")]

    def starting(self, prefix: str) -> list[str]:
        """The words that start with ``prefix``, most frequent first."""
        start = bisect.bisect_left(self.sorted, prefix)
        found = []
        for word in self.sorted[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return sorted(found, key=lambda word: (-self.count[word], word))

    def knows(self, term: str) -> bool:
        """Whether some word of the catalogue is ``term`` or starts with it."""
        start = bisect.bisect_left(self.sorted, term)
        return start < len(self.sorted) and self.sorted[start].startswith(term)

    def correct(self, term: str) -> str | None:
        """The catalogue's word closest to an unknown ``term``, or ``None`` (known, too
        short to guess, or nothing close enough)."""
        if self.knows(term) or len(term) < _CORRECTABLE or term.isdigit():
            return None
        edits = 1 if len(term) < 8 else 2
        near = [word for word in self.sorted if abs(len(word) - len(term)) <= edits]
        found = process.extract(term, near, scorer=Levenshtein.distance,
                                score_cutoff=edits, limit=20)
        if not found:
            return None
        best = min(found, key=lambda hit: (hit[1], -self.count[hit[0]], hit[0]))
        return str(best[0])

    def translate(self, term: str) -> str | None:
        """The catalogue's own words for ``term`` read in another of the shop's languages
        (a whole word, or from four letters the start of one), or ``None``."""
        found = self.translated.get(term)
        if found is not None or len(term) < _CORRECTABLE:
            return found
        start = bisect.bisect_left(self.translated_words, term)
        if start < len(self.translated_words) and self.translated_words[start].startswith(term):
            return self.translated[self.translated_words[start]]
        return None

    def rank(self, position: int, terms: list[str]) -> float:
        """How well a product's own words answer ``terms``: a word of its title counts
        most, a word of its brand or category next; a whole word more than a prefix."""
        score = 0.0
        for term in terms:
            title, other = self.title_words[position], self.other_words[position]
            if term in title:
                score += 3.0
            elif any(word.startswith(term) for word in title):
                score += 2.0
            elif term in other:
                score += 1.5
            elif any(word.startswith(term) for word in other):
                score += 1.0
            else:
                score += 0.25  # matched in the description only
        return score


def _translated(index: CatalogIndex, counts: Counter[str]) -> dict[str, str]:
    """Each word of a translated category segment or facet value (in the schema's other
    languages) → the original's words, for the values this catalogue has; a word that
    translates several originals keeps the one it is the whole label of, else the most
    frequent in the catalogue."""
    present = {(facet, value) for facet, value in index.postings}
    segments = {segment for facet, value in present if facet == "category"
                for segment in value.split(" > ")}
    found: dict[str, tuple[tuple[bool, int], str]] = {}
    for words_of in index.schema.translations.values():
        for facet, translation in words_of.items():
            for original, label in translation.values.items():
                known = (original in segments if facet == "category"
                         else (facet, original) in present)
                own = words(original)
                if not known or not own:
                    continue
                translated = words(label)
                # A label that is the word itself ("Makarony") says more than a word of a
                # longer one ("Makarony i kasze"); then the more frequent original.
                for word in translated:
                    strength = (translated == [word], max(counts.get(w, 0) for w in own))
                    if word not in own and strength > found.get(word, ((False, -1), ""))[0]:
                        found[word] = (strength, " ".join(own))
    return {word: original for word, (_strength, original) in found.items()}


_lock = threading.Lock()
_current: tuple[int, Vocabulary] | None = None


def vocabulary_of(index: CatalogIndex) -> Vocabulary:
    """The vocabulary of ``index``, built on first use and kept while it is the snapshot
    in use (one at a time: a new snapshot replaces it)."""
    global _current
    kept = _current
    if kept is not None and kept[0] == id(index) and kept[1].revision == index.revision:
        return kept[1]
    with _lock:
        kept = _current
        if kept is None or kept[0] != id(index) or kept[1].revision != index.revision:
            kept = (id(index), Vocabulary(index))
            _current = kept
        return kept[1]
