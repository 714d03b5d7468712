"""Which reason a simulated recommendation click's card led with.

A real storefront's card sends the leading reason code of the item it showed
(``/p/<id>?rec=<placement>&why=<reason>``); the demo's behaviour has no recommender
running, so it picks a code that the engine would plausibly have led with on that
placement for that product: the shop's own campaigns where ``DEMO_CAMPAIGNS`` pin or boost
the product there, fresh products as new arrivals, a customer's declared likes on the home
page, bought-together and similar items on product pages and carts, matches on search.

The draws come from a generator of their own, so that giving clicks reasons changes nothing
else the simulation draws (catalogue, sessions and their timing stay as they were).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from prefero.demo.catalog import NEW_ARRIVAL_DAYS, DemoProduct
from prefero.demo.merchandising import DEMO_CAMPAIGNS
from prefero.merchandising.schemas import RuleIn

__all__ = ["ClickReasons", "featured_on"]

# Uniform draws are taken in blocks: one Generator call per click would cost more than the
# rest of a click's work.
_BLOCK = 4096


def _matches(rule: RuleIn, product: DemoProduct) -> bool:
    condition = rule.condition
    if condition.product_ids:
        return product.id in condition.product_ids
    if condition.facet == "category":
        return any(product.category == value or product.category.startswith(value + " > ")
                   for value in condition.values)
    if condition.facet is None:
        return False
    value = product.facets.get(condition.facet)
    values = value if isinstance(value, list) else [value]
    # A yes/no facet is stored as a bool and written "true" in a rule.
    said = {str(v).lower() if isinstance(v, bool) else str(v) for v in values if v is not None}
    return bool(said & set(condition.values))


def featured_on(product: DemoProduct, placement: str,
                campaigns: Sequence[RuleIn] = DEMO_CAMPAIGNS) -> bool:
    """Whether one of the demo's campaigns pins or boosts ``product`` on ``placement``, so
    that the engine leads its card there with "featured".

    >>> from prefero.merchandising.schemas import Condition
    >>> eco = RuleIn(name="Eco", action="boost", strength=0.5, placements=["cart"],
    ...              condition=Condition(facet="eco", values=["true"]))
    >>> class P:  # only what the check reads
    ...     id, category, facets = "p1", "Groceries > Tea > Green", {"eco": True}
    >>> featured_on(P(), "cart", [eco]), featured_on(P(), "home", [eco])
    (True, False)
    """
    return any(rule.action in ("pin", "boost") and placement in rule.placements
               and _matches(rule, product) for rule in campaigns)


class ClickReasons:
    """Reason codes for the clicks of one simulation, drawn from ``rng`` alone."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._draws: list[float] = []
        self._at = 0
        self._featured: dict[tuple[str, str], bool] = {}

    def chance(self) -> float:
        """A uniform draw in [0, 1) from this generator's own stream."""
        if self._at >= len(self._draws):
            self._draws = self._rng.random(_BLOCK).tolist()
            self._at = 0
        self._at += 1
        return float(self._draws[self._at - 1])

    def _is_featured(self, product: DemoProduct, placement: str) -> bool:
        key = (product.id, placement)
        if key not in self._featured:
            self._featured[key] = featured_on(product, placement)
        return self._featured[key]

    def home(self, product: DemoProduct, *, age_days: float, trending_now: bool,
             likes: bool) -> str:
        """A home page card: the shop's pin, a new arrival, a trend, a declared like (for a
        customer who declared any), else what is popular in its category."""
        if self._is_featured(product, "home") and self.chance() < 0.7:
            return "featured"
        if age_days < NEW_ARRIVAL_DAYS and self.chance() < 0.6:
            return "new_arrival"
        if trending_now and self.chance() < 0.7:
            return "trending"
        if likes and self.chance() < 0.55:
            return "declared_like"
        return "popular"

    def product(self, *, same_category: bool) -> str:
        """A product page card: one of its own category (similar, or viewed by the same
        shoppers) or one from elsewhere (bought with it, or also chosen)."""
        if same_category:
            return "similar" if self.chance() < 0.6 else "co_view"
        return "co_purchase" if self.chance() < 0.55 else "also_chosen"

    def cart(self, product: DemoProduct) -> str:
        """A cart card: the shop's boost where one lifts it, else bought together with or
        complementing what is in the cart."""
        if self._is_featured(product, "cart") and self.chance() < 0.5:
            return "featured"
        return "co_purchase" if self.chance() < 0.65 else "complement"
