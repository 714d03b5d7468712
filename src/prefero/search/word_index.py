"""The catalogue's own words (titles; brands and category paths) → the products that have
them, in memory: what search and suggestions match and rank by without asking the database.

Words are numbered in sorted order, so the words starting with a prefix are one range of
numbers, and the products having any of them one slice of a posting array (CSR layout: the
positions of word ``w`` are ``positions[start[w]:start[w + 1]]``, ascending). A three-letter
prefix matching half of a 100,000-product catalogue is then one slice, where the database's
full-text index walked and ranked every match.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["Postings", "WordIndex", "words"]

IntArray = npt.NDArray[np.int64]
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The casefolded words of a text.

    >>> words("Trail-Runner 2 (Men's)")
    ['trail', 'runner', '2', 'men', 's']
    >>> words("Straße – MASSE")
    ['strasse', 'masse']
    """
    folded = text.casefold()
    if len(folded) == len(text):
        # Folding kept every character one character (case folding never shortens one),
        # so the words are where they were: fold once, not word by word (3x faster).
        return _WORD.findall(folded)
    return [word.casefold() for word in _WORD.findall(text)]


class Postings:
    """Word number → ascending product positions, for one field."""

    def __init__(self, numbered: Sequence[tuple[int, ...]], renumber: IntArray) -> None:
        """``numbered``: each product's word numbers, position by position, in the
        numbering that ``renumber`` maps to the words' (sorted) numbers."""
        words = renumber.size
        lengths = np.fromiter(map(len, numbered), dtype=np.int64, count=len(numbered))
        ids = renumber[np.fromiter(itertools.chain.from_iterable(numbered), dtype=np.int64,
                                   count=int(lengths.sum()))]
        at = np.repeat(np.arange(len(numbered), dtype=np.int64), lengths)
        # Stable: each word's positions stay ascending, as they were added.
        order = np.argsort(ids, kind="stable")
        self.positions: IntArray = at[order]
        self.start: IntArray = np.zeros(words + 1, dtype=np.int64)
        np.cumsum(np.bincount(ids, minlength=words), out=self.start[1:])

    def of(self, first: int, last: int) -> IntArray:
        """Positions of the products having any of the words ``first`` … ``last - 1`` (a
        position repeats when it has several)."""
        return self.positions[self.start[first]:self.start[last]]

    def count(self, word: int) -> int:
        return int(self.start[word + 1] - self.start[word])


class WordIndex:
    """The words of ``titles`` and of ``others`` (each product's brand and category path:
    the same tuple for products that share them), position by position.

    >>> index = WordIndex(["Rye Bread", "Oat Bar"], [("groceries", "bakery"), ("groceries",)])
    >>> index.words
    ['bakery', 'bar', 'bread', 'groceries', 'oat', 'rye']
    >>> index.range_of("b"), index.title.of(*index.range_of("b")).tolist()
    ((0, 3), [1, 0])
    >>> int(index.counts[index.id_of["groceries"]])
    2
    """

    def __init__(self, titles: Sequence[str], others: Sequence[tuple[str, ...]]) -> None:
        numbered: dict[str, int] = {}
        # Titles, brands and paths repeat across a catalogue (variants, whole aisles of one
        # category): each distinct text is split and numbered once.
        seen: dict[object, tuple[int, ...]] = {}

        def number(key: object, found: Sequence[str]) -> tuple[int, ...]:
            numbers = tuple(numbered.setdefault(word, len(numbered))
                            for word in dict.fromkeys(found))
            seen[key] = numbers
            return numbers

        own = [seen.get(title) or number(title, words(title)) for title in titles]
        other = [seen.get(words_of) or number(words_of, words_of) for words_of in others]
        self.words: list[str] = sorted(numbered)
        self.id_of: dict[str, int] = {word: i for i, word in enumerate(self.words)}
        # First-seen numbers → numbers in sorted order.
        renumber = np.fromiter((self.id_of[word] for word in numbered), dtype=np.int64,
                               count=len(numbered))
        size = len(self.words)
        self.title = Postings(own, renumber)
        self.other = Postings(other, renumber)
        # A word in both a product's title and its brand or path counts the product once.
        both = [word for mine, theirs in zip(own, other, strict=True)
                if mine and theirs for word in set(mine).intersection(theirs)]
        #: Products having the word, in any field.
        self.counts: IntArray = (np.diff(self.title.start) + np.diff(self.other.start)
                                 - np.bincount(renumber[np.asarray(both, dtype=np.int64)],
                                               minlength=size))
        self.size = len(titles)

    def range_of(self, prefix: str) -> tuple[int, int]:
        """The numbers ``[first, last)`` of the words starting with ``prefix``."""
        first = bisect.bisect_left(self.words, prefix)
        # Every word starting with the prefix sorts before the prefix followed by the
        # highest code point.
        last = bisect.bisect_left(self.words, prefix + "\U0010ffff", first)
        return first, last
