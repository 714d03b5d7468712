"""What placed an item, and what a row rests on, so that a row is named by what placed its
items ("Picked for you" only where the customer's declared preferences or behaviour did).

An item's basis follows its reasons, the evidence shown to the customer, not the scores: an
item that carries no declared or behavioural reason was not picked for the person, however
its score was made. On a page about products, an item from the page's context (what relates
to the anchors) rests on that context whatever else it matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from prefero.recommend.explain import BEHAVIOURAL_CODES
from prefero.types import Basis

__all__ = ["DECLARED_CODES", "PAGE_CODES", "PERSONAL", "item_basis", "row_basis"]

DECLARED_CODES = frozenset({"declared_like", "declared_peers"})
#: Reasons that name one of the page's products (complement, co-view, transition, attributes).
PAGE_CODES = frozenset({"complement", "also_chosen", "similar"})
#: Bases that make a row the customer's own ("Picked for you").
PERSONAL: frozenset[Basis] = frozenset({"declared", "behaviour"})


def item_basis(codes: Sequence[str], *, from_context: bool = False) -> Basis:
    """The basis of one item from its reason codes; ``from_context``: it came from the
    related set of a product, cart or checkout page.

    >>> item_basis(["trending", "new_arrival"]), item_basis(["declared_like", "co_view"])
    ('editorial', 'declared')
    >>> item_basis(["declared_like"], from_context=True), item_basis(["exploration"])
    ('context', 'exploration')
    """
    found = set(codes)
    if "exploration" in found:
        return "exploration"
    if "search_match" in found:
        return "search"
    if from_context or found & PAGE_CODES:
        return "context"
    if found & DECLARED_CODES:
        return "declared"
    if found & BEHAVIOURAL_CODES:
        return "behaviour"
    return "editorial"


def row_basis(bases: Sequence[Basis], *, default: Basis = "editorial") -> Basis:
    """What most of the row's items rest on, the exploration slot not counted; on a tie the
    basis of the earliest item among the tied.

    >>> row_basis(["declared", "editorial", "editorial", "exploration"])
    'editorial'
    >>> row_basis(["declared", "editorial"]), row_basis(["exploration"])
    ('declared', 'editorial')
    """
    counted = [basis for basis in bases if basis != "exploration"]
    if not counted:
        return default
    tally = Counter(counted)
    top = max(tally.values())
    return next(basis for basis in counted if tally[basis] == top)
