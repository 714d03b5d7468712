"""Fit feedback from returns: a ``return`` event with a size and the reason ``too_small`` or
``too_large``, of a customer who allows measurements for fit, is kept here (apart from the
event store, which links events to a person only with tracking consent) and moves that
customer's next size advice for the returned product's size chart.

Ingest calls ``record_returns`` with every new event of a batch; a batch without such
returns costs nothing, one with them a consent read and one insert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.consent import purpose_consents
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.events.schemas import EventIn
from prefero.fit.advice import Returned
from prefero.fit.charts import SizeCharts
from prefero.fit.models import FitFeedback
from prefero.types import EventType

__all__ = ["FIT_REASONS", "newest_returns", "record_returns"]

#: The return reasons that say how a size fitted; the others (not as described, changed
#: mind) say nothing about size and are not kept here.
FIT_REASONS = ("too_small", "too_large")
#: Feedback rows read per customer (the newest): enough for every chart of a shop.
_READ_LIMIT = 100


def record_returns(session: Session, events: Sequence[EventIn], *, settings: Settings) -> int:
    """Keep the fit feedback of ``events`` (already de-duplicated by ingest) for customers
    with the ``fit`` consent; answers how many rows were added.

    >>> record_returns(session, [EventIn(event_id="r-1", type="return", customer_id="c1",
    ...     product_id="p1", reason="too_small", size="M")], settings=settings)
    ... # doctest: +SKIP
    1
    """
    returns = [e for e in events if e.type is EventType.RETURN and e.size is not None
               and e.reason in FIT_REASONS and e.customer_id is not None
               and e.product_id is not None]
    if not returns:
        return 0
    allowed = purpose_consents(session, {e.person for e in returns}, purpose="fit",
                               settings=settings)
    kept = [e for e in returns if allowed[e.person]]
    if not kept:
        return 0
    if settings.default_consent_fit:
        # Consent by default names people with no ledger row, who may have no row at all.
        ensure_customers(session, dict.fromkeys(sorted({e.person for e in kept}), False))
    now = utcnow()
    session.add_all(FitFeedback(customer_id=e.person, product_id=e.product_id, size=e.size,
                                reason=e.reason, occurred_at=e.occurred_at, recorded_at=now)
                    for e in kept)
    session.flush()
    return len(kept)


def newest_returns(session: Session, *, customer_id: str, charts: SizeCharts
                   ) -> dict[str, Returned]:
    """Per size chart, the newest return that said how a size fitted (one query, joined to
    the returned products to find their charts).

    >>> newest_returns(session, customer_id="c1", charts=charts)  # doctest: +SKIP
    {'tops': Returned(size='M', reason='too_small')}
    """
    rows = session.execute(
        select(FitFeedback.size, FitFeedback.reason, Product.brand, Product.category,
               Product.facets)
        .join(Product, Product.id == FitFeedback.product_id)
        .where(FitFeedback.customer_id == customer_id)
        .order_by(FitFeedback.occurred_at.desc(), FitFeedback.id.desc())
        .limit(_READ_LIMIT))
    found: dict[str, Returned] = {}
    for size, reason, brand, category, facets in rows:
        chart = charts.chart_for(brand=brand, category=category or "",
                                 tags=_tags(facets))
        if chart is not None and chart.chart_id not in found and reason in FIT_REASONS:
            found[chart.chart_id] = Returned(
                size=size, reason="too_small" if reason == "too_small" else "too_large")
    return found


def _tags(facets: Mapping[str, object] | None) -> tuple[str, ...]:
    raw = (facets or {}).get("tags")
    return tuple(str(tag) for tag in raw) if isinstance(raw, list) else ()
