"""Full-text lookup: SQLite FTS5 or PostgreSQL tsvector, behind one function."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["keyword_hits", "search_terms"]

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def search_terms(query: str) -> list[str]:
    """Words of a free-text query; operators and punctuation are dropped, never interpreted.

    >>> search_terms('trail "runner" -2 OR x*')
    ['trail', 'runner', '2', 'or', 'x']
    """
    return [w.casefold() for w in _WORD.findall(query)][:MAX_TERMS]


def keyword_hits(session: Session, query: str, *, limit: int = 500) -> list[str]:
    """Product ids matching every word (as a prefix, so partial words find too), best first."""
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
