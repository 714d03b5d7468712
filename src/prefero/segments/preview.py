"""Who would be in a segment that is not stored yet: the first customers (by id) meeting a
condition now, and how many do. What the dashboard's builder shows under "Preview" while a
condition is being written (``service.preview`` answers the same for a stored segment).
No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.segments.compile import count_query, members_query
from prefero.segments.conditions import Condition
from prefero.segments.membership import defaults_of
from prefero.segments.service import MAX_PREVIEW

__all__ = ["ConditionPreview", "preview_condition"]


@dataclass(frozen=True)
class ConditionPreview:
    """The first ``customer_ids`` (in id order) of ``total`` customers meeting a condition."""

    total: int
    customer_ids: list[str]


def preview_condition(session: Session, *, condition: Condition, settings: Settings,
                      limit: int = 20, now: datetime | None = None) -> ConditionPreview:
    """The first ``limit`` customer ids meeting ``condition`` now, and their number.

    >>> preview_condition(session, condition=parse_condition(
    ...     {"type": "consent", "purpose": "tracking", "granted": True}),
    ...     settings=settings, limit=2)  # doctest: +SKIP
    ConditionPreview(total=1234, customer_ids=['c0001', 'c0002'])
    """
    if not 1 <= limit <= MAX_PREVIEW:
        raise ValueError(f"limit must be between 1 and {MAX_PREVIEW}")
    now = now or utcnow()
    defaults, dialect = defaults_of(settings), session.get_bind().dialect.name
    ids = list(session.scalars(
        members_query(condition, now=now, defaults=defaults, dialect=dialect)
        .order_by(Customer.id).limit(limit)))
    total = int(session.scalar(count_query(condition, now=now, defaults=defaults,
                                           dialect=dialect)) or 0)
    return ConditionPreview(total=total, customer_ids=ids)
