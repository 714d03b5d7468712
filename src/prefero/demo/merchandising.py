"""The demo shop's merchandising campaigns: what a shop's staff would set up, so that the
storefront shows "Featured by the shop" where the shop's choice placed a product. Mild on
purpose: the home row keeps its head (the pin takes slot 4), and the boost of half a unit
reorders only what goes with a cart and never outranks what a customer said they like
(docs/merchandising.md)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.revisions import current
from prefero.merchandising.schemas import Condition, RuleIn
from prefero.merchandising.service import MERCHANDISING, add_rule

__all__ = ["DEMO_CAMPAIGNS", "seed_merchandising"]

DEMO_CAMPAIGNS: tuple[RuleIn, ...] = (
    RuleIn(name="Eco week", action="boost", strength=0.5, placements=["cart", "checkout"],
           condition=Condition(facet="eco", values=["true"])),
    RuleIn(name="Running season", action="pin", position=4, placements=["home"],
           condition=Condition(facet="category", values=["Fashion > Shoes > Running"])),
)


def seed_merchandising(session: Session, *, schema: FacetSchema) -> int:
    """Store the demo's campaigns when the shop's rules were never written (a shop that has
    written or deleted its own keeps them so); answer how many were stored.

    >>> # seed_merchandising(session, schema=runtime.facet_schema) -> 2
    """
    if current(session, MERCHANDISING):
        return 0
    for campaign in DEMO_CAMPAIGNS:
        add_rule(session, campaign, schema=schema)
    return len(DEMO_CAMPAIGNS)
