"""Recommendation statistics over HTTP, for the shop's dashboard: one read-only endpoint.

Thin on purpose: the numbers and their definitions live in ``prefero.analytics``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from prefero.analytics.schemas import RecommendationStats
from prefero.analytics.stats import MAX_DAYS, recommendation_stats
from prefero.api.deps import DbSession, Language, Rt, require
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

# A read key: aggregate counts with nobody's name on them, as a reporting tool reads them.
router = APIRouter(tags=["recommendations"], dependencies=[Depends(require("read"))])

#: The period when none is asked: the last 30 days, today included.
DEFAULT_DAYS = 30


@router.get("/v1/stats/recommendations", response_model=RecommendationStats,
            summary="Impressions, clicks and conversion of recommendations")
def get_recommendation_stats(
    session: DbSession,
    runtime: Rt,
    language: Language,
    start: Annotated[date | None, Query(
        description="First UTC day counted (YYYY-MM-DD); 29 days before end when left out",
    )] = None,
    end: Annotated[date | None, Query(
        description=f"Last UTC day counted, at most {MAX_DAYS} days after start; today "
                    "when left out")] = None,
    placement: Annotated[str | None, Query(
        max_length=20, description="Only this placement (home, product, cart, checkout, "
                                   "search, or other)")] = None,
) -> RecommendationStats:
    """Per placement and reason code: items shown (impressions), clicks and click-through
    rate, and what the clicks of customers with tracking consent led to (an add to cart of
    the clicked product within 24 hours, a purchase within 7 days, last click wins), with
    totals per placement, per reason and overall, and impressions and clicks per day.
    Labels are in the request's language (Accept-Language); rates are fractions in [0, 1],
    `null` where nothing divides. docs/recommendation-stats.md defines every number."""
    end = end or utcnow().date()
    # Never before the first date there is (end=0001-01-05 is refused below, not a 500).
    start = start or end - timedelta(days=min(DEFAULT_DAYS - 1, (end - date.min).days))
    try:
        return recommendation_stats(session, start=start, end=end, placement=placement,
                                    language=language, currency=runtime.shop_currency)
    except InvalidInput as exc:
        # The service names its arguments; on this API they arrived in the query string.
        raise InvalidInput(exc.detail, [FieldError(("query", *e.loc), e.msg)
                                        for e in exc.errors]) from exc
