"""Composing one box delivery: which products go in, within the budget and the rules.

The steps, each a small function so the tests can hold them to their promise:

1. **Candidates**: the theme's categories, for sale (active, in stock), priced in the box's
   currency, and passing every hard rule the customer declared: ``never`` and ``must``
   rules, the per-item budget, sizes, products marked "not for me". The masks and the
   independent item-by-item re-check are the recommendation pipeline's own
   (``prefero.recommend.constraints``), so a box can never show what a listing would hide.
2. **No repeats**: a product from the subscription's last ``REPEAT_WINDOW`` deliveries stays
   out, unless the customer rated it 5 stars; a product rated 1 star never returns.
3. **Ranking**: the customer's declared likes (when their level lets declared data rank),
   plus what their ratings taught (``learned``): each rating moves the rated item's brand and
   leaf category up (4–5 stars) or down (1–2 stars) for every later box.
4. **Choosing**: greedy by rank, skipping what no longer fits the budget, at most
   ``PER_LEAF`` items from one leaf category (more where the theme has too few leaves to
   fill the box otherwise) and one per product family, up to the shop's ``box_items``.
   Greedy rather than a knapsack on purpose: a box holds a handful of items, and greedy
   keeps the customer's ranking readable ("the best-ranked that still fits"), where a
   knapsack would trade a loved item for two cheaper ones to fill the budget.

Every tie is broken by price, then product id, so the same state composes the same box.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from prefero.boxes.themes import Theme
from prefero.catalog.facets import CATEGORY_SEPARATOR, FacetSchema
from prefero.catalog.models import Product
from prefero.recommend.catalog_index import CatalogIndex, ProductRow, index_products
from prefero.recommend.constraints import allowed_mask, assert_allowed, has_value
from prefero.recommend.profile import CustomerProfile

__all__ = [
    "PER_LEAF",
    "REPEAT_WINDOW",
    "Learned",
    "PastItem",
    "Pick",
    "learned",
    "plan_box",
    "theme_rows",
]

#: How many of the latest deliveries a product may not repeat from (5 stars excepted).
REPEAT_WINDOW = 3
#: The most items from one leaf category in one box: a box is a discovery, not a stack.
PER_LEAF = 2
#: How far one rating moves its item's brand (and, at ``LEAF_SHARE`` of it, its leaf
#: category). On the scale of a declared like (-1..1): a 1-star brand weighs like a mild
#: "rather not".
RATING_SHIFT: Mapping[int, float] = {1: -1.0, 2: -0.5, 3: 0.0, 4: 0.25, 5: 0.5}
LEAF_SHARE = 0.6


@dataclass(frozen=True, slots=True, kw_only=True)
class PastItem:
    """An item of an earlier delivery, as the composition needs it."""

    product_id: str
    brand: str | None
    category: str
    #: The delivery's number within its subscription (None: another subscription's box).
    number: int | None
    rating: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pick:
    product_id: str
    title: str
    brand: str | None
    category: str
    price: Decimal
    score: float


@dataclass(frozen=True, slots=True)
class Learned:
    """What the ratings taught: score shifts by brand and by leaf category (folded forms),
    and the products never to send again."""

    brand: Mapping[str, float]
    leaf: Mapping[str, float]
    refused: frozenset[str]


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


def learned(history: Iterable[PastItem]) -> Learned:
    """Sum every rating's shift into its brand and leaf category.

    >>> past = [PastItem(product_id="p1", brand="Acme", category="Snacks > Bars", number=1,
    ...                  rating=1)]
    >>> taught = learned(past)
    >>> taught.brand["acme"], taught.leaf["snacks > bars"], sorted(taught.refused)
    (-1.0, -0.6, ['p1'])
    """
    brand: dict[str, float] = defaultdict(float)
    leaf: dict[str, float] = defaultdict(float)
    refused: set[str] = set()
    for item in history:
        if item.rating is None:
            continue
        shift = RATING_SHIFT[item.rating]
        if item.brand:
            brand[_fold(item.brand)] += shift
        leaf[_fold(item.category)] += shift * LEAF_SHARE
        if item.rating == 1:
            refused.add(item.product_id)
    return Learned(dict(brand), dict(leaf), frozenset(refused))


def _blocked(history: Sequence[PastItem]) -> set[str]:
    """Products of the last ``REPEAT_WINDOW`` deliveries not rated 5 stars (an item's latest
    rating counts), and every product rated 1 star."""
    numbers = sorted({item.number for item in history if item.number is not None})
    recent = set(numbers[-REPEAT_WINDOW:])
    latest: dict[str, tuple[int, int | None]] = {}
    for item in history:
        if item.number is None:
            continue
        seen = latest.get(item.product_id)
        if seen is None or item.number > seen[0] or (item.number == seen[0]
                                                     and item.rating is not None):
            latest[item.product_id] = (item.number, item.rating)
    blocked = {item.product_id for item in history
               if item.number in recent and latest[item.product_id][1] != 5}
    return blocked | set(learned(history).refused)


def _theme_mask(index: CatalogIndex, theme: Theme, schema: FacetSchema) -> np.ndarray:
    mask = np.zeros(index.size, dtype=bool)
    for path in theme.categories:
        mask |= index.mask_for("category", schema.compared("category", path))
    return mask


def plan_box(*, rows: Sequence[ProductRow], schema: FacetSchema, theme: Theme,
             profile: CustomerProfile, history: Sequence[PastItem], budget: Decimal,
             currency: str, max_items: int) -> list[Pick]:
    """The products of the next delivery, best-ranked first.

    ``rows``: the catalogue's products (any; those outside the theme are ignored), sorted
    by id. ``history``: the customer's earlier box items (their numbers: this
    subscription's deliveries). Pure: the same arguments give the same box.
    """
    ordered = sorted(rows, key=lambda row: row.id)
    index = index_products(ordered, schema=schema)
    by_id = {row.id: row for row in ordered}
    mask = allowed_mask(index, profile, exclude=_blocked(history))
    mask &= _theme_mask(index, theme, schema)
    taught = learned(history)
    scored: list[tuple[float, Decimal, str]] = []
    for position in np.flatnonzero(mask):
        row = by_id[index.ids[position]]
        if row.currency and row.currency != currency:
            continue
        price = row.sale_price if row.sale_price is not None else row.price
        if price <= 0 or price > budget:
            continue
        score = taught.brand.get(_fold(row.brand), 0.0) + taught.leaf.get(
            _fold(row.category), 0.0)
        if profile.uses_declared:
            values = index.facet_values[position]
            for facet, value, weight in profile.likes:
                if has_value(values, facet, schema.compared(facet, value)):
                    score += weight
        scored.append((round(score, 9), price, row.id))
    scored.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    # A theme of one or two leaves (coffee) may fill the box from them: the cap spreads a
    # box over the leaves there are, it does not leave it half empty.
    leaves = {_fold(by_id[product_id].category) for _, _, product_id in scored}
    per_leaf_cap = max(PER_LEAF, -(-max_items // max(len(leaves), 1)))
    picks: list[Pick] = []
    total = Decimal(0)
    per_leaf: dict[str, int] = defaultdict(int)
    families: set[str] = set()
    for score, price, product_id in scored:
        if len(picks) >= max_items:
            break
        row = by_id[product_id]
        family = row.item_group_id or f"\x00{row.id}"
        leaf = _fold(row.category)
        if total + price > budget or per_leaf[leaf] >= per_leaf_cap or family in families:
            continue
        picks.append(Pick(product_id=row.id, title=row.title, brand=row.brand,
                          category=row.category, price=price, score=score))
        total += price
        per_leaf[leaf] += 1
        families.add(family)
    # The pipeline's own second check, by independent code: a bug above fails loudly.
    assert_allowed(index, [index.position[pick.product_id] for pick in picks], profile)
    return picks



def theme_rows(session: Session, theme: Theme) -> list[ProductRow]:
    """The catalogue's products under the theme's categories, by id."""
    paths = [path.strip() for path in theme.categories if path.strip()]
    if not paths:
        return []
    where = or_(*(or_(Product.category == path,
                      Product.category.startswith(path + CATEGORY_SEPARATOR, autoescape=True))
                  for path in paths))
    rows = session.execute(
        select(Product.id, Product.title, Product.price, Product.sale_price, Product.active,
               Product.availability, Product.category, Product.brand, Product.facets,
               Product.created_at, Product.currency, Product.item_group_id)
        .where(where).order_by(Product.id)).all()
    return [ProductRow(*row) for row in rows]
