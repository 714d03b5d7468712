""""New from what you follow": the newest products of the brands and categories a customer
follows that they may be shown.

Read from the catalogue snapshot the recommender holds: each follow is one postings lookup
(the products having that brand, or lying anywhere under that category), so the cost grows
with what the customer follows, not with the catalogue. Every product passes
``prefero.recommend.constraints.violations`` — the same item-by-item check that guards every
recommendation — so a product that is out of stock, breaks a ``never`` or ``must`` rule, the
budget or the sizes, or was marked "Not for me" never shows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.follows.models import Follow
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.constraints import violations
from prefero.recommend.profile import CustomerProfile

__all__ = ["NewArrival", "new_from_followed", "newest_followed"]


@dataclass(frozen=True, slots=True)
class NewArrival:
    product_id: str
    title: str
    price: float
    currency: str
    category: str
    created_at: datetime
    #: The follow that brought it: ("brand", "acme") or ("category", "Fashion > Shoes").
    kind: str
    value: str
    #: The brand as the shop writes it, or the followed category path.
    label: str


def new_from_followed(session: Session, *, profile: CustomerProfile, index: CatalogIndex,
                      now: datetime, window: timedelta, n: int) -> list[NewArrival]:
    """Up to ``n`` products created within ``window`` before ``now`` that have a followed
    brand or lie under a followed category, newest first, each allowed by the customer's
    rules (none when the customer's level or consent rules out declared preferences). A
    product both followed ways is credited to its brand (the narrower reason).

    >>> new_from_followed(session, profile=profile, index=index, now=now,
    ...                   window=timedelta(days=30), n=8)  # doctest: +SKIP
    [NewArrival(product_id='p7', ..., kind='brand', value='acme', label='Acme')]
    """
    # Follows are declared preferences: at level "off", or with the consent to use what the
    # customer told us withdrawn, the home page shows none of them.
    if profile.customer_id is None or not profile.uses_declared or n <= 0:
        return []
    followed = [(str(kind), str(value)) for kind, value in session.execute(
        select(Follow.kind, Follow.value).where(Follow.customer_id == profile.customer_id))]
    return newest_followed(index=index, profile=profile, followed=followed, now=now,
                           window=window, n=n)


def newest_followed(*, index: CatalogIndex, profile: CustomerProfile,
                    followed: Sequence[tuple[str, str]], now: datetime, window: timedelta,
                    n: int) -> list[NewArrival]:
    """``new_from_followed`` once the follows are read: ``followed`` holds (kind, value)
    pairs in stored form.

    >>> from datetime import timezone
    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import index_products
    >>> index = index_products([], schema=load_facet_schema())
    >>> newest_followed(index=index, profile=CustomerProfile("c1", "balanced", {}),
    ...                 followed=[("brand", "acme")], now=datetime.now(timezone.utc),
    ...                 window=timedelta(days=30), n=8)
    []
    """
    # Brands first: their credit wins over a category's below.
    followed = sorted(followed)
    reason: dict[int, tuple[str, str]] = {}
    for kind, value in followed:
        positions = index.postings.get((kind, value))
        if positions is None:
            continue
        for position in positions.tolist():
            reason.setdefault(position, (kind, value))
    if not reason:
        return []
    candidates = np.fromiter(reason, dtype=np.int64, count=len(reason))
    since = (now - window).timestamp()
    created = index.created_ts[candidates]
    fresh = (created > since) & (created <= now.timestamp()) & index.eligible[candidates]
    candidates, created = candidates[fresh], created[fresh]
    # Newest first; ties in catalogue order, so the section does not shuffle between pages.
    order = np.lexsort((candidates, -created))
    found: list[NewArrival] = []
    for position in candidates[order].tolist():
        if violations(index, position, profile):
            continue
        kind, value = reason[position]
        found.append(NewArrival(
            product_id=index.ids[position], title=index.titles[position],
            price=float(index.price[position]), currency=index.currency_of(position),
            category=index.categories[position],
            created_at=datetime.fromtimestamp(float(index.created_ts[position]), tz=now.tzinfo),
            kind=kind, value=value,
            label=index.label(kind, value) if kind == "brand" else value))
        if len(found) == n:
            break
    return found
