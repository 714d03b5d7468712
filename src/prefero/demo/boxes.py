"""The demo's taste box: one persona subscribed to a box, its first delivery rated (one item
loved, one not for them) and a second delivery composed from what the ratings taught, so the
box page and the "box ready" message have something real to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from prefero.boxes import service
from prefero.boxes.models import BoxSubscription
from prefero.boxes.schemas import BoxIn
from prefero.catalog.facets import FacetSchema
from prefero.config import Settings
from prefero.demo.personas import demo_personas

__all__ = ["seed_boxes"]

CADENCE_DAYS = 14
BUDGET = Decimal("120")


def seed_boxes(session: Session, *, settings: Settings, schema: FacetSchema,
               anchor: datetime) -> int | None:
    """Subscribe the first persona a box fits (snacks first) two cadences before ``anchor``,
    rate the first delivery and compose the second. Returns the box's id (None when no
    persona's rules let any box be composed). Deterministic for a given demo."""
    start = anchor - timedelta(days=CADENCE_DAYS + 2)
    for persona in demo_personas(session, settings=settings):
        for theme in settings.box_themes:
            box = service.subscribe(session, customer_id=persona.customer_id, now=start,
                                    settings=settings, schema=schema,
                                    box=BoxIn(theme=theme, cadence_days=CADENCE_DAYS,
                                              budget=BUDGET))
            row = session.get(BoxSubscription, box.id)
            assert row is not None
            history = service.deliveries(session, customer_id=persona.customer_id,
                                         box_id=box.id)
            if not history or len(history[0].items) < 2:
                # The persona's rules leave too little in this box: try the next one.
                session.delete(row)
                session.flush()
                continue
            rated_at = start + timedelta(days=1)
            items = history[0].items
            for item, stars in zip(items, [5, 1, *[4] * (len(items) - 2)], strict=True):
                service.rate_item(session, customer_id=persona.customer_id, box_id=box.id,
                                  number=1, product_id=item.product_id, rating=stars,
                                  now=rated_at)
            service.compose_next(session, row, now=row.next_delivery_at, settings=settings,
                                 schema=schema)
            return box.id
    return None
