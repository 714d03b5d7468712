"""The catalogue's own words: what a query's words are matched, stemmed, corrected,
translated and completed against, and what ranks the hits the same way on every database.

Built from a catalogue snapshot (titles, brands, category paths), once per snapshot, into a
``WordIndex`` (word → products, in memory) and the words' keys (``prefero.search.stemming``):
"dresses" finds the dresses and the dress, "butów" a Polish catalogue's "buty". The
databases' full-text indexes match words and prefixes but forgive no typo (SQLite's FTS5,
PostgreSQL's ``simple`` configuration); a word the catalogue does not know is corrected to
the closest one it does (RapidFuzz's Levenshtein distance: one edit in words of four to
seven letters, two in longer ones, the more frequent word on a tie), so "macbok" finds the
MacBooks. The search corrects only a query that finds nothing as typed: a word of a
description alone, unknown here, is not a typo. Before guessing a typo it reads the word in
the shop's other languages: the facet schema's translations of categories and values
("czekolada" is the category Chocolate, "makaron" the start of Makarony, Pasta, "makaronu"
one of its forms), so a Polish shopper finds an English catalogue's aisles.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from prefero.i18n.languages import LANGUAGES
from prefero.recommend.catalog_index import CatalogIndex
from prefero.search.stemming import Stems, catalogue_languages, fold
from prefero.search.word_index import IntArray, WordIndex, words

__all__ = ["Named", "Vocabulary", "vocabulary_of", "words"]

#: Words shorter than this are never corrected (too many neighbours one edit away).
_CORRECTABLE = 4


@dataclass(frozen=True)
class Named:
    """A brand or category the catalogue has: its value, display label and product count."""

    facet: str
    value: str
    label: str
    count: int
    words: tuple[str, ...]

    def matches(self, terms: list[str]) -> bool:
        """Every term starts a word of the name (the last one may be half typed)."""
        return all(any(word.startswith(term) for word in self.words) for term in terms)


class Vocabulary:
    """The words of one catalogue snapshot, the products having each, and their forms."""

    def __init__(self, index: CatalogIndex) -> None:
        self.revision = index.revision
        facets = index.facet_values or [{}] * len(index.categories)
        # Products of one category and brand share one tuple of words (a few hundred pairs
        # at 100,000 products), split once.
        shared: dict[tuple[str, str], tuple[str, ...]] = {}
        others = []
        for category, values in zip(index.categories, facets, strict=True):
            pair = (category, str(values.get("brand") or ""))
            found = shared.get(pair)
            if found is None:
                found = shared[pair] = (*words(pair[0]), *words(pair[1]))
            others.append(found)
        self.index = WordIndex(index.titles, others)
        #: Every word and how many products have it (in a title, brand or category).
        self.count: dict[str, int] = dict(zip(self.index.words, self.index.counts.tolist(),
                                              strict=True))
        self.sorted = self.index.words
        self.languages = catalogue_languages(self.sorted)
        # A shopper may write in any of the shop's languages; the catalogue is read in its own.
        self.stems = Stems(LANGUAGES)
        own = Stems(self.languages)
        forms: defaultdict[str, list[int]] = defaultdict(list)
        for number, word in enumerate(self.sorted):
            for key in own.keys(word):
                forms[key].append(number)
        self._forms = dict(forms)
        # The words written with diacritics, by their letters without: "masl" typed starts
        # "masło" as "mas" starts "masa".
        accented = sorted((fold(word), number) for number, word in enumerate(self.sorted)
                          if fold(word) != word)
        self._accented = [folded for folded, _number in accented]
        self._accented_at = [number for _folded, number in accented]
        self._by_length: defaultdict[int, list[str]] = defaultdict(list)
        for word in self.sorted:
            self._by_length[len(word)].append(word)
        self.translated, self._translated_keys = _translated(index, self.count, self.stems)
        self.translated_words = sorted(self.translated)
        self.named = sorted(
            (Named(facet, value, index.label(facet, value), int(positions.size),
                   tuple(words(index.label(facet, value).split(" > ")[-1])))
             for (facet, value), positions in index.postings.items()
             if facet in ("brand", "category")),
            key=lambda named: (-named.count, named.label, named.value))
        # The names' words, sorted, each with the names having it: a typed prefix's names
        # are one range of this list, not a pass over every brand and category.
        named_words = sorted({(word, at) for at, named in enumerate(self.named)
                              for word in named.words})
        self._named_words = [word for word, _at in named_words]
        self._named_at = [at for _word, at in named_words]
        #: Each position's place in the order of product ids (as Python compares strings,
        #: not as a database collates them): ties in rank go to the smaller id.
        self.id_rank: IntArray = _id_rank(index.ids)
        self._starting: dict[str, list[str]] = {}

    def starting(self, prefix: str, *, limit: int | None = None) -> list[str]:
        """The words that start with ``prefix``, most frequent first (ties alphabetically),
        at most ``limit``.

        >>> # vocabulary.starting("mac", limit=2) -> ['macbook', 'machine']
        """
        first, last = self.index.range_of(prefix)
        if limit is not None and last - first > limit:
            # A short prefix spans thousands of words: the most frequent few, worked out once.
            cached = self._starting.get(prefix)
            if cached is None or len(cached) < limit:
                counts = self.index.counts[first:last]
                # Most frequent first, ties by word (numbers follow the words' sorted order).
                top = np.lexsort((np.arange(first, last), -counts))[:max(limit, 10)]
                cached = [self.sorted[first + int(at)] for at in top]
                if len(self._starting) < 100_000:
                    self._starting[prefix] = cached
            return cached[:limit]
        found = self.sorted[first:last]
        found = sorted(found, key=lambda word: (-self.count[word], word))
        return found if limit is None else found[:limit]

    def knows(self, term: str) -> bool:
        """Whether some word of the catalogue is ``term`` or starts with it."""
        first, last = self.index.range_of(term)
        return last > first

    def forms(self, word: str) -> list[int]:
        """The numbers of the catalogue's words that are forms of ``word`` (sharing a stem
        or its letters without diacritics), ``word`` itself included when the catalogue has
        it; ascending."""
        found: set[int] = set()
        for key in self.stems.keys(word):
            found.update(self._forms.get(key, ()))
        own = self.index.id_of.get(word)
        if own is not None:
            found.add(own)
        return sorted(found)

    def accented_starting(self, prefix: str) -> list[int]:
        """The numbers of the words written with diacritics that start with ``prefix``
        once both are read without them ("lowi": "łowicz")."""
        folded = fold(prefix)
        at = bisect.bisect_left(self._accented, folded)
        found = []
        while at < len(self._accented) and self._accented[at].startswith(folded):
            found.append(self._accented_at[at])
            at += 1
        return found

    def correct(self, term: str) -> str | None:
        """The catalogue's word closest to an unknown ``term``, or ``None`` (known, too
        short to guess, or nothing close enough)."""
        if self.knows(term) or len(term) < _CORRECTABLE or term.isdigit():
            return None
        edits = 1 if len(term) < 8 else 2
        near = [word for length in range(len(term) - edits, len(term) + edits + 1)
                for word in self._by_length.get(length, ())]
        found = process.extract(term, near, scorer=Levenshtein.distance,
                                score_cutoff=edits, limit=20)
        if not found:
            return None
        best = min(found, key=lambda hit: (hit[1], -self.count[hit[0]], hit[0]))
        return str(best[0])

    def translate(self, term: str) -> str | None:
        """The catalogue's own words for ``term`` read in another of the shop's languages
        (a whole word, from four letters the start of one, or a form of one: "makaronu"
        for "makarony"), or ``None``."""
        found = self.translated.get(term)
        if found is not None or len(term) < _CORRECTABLE:
            return found
        start = bisect.bisect_left(self.translated_words, term)
        if start < len(self.translated_words) and self.translated_words[start].startswith(term):
            return self.translated[self.translated_words[start]]
        for key in sorted(self.stems.keys(term)):
            found = self._translated_keys.get(key)
            if found is not None:
                return found
        return None

    def named_matching(self, terms: list[str], *, facet: str) -> list[Named]:
        """The brands or categories (``facet``) whose names have a word starting with each
        term, the largest first (ties by label, then value)."""
        if not terms:
            return []
        last = terms[-1]
        first = bisect.bisect_left(self._named_words, last)
        candidates: set[int] = set()
        while first < len(self._named_words) and self._named_words[first].startswith(last):
            candidates.add(self._named_at[first])
            first += 1
        return [self.named[at] for at in sorted(candidates)
                if self.named[at].facet == facet and self.named[at].matches(terms)]


def _id_rank(ids: list[str]) -> IntArray:
    ranks = np.arange(len(ids), dtype=np.int64)
    if all(ids[at] < ids[at + 1] for at in range(len(ids) - 1)):
        return ranks  # read in the order Python sorts them (SQLite's binary collation)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    result = np.empty(len(ids), dtype=np.int64)
    result[np.asarray(order, dtype=np.int64)] = ranks
    return result


def _translated(index: CatalogIndex, counts: dict[str, int], stems: Stems
                ) -> tuple[dict[str, str], dict[str, str]]:
    """Each word of a translated category segment or facet value (in the schema's other
    languages) → the original's words, for the values this catalogue has; a word that
    translates several originals keeps the one it is the whole label of, else the most
    frequent in the catalogue. Then the same by the translated words' stems in their own
    language (one form of a word: "czekoladę", "makaronu")."""
    present = {(facet, value) for facet, value in index.postings}
    segments = {segment for facet, value in present if facet == "category"
                for segment in value.split(" > ")}
    found: dict[str, tuple[tuple[bool, int], str]] = {}
    by_stem: dict[str, tuple[tuple[bool, int], str]] = {}
    for language, words_of in index.schema.translations.items():
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
                    if word in own:
                        continue
                    if strength > found.get(word, ((False, -1), ""))[0]:
                        found[word] = (strength, " ".join(own))
                    key = f"{language}:{stems.stem(word, language)}"
                    if strength > by_stem.get(key, ((False, -1), ""))[0]:
                        by_stem[key] = (strength, " ".join(own))
    return ({word: original for word, (_strength, original) in found.items()},
            {key: original for key, (_strength, original) in by_stem.items()})


def vocabulary_of(index: CatalogIndex) -> Vocabulary:
    """The vocabulary of ``index``, built on first use (or with the snapshot:
    ``search.prepare``) and kept with it.

    >>> # vocabulary_of(engine.snapshot(session)[0]).starting("mac", limit=5)
    """
    return index.derived("search.vocabulary", lambda: Vocabulary(index))
