"""The checkout's optional services, as a page or a shop's own frontend offers them: the
add-ons (``recommend.add_ons``) for a cart, the customer's rules applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from prefero.recommend.add_ons import add_on_services
from prefero.recommend.constraints import allowed_mask
from prefero.recommend.engine import RecommendationEngine

__all__ = ["AddOn", "checkout_add_ons"]


@dataclass(frozen=True)
class AddOn:
    product_id: str
    title: str
    price: float
    currency: str
    category: str
    goes_with: str  # the title of the cart's product it is for


def checkout_add_ons(session: Session, engine: RecommendationEngine, *,
                     customer_id: str | None, cart: Sequence[str], limit: int) -> list[AddOn]:
    """Up to ``limit`` services for what is in ``cart``: of a cart product's department
    and, where a service says what it is for, of its use; none the customer ruled out.

    >>> # checkout_add_ons(session, runtime.recommender, customer_id="c1",
    >>> #                  cart=["laptop-1"], limit=3)
    """
    index, _model = engine.snapshot(session)
    positions = [index.position[p] for p in cart if p in index.position]
    if not positions:
        return []
    profile = engine.profile(session, customer_id)
    found = add_on_services(index, positions, allowed_mask(index, profile, exclude=cart))
    return [AddOn(product_id=index.ids[p], title=index.titles[p], price=float(index.price[p]),
                  currency=index.currency_of(p), category=index.categories[p],
                  goes_with=index.titles[anchor])
            for p, anchor in found[:limit]]
