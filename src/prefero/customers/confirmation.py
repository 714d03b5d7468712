"""The customer says "still true": confirming declared values without changing them.

Confirming sets ``confirmed_at`` (``prefero.customers.freshness``) and nothing else: weight,
source and ``updated_at`` stay, so a merge still sees when the value was last *changed*. The
row is written, so the database's triggers (migration 0007) move the customer's
``profile_revision`` and every cached profile is replaced: a like that had lost weight gets
it back on the very next recommendation.

No HTTP here: functions take a ``Session`` inside the caller's unit of work, commit nothing
and raise ``PreferoError`` subclasses; an unknown value refuses the whole request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.customers.models import Customer, Preference
from prefero.customers.repository import require_customer
from prefero.errors import FieldError, InvalidInput

__all__ = ["CONFIRMABLE_KINDS", "ConfirmIn", "ConfirmOut", "ValueRef", "confirm_values"]

# What the customer is ever asked about again (dismissals are not declarations of taste).
CONFIRMABLE_KINDS: tuple[str, ...] = ("like", "never", "must", "size")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValueRef(_Strict):
    """One declared value, as ``GET .../preferences`` answers it (``stale`` entries fit)."""

    kind: Literal["like", "never", "must", "size"]
    facet: str = Field(min_length=1, max_length=500,
                       description="The facet; for a size, the category path as stored")
    value: str = Field(min_length=1, max_length=500, description="As stored")


class ConfirmIn(_Strict):
    """Which values still hold. Leave ``values`` out (or null) to confirm the whole profile."""

    values: list[ValueRef] | None = Field(default=None, min_length=1, max_length=1000)


class ConfirmOut(_Strict):
    customer_id: str
    confirmed: list[ValueRef]
    confirmed_at: datetime


def confirm_values(session: Session, *, customer_id: str, values: list[ValueRef] | None,
                   now: datetime) -> ConfirmOut:
    """Mark ``values`` (None: every like, rule and size) confirmed at ``now``.

    ``NotFound`` for an unknown customer; ``InvalidInput`` with ``("values", i)`` for each
    value the profile does not hold, and nothing confirmed.

    >>> confirm_values(session, customer_id="c1", now=now, values=[
    ...     ValueRef(kind="size", facet="Fashion > Kids", value="110")]).confirmed[0].value
    ... # doctest: +SKIP
    '110'
    """
    require_customer(session, customer_id)
    # Lock the customer row first, as every write to a profile does (one order for writers).
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    rows = {(r.kind, r.facet, r.value): r for r in session.scalars(
        select(Preference).where(Preference.customer_id == customer_id,
                                 Preference.kind.in_(CONFIRMABLE_KINDS))
        .order_by(Preference.id))}
    if values is None:
        chosen = list(rows.values())
    else:
        errors = [FieldError(("values", i), f"the profile holds no {ref.kind} "
                                            f"{ref.value!r} on {ref.facet!r}")
                  for i, ref in enumerate(values) if (ref.kind, ref.facet, ref.value) not in rows]
        if errors:
            raise InvalidInput(f"{len(errors)} value(s) not in the profile", errors)
        chosen = list({id(row): row for row in
                       (rows[(ref.kind, ref.facet, ref.value)] for ref in values)}.values())
    for row in chosen:
        row.confirmed_at = now
    session.flush()
    return ConfirmOut(customer_id=customer_id, confirmed_at=now, confirmed=[
        ValueRef(kind=row.kind, facet=row.facet, value=row.value)
        for row in chosen])
