"""Recommendation statistics: impressions and clicks over a period, and per placement and
per reason how often recommendations are clicked, put in the cart and bought
(``prefero.analytics.stats`` counts them; docs/recommendation-stats.md defines each number).

The period is a form of whole UTC days (the last ``DEFAULT_DAYS`` when not given) and an
optional placement; a wrong field is shown beside it, in the page's language, and nothing
is counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal

from babel.dates import format_date, format_skeleton
from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from prefero.analytics.reasons import OTHER_PLACEMENT, PLACEMENTS, placement_label
from prefero.analytics.schemas import DayCounts, RecommendationStats, StatsRow
from prefero.analytics.stats import EARLIEST, LATEST, MAX_DAYS, recommendation_stats
from prefero.api.deps import DbSession, Rt
from prefero.db.base import utcnow
from prefero.errors import InvalidInput
from prefero.i18n.catalogues import N_
from prefero.i18n.formats import money
from prefero.web.dashboard.access import Staff
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["DEFAULT_DAYS", "PAGE", "Period", "buckets", "router"]

PAGE = register(NavPage(key="recommendations", path="/dashboard/recommendations",
                        label=N_("Recommendations"), order=60))
router = APIRouter()

#: The period shown when the form gives none: four whole weeks, today included.
DEFAULT_DAYS = 28
# A period this long is drawn day by day, up to WEEKS_UP_TO week by week, then by month:
# a bar per day of a year would make a chart thousands of pixels tall.
DAYS_UP_TO = 31
WEEKS_UP_TO = 26 * 7
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Grain = Literal["day", "week", "month"]


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class Period:
    """What the form asked for, as typed (to show again) and as understood."""

    start_text: str
    end_text: str
    placement: str
    start: date | None
    end: date | None


def _day(text: str) -> date | None:
    """``YYYY-MM-DD`` (what a date field sends) as a date; None when it is not one."""
    if not _DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _period(start: str | None, end: str | None, placement: str | None, *, today: date
            ) -> tuple[Period, dict[str, str]]:
    """The period the form names, and the fields it could not read (field → message id).
    A field left empty takes its default: the last ``DEFAULT_DAYS`` days up to today, or
    that many days up to the last day given."""
    start_text, end_text = (start or "").strip()[:40], (end or "").strip()[:40]
    errors: dict[str, str] = {}
    last = _day(end_text) if end_text else today
    if last is None:
        errors["end"] = N_("Enter a day as year-month-day, such as {example}.")
    first = _day(start_text) if start_text else (
        date.fromordinal(max(1, last.toordinal() - (DEFAULT_DAYS - 1))) if last else None)
    if first is None:
        errors["start"] = N_("Enter a day as year-month-day, such as {example}.")
    return Period(start_text=start_text or (first.isoformat() if first else ""),
                  end_text=end_text or (last.isoformat() if last else ""),
                  placement=(placement or "").strip()[:40], start=first, end=last), errors


def _refused(exc: InvalidInput, period: Period) -> dict[str, str]:
    """The service's refusal, field by field, as message ids for the page."""
    found: dict[str, str] = {}
    for error in exc.errors:
        field = str(error.loc[0]) if error.loc else "form"
        day = period.start if field == "start" else period.end
        if field in ("start", "end") and day is not None and not EARLIEST <= day <= LATEST:
            found[field] = N_("Choose a day from {first} to {last}.")
        elif field == "start":
            found[field] = N_("The first day must not be after the last day.")
        elif field == "end":
            found[field] = N_("Choose at most {days} days at once.")
        elif field == "placement":
            found[field] = N_("Choose one of the listed placements.")
        else:
            found["form"] = N_("Check the period and the placement.")
    return found


# --------------------------------------------------------------------------- the figures


def buckets(days: list[DayCounts], *, grain: Grain) -> list[tuple[date, int, int]]:
    """``days`` added up by ``grain``: (first day of the bucket within the period,
    impressions, clicks), in order. Weeks start on Monday.

    >>> from prefero.analytics.schemas import DayCounts as D
    >>> buckets([D(day=date(2026, 11, d), impressions=d, clicks=1) for d in (1, 2, 3)],
    ...         grain="week")
    [(datetime.date(2026, 11, 1), 1, 1), (datetime.date(2026, 11, 2), 5, 2)]
    """
    found: dict[date, list[int]] = {}
    for entry in days:
        if grain == "day":
            key = entry.day
        elif grain == "week":
            key = entry.day - timedelta(days=entry.day.weekday())
        else:
            key = entry.day.replace(day=1)
        tally = found.setdefault(key, [0, 0, 0])
        if tally[2] == 0:
            tally[2] = entry.day.toordinal()  # the bucket's first day within the period
        tally[0] += entry.impressions
        tally[1] += entry.clicks
    return [(date.fromordinal(first), shown, clicked)
            for shown, clicked, first in found.values()]


def _grain(days: int) -> Grain:
    if days <= DAYS_UP_TO:
        return "day"
    return "week" if days <= WEEKS_UP_TO else "month"


def _over_time(stats: RecommendationStats, t: Translator, n: Numbers) -> Figure:
    grain = _grain(len(stats.days))
    found = buckets(stats.days, grain=grain)
    language = t.language
    # The table names the year only when the period spans two (the page says which).
    years = stats.start.year != stats.end.year

    def label(first: date, *, short: bool) -> str:
        if grain == "month":
            return format_date(first, "LLLL y", locale=language)
        if short:
            shown = format_skeleton("MMMd", first, locale=language)
        elif grain == "day":
            shown = format_skeleton("yMMMEd" if years else "MMMEd", first, locale=language)
        else:
            shown = format_skeleton("yMMMd" if years else "MMMd", first, locale=language)
        return t("Week from {day}", day=shown) if grain == "week" else shown

    titles = {"day": t("Impressions and clicks per day"),
              "week": t("Impressions and clicks per week"),
              "month": t("Impressions and clicks per month")}
    return figure(
        Chart(key="over-time", title=titles[grain],
              labels=[label(first, short=True) for first, _s, _c in found],
              series=[Series(t("Impressions"), [shown for _f, shown, _c in found]),
                      Series(t("Clicks"), [clicked for _f, _s, clicked in found])],
              number=n.count),
        columns=[t("Day") if grain == "day" else t("Period"), t("Impressions"), t("Clicks"),
                 t("Click-through rate")],
        rows=[[label(first, short=False), n.count(shown), n.count(clicked),
               n.share(clicked / shown if shown else None)]
              for first, shown, clicked in found])


def _breakdown(key: str, title: str, heading: str, rows: list[StatsRow], *,
               names: list[str], currency: str, t: Translator, n: Numbers) -> Figure:
    """The click-through rate per placement or per reason (the chart) with every count and
    rate (the table)."""
    return figure(
        # Only the click-through rate is drawn: the rates after a click divide by another
        # number (the clicks that can be followed), often a small one; the table has them.
        # Drawn in percentage points: pygal picks no axis labels but 0 for a range below 1
        # (its majorize() truncates the range's log10 towards zero).
        Chart(key=key, title=title, labels=names,
              series=[Series(t("Click-through rate"),
                             [None if r.ctr is None else r.ctr * 100 for r in rows])],
              number=lambda points: n.share(points / 100)),
        columns=[heading, t("Impressions"), t("Clicks"), t("Click-through rate"),
                 t("Clicks that can be followed"), t("Added to the cart"), t("Add-to-cart rate"),
                 t("Bought"), t("Conversion"), t("Revenue")],
        rows=[[name, n.count(r.impressions), n.count(r.clicks), n.share(r.ctr),
               n.count(r.followed_clicks), n.count(r.add_to_carts), n.share(r.add_to_cart_rate),
               n.count(r.purchases), n.share(r.conversion),
               money(r.revenue, currency, t.language)]
              for name, r in zip(names, rows, strict=True)],
        note=t("Rates after a click (add to cart, conversion) are among the clicks that can "
               "be followed."))


def _figures(stats: RecommendationStats, t: Translator, n: Numbers) -> list[Figure]:
    placements = [r.placement_label or t("All placements") for r in stats.by_placement]
    reasons = [r.reason_label or t("Reason not reported") for r in stats.by_reason]
    return [
        _over_time(stats, t, n),
        _breakdown("placements", t("Per placement"), t("Placement"), stats.by_placement,
                   names=placements, currency=stats.currency, t=t, n=n),
        _breakdown("reasons", t("Per reason shown first"), t("Reason"), stats.by_reason,
                   names=reasons, currency=stats.currency, t=t, n=n),
    ]


def _summary(stats: RecommendationStats, t: Translator, n: Numbers) -> list[tuple[str, str]]:
    total = stats.total
    return [
        (t("Impressions"), n.count(total.impressions)),
        (t("Clicks"), n.count(total.clicks)),
        (t("Click-through rate"), n.share(total.ctr)),
        (t("Bought after a click"), n.count(total.purchases)),
        (t("Revenue after a click"), money(total.revenue, stats.currency, t.language)),
    ]


# --------------------------------------------------------------------------- the page


@router.get(PAGE.path)
def recommendations(
        request: Request, staff: Staff, session: DbSession, runtime: Rt,
        start: Annotated[str | None, Query()] = None,
        end: Annotated[str | None, Query()] = None,
        placement: Annotated[str | None, Query()] = None) -> Response:
    t = translator(language_of(request))
    n = Numbers(t)
    today = utcnow().date()
    period, errors = _period(start, end, placement, today=today)
    stats: RecommendationStats | None = None
    if not errors and period.start is not None and period.end is not None:
        try:
            stats = recommendation_stats(
                session, start=period.start, end=period.end,
                placement=period.placement or None, language=t.language,
                currency=runtime.shop_currency, today=today)
        except InvalidInput as exc:
            errors = _refused(exc, period)
    words = {field: t(message, example=today.isoformat(),
                      first=format_date(EARLIEST, "medium", locale=t.language),
                      last=format_date(LATEST, "medium", locale=t.language),
                      days=n.count(MAX_DAYS))
             for field, message in errors.items()}
    # Nothing shown and nothing clicked: nothing served. (Followed clicks are a subset of
    # the clicks, which ingest counts with every rec_click it stores.)
    empty = stats is not None and stats.total.impressions == 0 and stats.total.clicks == 0
    return dashboard_page(
        request, "dashboard/recommendations.html", staff=staff, page=PAGE,
        status_code=422 if errors else 200, period=period, errors=words, stats=stats,
        empty=empty,
        figures=_figures(stats, t, n) if stats is not None and not empty else [],
        summary=_summary(stats, t, n) if stats is not None and not empty else [],
        placements=[(code, placement_label(code, t.language))
                    for code in (*PLACEMENTS, OTHER_PLACEMENT)],
        shown_from=format_date(stats.start, "long", locale=t.language) if stats else "",
        shown_to=format_date(stats.end, "long", locale=t.language) if stats else "",
        pending_from=(format_date(stats.pending_from, "long", locale=t.language)
                      if stats is not None and stats.pending_from else None))
