"""Full-text lookup: SQLite FTS5 or PostgreSQL tsvector, behind one function each.

Search matches titles, brands and categories in memory (``prefero.search.word_index``); the
database is asked only about descriptions, which the snapshot does not hold:
:func:`described_hits` finds the products matching a whole query (every clause somewhere)
that mention one of its words in their description. It answers a set, read in the order of
product ids (byte order on both databases, as Python compares strings), never ranked by the
database's own relevance: the order is the caller's, so that SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["Clause", "Token", "described_hits", "keyword_hits", "search_terms"]

_WORD = re.compile(r"\w+", re.UNICODE)
#: Letters and digits only: what both databases' tokenizers read as one word. A word with
#: an underscore is two words to them (and one to ``\\w``): it is not looked up there.
_PLAIN = re.compile(r"[^\W_]+")
MAX_TERMS = 12

#: A word to look for: its text and whether words starting with it count too.
Token = tuple[str, bool]
#: One clause of a query: alternatives, each a list of words, each word some tokens (any of
#: them). A product matches the clause when it matches every word of some alternative.
Clause = Sequence[Sequence[Sequence[Token]]]


def search_terms(query: str) -> list[str]:
    """Words of a free-text query; operators and punctuation are dropped, never interpreted.

    >>> search_terms('trail "runner" -2 OR x*')
    ['trail', 'runner', '2', 'or', 'x']
    """
    return [w.casefold() for w in _WORD.findall(query)][:MAX_TERMS]


def keyword_hits(session: Session, query: str, *, limit: int = 500) -> list[str]:
    """Product ids matching every word (as a prefix, so partial words find too), best first
    by the database's own relevance: its plain match, without stems, synonyms or our
    ranking (which orders search's hits: ``prefero.search.matching``).

    >>> # keyword_hits(session, "rye bre") -> ['bread-7', 'bread-1']
    """
    terms = search_terms(query)
    if not terms:
        return []
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        rows = session.execute(
            text(
                "SELECT id FROM products, to_tsquery('simple', :q) AS query "
                "WHERE search_vector @@ query "
                "ORDER BY ts_rank(search_vector, query) DESC, id LIMIT :limit"
            ),
            {"q": tsquery, "limit": limit},
        )
    else:
        fts = " ".join(f'"{term}"*' for term in terms)
        rows = session.execute(
            text(
                "SELECT product_id FROM product_search WHERE product_search MATCH :q "
                "ORDER BY bm25(product_search, 0.0, 10.0, 1.0, 5.0, 5.0), product_id "
                "LIMIT :limit"
            ),
            {"q": fts, "limit": limit},
        )
    return [str(row[0]) for row in rows]


def _plain(tokens: Sequence[Token]) -> list[Token]:
    return [token for token in tokens if _PLAIN.fullmatch(token[0])]


def _combined(clauses: Sequence[Clause], any_of: Callable[[Sequence[Token]], str | None], *,
              both: str, either: str) -> list[str] | None:
    """Each clause as one expression of the database's syntax (``both`` joins the words of
    an alternative, ``either`` the alternatives), or ``None`` when one clause can match
    nothing there."""
    parts = []
    for clause in clauses:
        alternatives = []
        for alternative in clause:
            words = [any_of(tokens) for tokens in alternative]
            if alternative and all(words):
                alternatives.append("(" + both.join(w for w in words if w) + ")")
        if not alternatives:
            return None
        parts.append("(" + either.join(alternatives) + ")")
    return parts


def _sqlite(clauses: Sequence[Clause], described: Sequence[Token]) -> str | None:
    def token(found: Token) -> str:
        return f'"{found[0]}"*' if found[1] else f'"{found[0]}"'

    def any_of(tokens: Sequence[Token]) -> str | None:
        plain = _plain(tokens)
        return "(" + " OR ".join(token(t) for t in plain) + ")" if plain else None

    parts = _combined(clauses, any_of, both=" AND ", either=" OR ")
    if parts is None:
        return None
    if described:
        mentioned = any_of(described)
        if mentioned is None:
            return None
        parts.append(f"description : {mentioned}")
    return " AND ".join(parts) if parts else None


def _postgres(clauses: Sequence[Clause], described: Sequence[Token]) -> str | None:
    def any_of(tokens: Sequence[Token], weight: str = "") -> str | None:
        plain = _plain(tokens)
        return ("(" + " | ".join(f"{t[0]}:{'*' if t[1] else ''}{weight}" if t[1] or weight
                                 else t[0] for t in plain) + ")") if plain else None

    parts = _combined(clauses, any_of, both=" & ", either=" | ")
    if parts is None:
        return None
    if described:
        # The description is the vector's weight C (migration 0011).
        mentioned = any_of(described, "C")
        if mentioned is None:
            return None
        parts.append(mentioned)
    return " & ".join(parts) if parts else None


def described_hits(session: Session, clauses: Sequence[Clause], *,
                   described: Sequence[Token], limit: int) -> list[str]:
    """Ids of the products matching every clause in some field and, unless ``described`` is
    empty, one of ``described`` in their description; the first ``limit`` in id order.

    >>> # described_hits(session, [[[[("breathable", True)]]]],
    >>> #                described=[("breathable", True)], limit=1000) -> ['linen']
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    query = _postgres(clauses, described) if postgres else _sqlite(clauses, described)
    if query is None:
        return []
    if postgres:
        rows = session.execute(
            text("SELECT id FROM products WHERE search_vector @@ to_tsquery('simple', :q) "
                 'ORDER BY id COLLATE "C" LIMIT :limit'),
            {"q": query, "limit": limit},
        )
    else:
        rows = session.execute(
            text("SELECT product_id FROM product_search WHERE product_search MATCH :q "
                 "ORDER BY product_id LIMIT :limit"),
            {"q": query, "limit": limit},
        )
    return [str(row[0]) for row in rows]
