"""An order's delivery in the words of the page that shows it: the window kept on the order
(times in UTC, method, pick-up point) read on the shopper's clock and in the page's language,
whatever language the order was placed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prefero.content.signals import zone
from prefero.delivery.wording import METHOD_NAMES, day_label, time_range
from prefero.i18n.catalogues import translations

__all__ = ["delivery_words"]


def delivery_words(delivery: Mapping[str, Any] | None, *, language: str,
                   time_zone: str) -> str | None:
    """"Saturday, 12 December, 18:00–21:00, Pick-up point: Mokotów" — or None for an
    order without a delivery window (or one kept in an older shape).

    >>> delivery_words({"method": "home", "starts_at": "2026-12-12T17:00:00+00:00",
    ...                 "ends_at": "2026-12-12T20:00:00+00:00"}, language="pl",
    ...                time_zone="Europe/Warsaw")
    'sobota, 12 grudnia, 18:00–21:00, Dostawa pod drzwi'
    """
    if not delivery or not {"method", "starts_at", "ends_at"} <= delivery.keys():
        return None
    tz = zone(time_zone)
    starts, ends = (datetime.fromisoformat(str(delivery[key])) for key in ("starts_at",
                                                                            "ends_at"))
    method = METHOD_NAMES.get(delivery["method"])
    how = translations(language).gettext(method) if method else ""
    place = delivery.get("pickup_point_name")
    if place:
        how = f"{how}: {place}"
    return ", ".join(part for part in (day_label(starts, tz, language),
                                       time_range(starts, ends, tz, language), how) if part)
