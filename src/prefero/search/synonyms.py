"""The shop's synonyms: rules that make a query's word or phrase also find what other words
find, kept in the database, checked as they are written, and read by search.

Two kinds of rule (``search_synonyms``):

- a group of equivalents (no ``source``): each term finds what the others find ("tv",
  "television", "telewizor");
- a one-way rule (``source`` set): a query holding the source also finds what the terms find,
  and not the other way round ("tablet" → "ipad": a shopper asking for an iPad wants no
  other tablet).

A term is a word or a short phrase; rules are stored normalised (the words casefolded,
punctuation dropped: what search compares) and a query's word meets a rule's word when
they are forms of one word (``prefero.search.stemming``: "chleba" meets "chleb"). Every
change bumps the ``search_synonyms`` revision, so that every process's copy of the rules
(:func:`synonyms_of`) is replaced at its next search.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from prefero.catalog.revisions import bump, current
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.i18n.languages import LANGUAGES
from prefero.search.models import SearchSynonym
from prefero.search.stemming import Stems
from prefero.search.word_index import words

__all__ = [
    "MAX_RULES",
    "MAX_TERMS",
    "MAX_WORDS",
    "SYNONYMS",
    "SynonymRule",
    "SynonymRuleIn",
    "Thesaurus",
    "add_rule",
    "delete_rule",
    "list_rules",
    "replace_rule",
    "replace_rules",
    "synonyms_of",
]

#: The revision counter every change of the rules bumps.
SYNONYMS = "search_synonyms"
#: Terms of one rule, words of one term, rules of a shop: at most.
MAX_TERMS = 20
MAX_WORDS = 6
MAX_RULES = 5000

Term = Annotated[str, StringConstraints(max_length=200)]


class SynonymRuleIn(BaseModel):
    """A rule as the shop writes it."""

    model_config = ConfigDict(extra="forbid")

    source: Term | None = Field(
        default=None, description="Leave out (null) for a group of equivalents; set, a query "
        "holding it also finds what the terms find, not the other way round.",
        examples=["tablet"])
    terms: list[Term] = Field(min_length=1, max_length=MAX_TERMS,
                              description="Words or short phrases (at most 6 words each)",
                              examples=[["ipad"]])


class SynonymRule(BaseModel):
    """A rule as stored: its words casefolded, punctuation dropped."""

    id: int
    source: str | None
    terms: list[str]
    created_at: datetime


def _normalised(text: str) -> str:
    # "_" is a word character to a regular expression, not to the full-text indexes: a word
    # of underscores alone could never be found.
    return " ".join(word for word in words(text) if word.strip("_"))


def _checked(rule: SynonymRuleIn, prefix: tuple[str | int, ...] = ()
             ) -> tuple[str | None, list[str], list[FieldError]]:
    """The rule's source and terms as stored, and what is wrong with it (paths from the
    rule's root, under ``prefix``)."""
    errors: list[FieldError] = []
    source = None
    if rule.source is not None:
        source = _normalised(rule.source)
        if not source:
            errors.append(FieldError((*prefix, "source"), "has no word; leave it out (null) "
                                     "for a group of equivalents"))
        elif len(source.split()) > MAX_WORDS:
            errors.append(FieldError((*prefix, "source"), f"has more than {MAX_WORDS} words"))
    terms: list[str] = []
    first_at: dict[str, int] = {}
    for at, raw in enumerate(rule.terms):
        term = _normalised(raw)
        where = (*prefix, "terms", at)
        if not term:
            errors.append(FieldError(where, "has no word (punctuation alone is not searched)"))
        elif len(term.split()) > MAX_WORDS:
            errors.append(FieldError(where, f"has more than {MAX_WORDS} words"))
        elif term in first_at:
            errors.append(FieldError(where, f"repeats terms[{first_at[term]}] ({term!r})"))
        elif source is not None and term == source:
            errors.append(FieldError(where, "is the source itself"))
        else:
            first_at[term] = at
            terms.append(term)
    if rule.source is None and len(rule.terms) < 2:
        errors.append(FieldError((*prefix, "terms"), "a group of equivalents needs at least "
                                 "two terms (or give a source for a one-way rule)"))
    return source, terms, errors


def _valid(rule: SynonymRuleIn) -> tuple[str | None, list[str]]:
    source, terms, errors = _checked(rule)
    if errors:
        raise InvalidInput("the synonym rule is not valid", errors)
    return source, terms


def _out(row: SearchSynonym) -> SynonymRule:
    return SynonymRule(id=row.id, source=row.source, terms=list(row.terms),
                       created_at=row.created_at)


def list_rules(session: Session) -> list[SynonymRule]:
    """Every rule, oldest first.

    >>> # list_rules(session) -> [SynonymRule(id=1, source=None, terms=['chleb', 'bread'], …)]
    """
    return [_out(row) for row in session.scalars(select(SearchSynonym)
                                                 .order_by(SearchSynonym.id))]


def add_rule(session: Session, rule: SynonymRuleIn) -> SynonymRule:
    """Store one more rule; ``InvalidInput`` names each field that is wrong.

    >>> # add_rule(session, SynonymRuleIn(source="tablet", terms=["iPad"])).terms -> ['ipad']
    """
    source, terms = _valid(rule)
    if _count(session) >= MAX_RULES:
        raise InvalidInput(f"a shop keeps at most {MAX_RULES} synonym rules", [])
    row = SearchSynonym(source=source, terms=terms)
    session.add(row)
    bump(session, SYNONYMS)
    session.flush()
    return _out(row)


def replace_rule(session: Session, rule_id: int, rule: SynonymRuleIn) -> SynonymRule:
    """Replace rule ``rule_id`` (``NotFound`` when there is none).

    >>> # replace_rule(session, 3, SynonymRuleIn(terms=["tv", "television"]))
    """
    source, terms = _valid(rule)
    row = _row(session, rule_id)
    row.source, row.terms = source, terms
    bump(session, SYNONYMS)
    session.flush()
    return _out(row)


def delete_rule(session: Session, rule_id: int) -> None:
    """Delete rule ``rule_id`` (``NotFound`` when there is none).

    >>> # delete_rule(session, 3)
    """
    session.delete(_row(session, rule_id))
    bump(session, SYNONYMS)
    session.flush()


def replace_rules(session: Session, rules: Sequence[SynonymRuleIn]) -> list[SynonymRule]:
    """Make ``rules`` the shop's whole set, in their order, or change nothing: every wrong
    field of every rule is named (``[index, "terms", 1]``).

    >>> # replace_rules(session, [SynonymRuleIn(terms=["chleb", "bread"])])
    """
    if len(rules) > MAX_RULES:
        raise InvalidInput(f"a shop keeps at most {MAX_RULES} synonym rules", [])
    checked = [_checked(rule, (at,)) for at, rule in enumerate(rules)]
    errors = [error for _source, _terms, found in checked for error in found]
    if errors:
        raise InvalidInput("some synonym rules are not valid", errors)
    session.execute(delete(SearchSynonym))
    rows = [SearchSynonym(source=source, terms=terms) for source, terms, _ in checked]
    session.add_all(rows)
    bump(session, SYNONYMS)
    session.flush()
    return [_out(row) for row in rows]


def _row(session: Session, rule_id: int) -> SearchSynonym:
    row = session.get(SearchSynonym, rule_id)
    if row is None:
        raise NotFound(f"no synonym rule {rule_id}")
    return row


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SearchSynonym)) or 0)


class Thesaurus:
    """The rules, compiled for matching a query's words.

    >>> thesaurus = Thesaurus([(None, ["chleb", "bread"]), ("tablet", ["ipad"])])
    >>> thesaurus.match(["swiezy", "chleba"], 1)
    (1, [('bread',)])
    >>> thesaurus.match(["tablets"], 0), thesaurus.match(["ipad"], 0)
    ((1, [('ipad',)]), (0, []))
    """

    def __init__(self, rules: Sequence[tuple[str | None, Sequence[str]]]) -> None:
        self.stems = Stems(LANGUAGES)
        # A phrase that finds more → the phrases it also finds, indexed by its first word's
        # keys (rules are matched from every word of a query).
        self._rules: defaultdict[str, list[tuple[tuple[frozenset[str], ...],
                                                 tuple[tuple[str, ...], ...]]]] = (
            defaultdict(list))
        self.size = len(rules)
        for source, terms in rules:
            phrases = [tuple(term.split()) for term in terms if term]
            if source:
                self._add(tuple(source.split()), phrases)
            else:
                for at, phrase in enumerate(phrases):
                    self._add(phrase, phrases[:at] + phrases[at + 1:])

    def _add(self, phrase: tuple[str, ...], finds: list[tuple[str, ...]]) -> None:
        if not phrase or not finds:
            return
        keys = tuple(self.stems.keys(word) for word in phrase)
        rule = (keys, tuple(finds))
        for key in keys[0]:
            self._rules[key].append(rule)

    def match(self, terms: Sequence[str], at: int,
              keys: Sequence[frozenset[str]] | None = None) -> tuple[int, list[tuple[str, ...]]]:
        """The longest phrase of a rule that the query's ``terms`` hold from ``at`` on: its
        length in words and the phrases it also finds (every rule's with that phrase); ``(0,
        [])`` for none. ``keys``: the terms' keys, when the caller has them."""
        if not self._rules:
            return 0, []
        keys = keys if keys is not None else [self.stems.keys(term) for term in terms]
        best = 0
        found: dict[tuple[str, ...], None] = {}
        seen: set[int] = set()
        for key in keys[at]:
            for rule in self._rules.get(key, ()):
                if id(rule) in seen:
                    continue
                seen.add(id(rule))
                phrase, finds = rule
                length = len(phrase)
                if length < best or at + length > len(terms) or not all(
                        phrase[k] & keys[at + k] for k in range(length)):
                    continue
                if length > best:
                    best, found = length, {}
                found.update(dict.fromkeys(finds))
        typed = tuple(terms[at:at + best])
        return best, [phrase for phrase in found if phrase != typed]


_lock = threading.Lock()
# Per database: by the engine object itself, held weakly, so that a runtime closed and a new
# one opened on the same URL (every test on PostgreSQL) never reads another's rules.
_kept: weakref.WeakKeyDictionary[Engine, tuple[int, Thesaurus]] = weakref.WeakKeyDictionary()
_NONE = Thesaurus([])


def synonyms_of(session: Session) -> Thesaurus:
    """The shop's rules as stored now, compiled: one read of the revision counter per call,
    the rules themselves only after a change.

    >>> # synonyms_of(session).match(["chleba"], 0) -> (1, [('bread',)])
    """
    revision = current(session, SYNONYMS)
    if revision == 0:
        return _NONE
    bind: Any = session.get_bind()
    engine: Engine = bind if isinstance(bind, Engine) else bind.engine
    with _lock:
        kept = _kept.get(engine)
    if kept is not None and kept[0] == revision:
        return kept[1]
    rows = session.execute(select(SearchSynonym.source, SearchSynonym.terms)
                           .order_by(SearchSynonym.id)).all()
    thesaurus = Thesaurus([(source, list(terms)) for source, terms in rows])
    with _lock:
        _kept[engine] = (revision, thesaurus)
    return thesaurus
