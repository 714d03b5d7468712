"""Recommendation statistics for the shop's staff: impressions, clicks, click-through,
carts and purchases after a click, per placement and per reason code, over whole UTC days.

Impressions and clicks are read from the anonymous daily counts
(``prefero.analytics.counts``); carts, purchases and revenue from the stored events of
customers with tracking consent (``prefero.analytics.attribution`` states the rule). No
HTTP here; bad arguments raise ``InvalidInput`` naming the argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.analytics.attribution import PURCHASE_WINDOW, Attributed, attributed
from prefero.analytics.models import RecommendationDaily
from prefero.analytics.reasons import (
    OTHER_PLACEMENT,
    PLACEMENTS,
    placement_label,
    reason_label,
)
from prefero.analytics.schemas import DayCounts, RecommendationStats, StatsRow
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.i18n.languages import LANGUAGES

__all__ = ["EARLIEST", "LATEST", "MAX_DAYS", "recommendation_stats"]

#: The longest period asked at once (a leap year): the attribution reads the period's
#: events, and a dashboard compares at most a year.
MAX_DAYS = 366
#: The days a period may hold: the attribution reaches 8 days around the period, which
#: must stay within what a date can be.
EARLIEST, LATEST = date(1970, 1, 1), date(9999, 12, 1)
_ORDER = {placement: at for at, placement in enumerate((*PLACEMENTS, OTHER_PLACEMENT))}


@dataclass
class _Tally:
    impressions: int = 0
    clicks: int = 0
    followed: Attributed | None = None

    def add(self, other: _Tally) -> None:
        self.impressions += other.impressions
        self.clicks += other.clicks
        if other.followed is not None:
            mine = self.followed = self.followed or Attributed()
            mine.followed_clicks += other.followed.followed_clicks
            mine.add_to_carts += other.followed.add_to_carts
            mine.purchases += other.followed.purchases
            mine.revenue += other.followed.revenue


def _checked(*, start: date, end: date, placement: str | None, language: str) -> None:
    errors = [FieldError((name,), f"a day from {EARLIEST} to {LATEST}")
              for name, day in (("start", start), ("end", end))
              if not EARLIEST <= day <= LATEST]
    if not errors and start > end:
        errors.append(FieldError(("start",), "start is after end"))
    elif not errors and (end - start).days + 1 > MAX_DAYS:
        errors.append(FieldError(("end",), f"at most {MAX_DAYS} days at once"))
    if placement is not None and placement not in _ORDER:
        errors.append(FieldError(("placement",), "not a placement: one of "
                                 + ", ".join(_ORDER)))
    if language not in LANGUAGES:
        errors.append(FieldError(("language",), "one of " + ", ".join(LANGUAGES)))
    if errors:
        raise InvalidInput("invalid period or placement for recommendation statistics",
                           errors)


def recommendation_stats(session: Session, *, start: date, end: date,
                         placement: str | None = None, language: str = "en",
                         currency: str = "PLN", today: date | None = None
                         ) -> RecommendationStats:
    """The statistics of the days ``start`` to ``end`` (UTC, both included), of every
    placement or only ``placement``'s, labelled in ``language``.

    >>> stats = recommendation_stats(session, start=date(2026, 11, 1),
    ...                              end=date(2026, 11, 30))  # doctest: +SKIP
    >>> stats.total.ctr  # doctest: +SKIP
    0.042
    """
    _checked(start=start, end=end, placement=placement, language=language)
    tallies: dict[tuple[str, str], _Tally] = {}
    daily = (select(RecommendationDaily.placement, RecommendationDaily.reason,
                    func.sum(RecommendationDaily.impressions),
                    func.sum(RecommendationDaily.clicks))
             .where(RecommendationDaily.day >= start, RecommendationDaily.day <= end)
             .group_by(RecommendationDaily.placement, RecommendationDaily.reason))
    if placement is not None:
        daily = daily.where(RecommendationDaily.placement == placement)
    for where, reason, shown, clicked in session.execute(daily):
        tallies[(where, reason)] = _Tally(impressions=int(shown or 0), clicks=int(clicked or 0))
    for key, followed in attributed(session, start=start, end=end,
                                    placement=placement).items():
        tallies.setdefault(key, _Tally()).followed = followed

    def row(where: str | None, reason: str | None, tally: _Tally) -> StatsRow:
        return _row(where, reason, tally, language=language)

    rows = sorted((row(where, reason, tally) for (where, reason), tally in tallies.items()),
                  key=lambda r: (-r.impressions, -r.clicks, _ORDER.get(r.placement or "", 99),
                                 r.reason or ""))
    by_placement = [row(where, None, tally) for where, tally in sorted(
        _grouped(tallies, by=0).items(), key=lambda item: (_ORDER.get(item[0], 99), item[0]))]
    by_reason = sorted((row(None, reason, tally)
                        for reason, tally in _grouped(tallies, by=1).items()),
                       key=lambda r: (-r.impressions, -r.clicks, r.reason or ""))
    total = _Tally()
    for tally in tallies.values():
        total.add(tally)
    today = today or utcnow().date()
    first_pending = today - timedelta(days=PURCHASE_WINDOW.days)
    return RecommendationStats(
        start=start, end=end, placement=placement, currency=currency, rows=rows,
        by_placement=by_placement, by_reason=by_reason,
        total=row(None, None, total), days=_days(session, start=start, end=end,
                                                  placement=placement),
        pending_from=max(start, first_pending) if first_pending <= end else None)


def _grouped(tallies: dict[tuple[str, str], _Tally], *, by: int) -> dict[str, _Tally]:
    grouped: dict[str, _Tally] = {}
    for key, tally in tallies.items():
        grouped.setdefault(key[by], _Tally()).add(tally)
    return grouped


def _rate(count: int, total: int) -> float | None:
    return count / total if total else None


def _row(placement: str | None, reason: str | None, tally: _Tally, *,
         language: str) -> StatsRow:
    followed = tally.followed or Attributed()
    return StatsRow(
        placement=placement,
        placement_label=placement_label(placement, language) if placement else None,
        reason=reason, reason_label=reason_label(reason, language) if reason else None,
        impressions=tally.impressions, clicks=tally.clicks,
        ctr=_rate(tally.clicks, tally.impressions),
        followed_clicks=followed.followed_clicks, add_to_carts=followed.add_to_carts,
        add_to_cart_rate=_rate(followed.add_to_carts, followed.followed_clicks),
        purchases=followed.purchases,
        conversion=_rate(followed.purchases, followed.followed_clicks),
        revenue=float(followed.revenue.quantize(Decimal("0.01"))))


def _days(session: Session, *, start: date, end: date, placement: str | None
          ) -> list[DayCounts]:
    query = (select(RecommendationDaily.day, func.sum(RecommendationDaily.impressions),
                    func.sum(RecommendationDaily.clicks))
             .where(RecommendationDaily.day >= start, RecommendationDaily.day <= end)
             .group_by(RecommendationDaily.day))
    if placement is not None:
        query = query.where(RecommendationDaily.placement == placement)
    counted = {day: (int(shown or 0), int(clicked or 0))
               for day, shown, clicked in session.execute(query)}
    return [DayCounts(day=day, impressions=counted.get(day, (0, 0))[0],
                      clicks=counted.get(day, (0, 0))[1]) for day in _each_day(start, end)]


def _each_day(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
