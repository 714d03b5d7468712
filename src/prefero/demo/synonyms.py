"""The demo shop's search synonyms: Polish words for its English catalogue that the facet
schema's category names do not give ("chleb" is no category's name: the aisle is
"Pieczywo"), as a Polish shop would write them for its shoppers. Forms match too ("chleba",
"masła"), so each word is given once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from prefero.catalog.revisions import current
from prefero.search.synonyms import SYNONYMS, SynonymRuleIn, replace_rules

__all__ = ["DEMO_SYNONYMS", "seed_synonyms"]

#: Groups of equivalents: a Polish word and the catalogue's English one.
DEMO_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("chleb", "bread"),
    ("bułki", "rolls"),
    ("ser", "cheese"),
    ("mleko", "milk"),
    ("masło", "butter"),
    ("jajka", "eggs"),
    ("miód", "honey"),
    ("mąka", "flour"),
    ("cukier", "sugar"),
    ("mydło", "soap"),
    ("buty", "shoes"),
    ("plecak", "backpack"),
    ("zegarek", "watch"),
)


def seed_synonyms(session: Session) -> int:
    """Store the demo's synonyms when the shop's synonyms were never written (a shop that
    has written or cleared its own keeps them so); answer how many were stored.

    >>> # seed_synonyms(session) -> 13
    """
    if current(session, SYNONYMS):
        return 0
    return len(replace_rules(session, [SynonymRuleIn(terms=list(group))
                                       for group in DEMO_SYNONYMS]))
