"""What a query finds and in which order: its words read against the catalogue's own words
(forms of a word, the shop's synonyms), matched and ranked in memory, the descriptions
looked up in the database; corrected only when nothing is found as typed.

A query becomes clauses, one per word or per phrase a synonym rule knows. A clause has
alternatives (the words as typed; each phrase a rule says it also finds), an alternative
some words, all of which a product must have. A word typed matches the catalogue's words
starting with it (also once diacritics are left out: "lowi" starts "łowicz") and its forms
("dresses": "dress"; ``prefero.search.stemming``); a word of a synonym its own forms.

The order is ours, never the database's, so that SQLite and PostgreSQL answer alike: each
word scores where the product has it (its title counts most, then its brand or category; the
word as typed more than its base form, that more than another form, any form more than a
longer word it starts; a description least), an alternative the mean of its words, a clause
its best alternative, a product the sum of its clauses; ties go to the smaller id (as
Python orders strings, whatever the database's collation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from prefero.recommend.catalog_index import BoolArray, CatalogIndex
from prefero.search.fulltext import Token, described_hits, search_terms
from prefero.search.synonyms import Thesaurus, synonyms_of
from prefero.search.vocabulary import Vocabulary, vocabulary_of
from prefero.search.word_index import IntArray

__all__ = ["Found", "Plan", "PlannedWord", "find", "plan"]

FloatArray = npt.NDArray[np.float32]

#: What a word scores where a product has it: (a longer word it starts, one of its forms,
#: its base form (the stem itself: "dress" for "dresses", not "dressing"), the word itself),
#: in the title, then in the brand or category path.
TITLE = (2.0, 2.25, 2.5, 3.0)
OTHER = (1.0, 1.125, 1.25, 1.5)
#: A word found in the description only.
DESCRIPTION = 0.25
#: Typed words shorter than this are matched in titles, brands and categories only: two
#: letters start a word of most descriptions.
DESCRIBED_FROM = 3
#: Forms of one word looked up in descriptions, at most.
MAX_FORMS = 16


@dataclass(frozen=True)
class PlannedWord:
    """One word of a clause as the catalogue reads it (numbers of the catalogue's words)."""

    text: str
    typed: bool  # as the shopper typed it (also a prefix), or a synonym's word
    first: int  # the catalogue's words starting with it: [first, last); typed words only
    last: int
    own: int  # the catalogue's word itself, or -1
    forms: tuple[int, ...]  # its other forms
    base: tuple[int, ...] = ()  # those of its forms that are its stem
    accented: tuple[int, ...] = ()  # words it starts once diacritics are left out (typed)

    @property
    def described(self) -> bool:
        """Whether descriptions are searched for it: two letters typed start a word of
        most descriptions, and are matched in titles, brands and categories only."""
        return not self.typed or len(self.text) >= DESCRIBED_FROM

    @property
    def known(self) -> bool:
        """Whether the catalogue's own words have it (or a word starting with it, or one
        of its forms)."""
        return (self.last > self.first or self.own >= 0 or bool(self.forms)
                or bool(self.base) or bool(self.accented))

    def tokens(self, vocabulary: Vocabulary) -> list[Token]:
        """What to look for in the database: the word (as typed: a prefix) and its forms."""
        forms = [(vocabulary.sorted[number], False)
                 for number in (*self.base, *self.forms)[:MAX_FORMS]]
        return [(self.text, self.typed), *forms]


@dataclass(frozen=True)
class Plan:
    """A query's clauses: each a tuple of alternatives, each a tuple of words."""

    clauses: tuple[tuple[tuple[PlannedWord, ...], ...], ...]

    def words(self) -> list[PlannedWord]:
        return [word for clause in self.clauses for alternative in clause
                for word in alternative]


@dataclass(frozen=True)
class Found:
    """The products a query found, best first, and what was searched instead of it when
    nothing was found as typed."""

    ids: list[str]
    corrected: str | None = None


def _word(vocabulary: Vocabulary, text: str, *, typed: bool) -> PlannedWord:
    first, last = vocabulary.index.range_of(text) if typed else (0, 0)
    own = vocabulary.index.id_of.get(text, -1)
    stems = {key.split(":", 1)[1] for key in vocabulary.stems.keys(text)}
    forms = [number for number in vocabulary.forms(text) if number != own]
    base = tuple(number for number in forms if vocabulary.sorted[number] in stems)
    others = tuple(number for number in forms if vocabulary.sorted[number] not in stems)
    accented = (tuple(number for number in vocabulary.accented_starting(text)
                      if not first <= number < last) if typed else ())
    return PlannedWord(text, typed, first, last, own, others, base, accented)


def plan(vocabulary: Vocabulary, thesaurus: Thesaurus, terms: list[str]) -> Plan:
    """The clauses of a query's words (``search_terms``): a phrase a synonym rule knows is
    one clause with the phrases it also finds as alternatives; every other word a clause
    of its own.

    >>> # plan(vocabulary, Thesaurus([(None, ["chleb", "bread"])]), ["chleba"])
    >>> #   -> one clause: (chleba typed) or (bread)
    """
    keys = [vocabulary.stems.keys(term) for term in terms]
    clauses = []
    at = 0
    while at < len(terms):
        length, finds = thesaurus.match(terms, at, keys)
        length = max(length, 1)
        typed = tuple(_word(vocabulary, term, typed=True) for term in terms[at:at + length])
        others = tuple(tuple(_word(vocabulary, word, typed=False) for word in phrase)
                       for phrase in finds)
        clauses.append((typed, *others))
        at += length
    return Plan(tuple(clauses))


def _scores(vocabulary: Vocabulary, word: PlannedWord) -> FloatArray:
    """Where the catalogue's own words have ``word``, and how well (0 elsewhere)."""
    index = vocabulary.index
    scores = np.zeros(index.size, dtype=np.float32)
    # Lower scores first, so that a product keeps the best (titles score above the rest).
    for postings, (longer, form, base, itself) in ((index.other, OTHER),
                                                   (index.title, TITLE)):
        if word.last > word.first:
            scores[postings.of(word.first, word.last)] = longer
        for numbers, score in ((word.accented, longer), (word.forms, form), (word.base, base)):
            for number in numbers:
                scores[postings.of(number, number + 1)] = score
        if word.own >= 0:
            scores[postings.of(word.own, word.own + 1)] = itself if word.typed else base
    return scores


def _total(found: Plan, scored: dict[int, FloatArray], described: IntArray | None
           ) -> FloatArray:
    """Each product's score for the whole query (0: not found), from each word's own
    ``scored`` (by the word's ``id``). ``described``: positions the database found with a
    word in the description, where a word the product's own words lack counts as a
    description's."""
    total: FloatArray | None = None
    for clause in found.clauses:
        best: FloatArray | None = None
        for alternative in clause:
            words = []
            for word in alternative:
                scores = scored[id(word)]
                if described is not None and word.described:
                    scores = scores.copy()
                    scores[described] = np.maximum(scores[described], DESCRIPTION)
                words.append(scores)
            if len(words) == 1:
                score = words[0]
            else:
                stacked = np.stack(words)
                score = stacked.mean(axis=0) * (stacked.min(axis=0) > 0)
            best = score if best is None else np.maximum(best, score)
        assert best is not None  # every clause has the typed words
        total = best if total is None else (total + best) * ((total > 0) & (best > 0))
    assert total is not None
    return total


def _best(vocabulary: Vocabulary, total: FloatArray, index: CatalogIndex, limit: int
          ) -> list[str]:
    """The ids of the ``limit`` best-scored products, ties by id."""
    matched = np.flatnonzero(total > 0)
    if matched.size > limit:
        # The limit's score; above it all are kept, at it the smallest ids.
        scores = total[matched]
        threshold = -np.partition(-scores, limit - 1)[limit - 1]
        above, tied = matched[scores > threshold], matched[scores == threshold]
        room = limit - above.size
        ranks = vocabulary.id_rank[tied]
        tied = tied[np.argpartition(ranks, room - 1)[:room]] if room < tied.size else tied
        matched = np.concatenate([above, tied])
    order = np.lexsort((vocabulary.id_rank[matched], -total[matched]))
    return [index.ids[int(position)] for position in matched[order]]


def _described(session: Session, index: CatalogIndex, vocabulary: Vocabulary,
               planned: Plan, *, limit: int) -> IntArray:
    """Positions of the products the database finds for the query with one of its words in
    the description (the first ``limit`` by id); clauses no description may answer (a
    short word typed) are left to the products' own words."""
    clauses = []
    for clause in planned.clauses:
        alternatives = [[word.tokens(vocabulary) for word in alternative]
                        for alternative in clause
                        if all(word.described for word in alternative)]
        if alternatives:
            clauses.append(alternatives)
    mentioned = [token for word in planned.words() if word.described
                 for token in word.tokens(vocabulary)]
    if not clauses or not mentioned:
        return np.zeros(0, dtype=np.int64)
    ids = described_hits(session, clauses, described=mentioned, limit=limit)
    return np.asarray([index.position[i] for i in ids if i in index.position],
                      dtype=np.int64)


def _found(session: Session, index: CatalogIndex, vocabulary: Vocabulary,
           thesaurus: Thesaurus, terms: list[str], *, descriptions: bool, limit: int
           ) -> FloatArray:
    planned = plan(vocabulary, thesaurus, terms)
    scored = {id(word): _scores(vocabulary, word) for word in planned.words()}
    total = _total(planned, scored, None)
    # Suggestions ask the database only for a word the catalogue's own words lack
    # altogether ("breathable"): words they all have but no product has together stay
    # unfound there, where a results page reads the descriptions too.
    unknown = any(not any(all(word.known for word in alternative) for alternative in clause)
                  for clause in planned.clauses)
    if descriptions or (unknown and not total.any()):
        described = _described(session, index, vocabulary, planned, limit=limit)
        if described.size:
            total = _total(planned, scored, described)
    return total


def find(session: Session, index: CatalogIndex, query: str, *, descriptions: bool = True,
         limit: int = 1000, allowed: BoolArray | None = None) -> Found:
    """The products matching ``query``, best first, at most ``limit``; when nothing matches
    as typed, the products matching it read in the shop's other language or with its
    unknown words corrected, and that query. ``descriptions=False`` (suggestions) looks in
    descriptions only for a word that no title, brand or category has. ``allowed``: the
    positions the answer may hold (a customer's rules): the best ``limit`` of those, while
    whether anything matched (and so whether to correct) reads the whole catalogue.

    >>> # find(session, index, "macbok") -> Found(ids=['mb-air', 'mb-pro'], corrected='macbook')
    """
    terms = search_terms(query)
    if not terms:
        return Found([])
    vocabulary = vocabulary_of(index)
    thesaurus = synonyms_of(session)
    total = _found(session, index, vocabulary, thesaurus, terms, descriptions=descriptions,
                   limit=limit)
    corrected = None
    if not total.any():
        # Another of the shop's languages first, then a typo.
        used = [vocabulary.translate(term) or vocabulary.correct(term) or term
                for term in terms]
        if used == terms:
            return Found([])
        corrected = " ".join(used)
        total = _found(session, index, vocabulary, thesaurus, search_terms(corrected),
                       descriptions=descriptions, limit=limit)
        if not total.any():
            # "Showing results for …" would promise what is not there.
            return Found([])
    if allowed is not None:
        total = total * allowed
    return Found(_best(vocabulary, total, index, limit), corrected)
