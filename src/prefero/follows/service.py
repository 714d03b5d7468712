"""Following brands and categories: the customer's own list of what they want to hear about.

Values are stored in the form the catalogue compares them by (``FacetSchema.compared``: a
brand case-folded, a category path as 'A > B'), the same form a new product's brand and
category have in the catalogue snapshot, so that "who follows this" is one lookup on
``ix_follows_kind_value``. A value must be one that some product carries: following a typo
would silently never show anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.models import ANONYMOUS_PREFIX, Customer
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput
from prefero.follows.models import FOLLOW_KINDS, Follow
from prefero.follows.schemas import FollowKind, FollowOut
from prefero.recommend.catalog_index import CatalogIndex

__all__ = ["compared_value", "exported_follows", "follow", "follows", "is_following",
           "unfollow"]


def compared_value(index: CatalogIndex, *, kind: str, value: str) -> str:
    """``value`` in the form products compare by.

    >>> from prefero.catalog.facets import load_facet_schema
    >>> from prefero.recommend.catalog_index import index_products
    >>> index = index_products([], schema=load_facet_schema())
    >>> compared_value(index, kind="brand", value=" ACME "), compared_value(
    ...     index, kind="category", value="Food/Snacks")
    ('acme', 'Food > Snacks')
    """
    return index.schema.compared(kind, value)


def _label(index: CatalogIndex, kind: str, value: str) -> str:
    # Brands: the shop's own spelling; categories already keep theirs.
    return index.label(kind, value) if kind == "brand" else value


def _out(row: Follow, index: CatalogIndex | None) -> FollowOut:
    label = _label(index, row.kind, row.value) if index is not None else row.value
    return FollowOut(kind=row.kind, value=row.value,
                     label=label, created_at=row.created_at)


def _checked(index: CatalogIndex, kind: str, value: str) -> str:
    if kind not in FOLLOW_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(FOLLOW_KINDS)}",
                           [FieldError(("kind",), f"must be one of {', '.join(FOLLOW_KINDS)}")])
    compared = compared_value(index, kind=kind, value=value)
    if not compared or (kind, compared) not in index.postings:
        raise InvalidInput(f"no product has {kind} {value!r}",
                           [FieldError(("value",), f"no product in the catalogue has this "
                                                   f"{kind}")])
    return compared


def follow(session: Session, *, customer_id: str, kind: str, value: str,
           index: CatalogIndex, settings: Settings, now: datetime | None = None) -> FollowOut:
    """Follow a brand or category (creating the customer); following it again changes
    nothing. ``InvalidInput`` (``("kind",)`` or ``("value",)``) for what the catalogue does
    not carry; ``Conflict`` past ``settings.follows_max``.

    >>> follow(session, customer_id="c1", kind="brand", value="Acme", index=index,
    ...        settings=settings).value  # doctest: +SKIP
    'acme'
    """
    compared = _checked(index, kind, value)
    ensure_customers(session, {customer_id: customer_id.startswith(ANONYMOUS_PREFIX)})
    # The customer's row is the lock that makes "count, then insert" safe when two requests
    # of one customer race (SQLite serializes writers already).
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    existing = session.scalar(select(Follow).where(
        Follow.customer_id == customer_id, Follow.kind == kind, Follow.value == compared))
    if existing is not None:
        return _out(existing, index)
    held = session.scalar(select(func.count()).select_from(Follow)
                          .where(Follow.customer_id == customer_id)) or 0
    if held >= settings.follows_max:
        raise Conflict(f"the customer follows {held} brands and categories already, the most "
                       f"allowed; unfollow one first",
                       [FieldError(("value",), f"at most {settings.follows_max} follows")])
    row = Follow(customer_id=customer_id, kind=kind, value=compared,
                 created_at=now or utcnow())
    session.add(row)
    session.flush()
    return _out(row, index)


def unfollow(session: Session, *, customer_id: str, kind: FollowKind | str, value: str,
             index: CatalogIndex) -> bool:
    """Stop following; True when something was followed. A brand no product carries any
    more can still be unfollowed (the value is compared as stored)."""
    compared = compared_value(index, kind=kind, value=value) if kind in FOLLOW_KINDS else value
    result = session.execute(delete(Follow).where(
        Follow.customer_id == customer_id, Follow.kind == kind,
        Follow.value.in_({compared, value})))
    return bool(getattr(result, "rowcount", 0))


def follows(session: Session, *, customer_id: str, index: CatalogIndex | None = None
            ) -> list[FollowOut]:
    """What the customer follows, brands first, then by name; empty for a stranger (reading
    creates no customer)."""
    rows = session.scalars(select(Follow).where(Follow.customer_id == customer_id)
                           .order_by(Follow.kind, Follow.value))
    return [_out(row, index) for row in rows]


def is_following(session: Session, *, customer_id: str, kind: str, value: str,
                 index: CatalogIndex) -> bool:
    compared = compared_value(index, kind=kind, value=value)
    return session.scalar(select(Follow.id).where(
        Follow.customer_id == customer_id, Follow.kind == kind,
        Follow.value == compared)) is not None


def exported_follows(session: Session, customer_id: str) -> list[FollowOut]:
    """The customer's follows for the data export (values as stored)."""
    return follows(session, customer_id=customer_id)
