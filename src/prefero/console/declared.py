"""What customers declare, by facet: for each facet, the values most declared as likes,
dislikes, "never" and "must", counted in customers (one customer declares a value once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from prefero.customers.models import Preference

__all__ = ["DECLARATIONS", "Declaration", "DeclaredValue", "FacetDeclarations", "declared_by_facet"]

Declaration = Literal["like", "dislike", "never", "must"]
#: The order of the columns of every table and of a chart's series.
DECLARATIONS: tuple[Declaration, ...] = ("like", "dislike", "never", "must")


@dataclass(frozen=True)
class DeclaredValue:
    """One value of a facet and how many customers declared it each way."""

    value: str
    counts: dict[Declaration, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class FacetDeclarations:
    """One facet's most declared values, most first; ``customers`` is how many customers
    declared anything about the facet."""

    facet: str
    values: list[DeclaredValue] = field(default_factory=list)
    customers: int = 0


def declared_by_facet(session: Session, *, top: int = 10) -> list[FacetDeclarations]:
    """Per facet (most declared first), its ``top`` values by customers declaring them,
    ties by value. A like of weight above 0 is a like, below 0 a dislike (``weight`` 0
    says nothing and is left out); sizes and "not for me" products are not declarations
    about a facet's values and are left out too.

    >>> [f.facet for f in declared_by_facet(session)][:3]  # doctest: +SKIP
    ['diet', 'brand', 'category']
    """
    if top < 1:
        raise ValueError("top must be at least 1")
    kind = case(
        (Preference.kind.in_(("never", "must")), Preference.kind),
        ((Preference.kind == "like") & (Preference.weight > 0), "like"),
        ((Preference.kind == "like") & (Preference.weight < 0), "dislike"),
        else_=None,
    ).label("declaration")
    rows = session.execute(
        select(Preference.facet, Preference.value, kind, func.count())
        .where(Preference.kind.in_(("like", "never", "must")))
        .group_by(Preference.facet, Preference.value, kind))
    values: dict[str, dict[str, dict[Declaration, int]]] = defaultdict(dict)
    for facet, value, declaration, count in rows:
        if declaration is None:
            continue
        counts = values[facet].setdefault(value, dict.fromkeys(DECLARATIONS, 0))
        counts[declaration] = int(count)
    people = dict(session.execute(
        select(Preference.facet, func.count(func.distinct(Preference.customer_id)))
        .where(Preference.kind.in_(("never", "must"))
               | ((Preference.kind == "like") & (Preference.weight != 0)))
        .group_by(Preference.facet)).all())
    facets = []
    for facet, by_value in values.items():
        ranked = sorted((DeclaredValue(value=value, counts=counts)
                         for value, counts in by_value.items()),
                        key=lambda v: (-v.total, v.value))
        facets.append(FacetDeclarations(facet=facet, values=ranked[:top],
                                        customers=int(people.get(facet, 0))))
    return sorted(facets, key=lambda f: (-f.customers, f.facet))
