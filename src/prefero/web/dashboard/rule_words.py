"""A merchandising rule in staff's words, for the editor's list: what it does ("Pin",
"slot 4"), which products it is about as the storefront names them ("Brand: Acme, Lindt",
product titles), where ("Home page, Cart"), when (in the shop's time zone, as the page's
language writes dates) and whether it is in force now. Never a stored code, id or raw
number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from babel.core import Locale
from babel.dates import format_datetime

from prefero.analytics.reasons import placement_label
from prefero.i18n.catalogues import N_
from prefero.merchandising.schemas import ALL_PLACEMENTS, Rule
from prefero.web.preference_words import Words

__all__ = ["ACTION_NAMES", "STATUS_NAMES", "RuleRow", "moment_in", "rule_row", "status_of"]

ACTION_NAMES: dict[str, str] = {
    "pin": N_("Pin"), "boost": N_("Boost"), "bury": N_("Bury"), "hide": N_("Hide"),
}
STATUS_NAMES: dict[str, str] = {
    "active": N_("Active now"), "scheduled": N_("Scheduled"), "ended": N_("Ended"),
    "off": N_("Switched off"),
}
_OTHER_ACTION = N_("Other action")
_TITLES_SHOWN = 3  # product titles a row names before "and n more"


@dataclass(frozen=True)
class RuleRow:
    """One rule, worded."""

    id: int
    name: str
    action: str
    detail: str | None  # "slot 4", "strength 0.5"
    matches: str
    placements: str
    window: str
    status: str  # a key of STATUS_NAMES (the page styles it)
    status_name: str
    priority: str


def moment_in(moment: datetime, zone: tzinfo, language: str) -> str:
    """``moment`` in ``zone``, as ``language`` writes a date and a time to the minute.

    >>> from datetime import UTC
    >>> from zoneinfo import ZoneInfo
    >>> moment_in(datetime(2026, 12, 1, 11, 5, tzinfo=UTC), ZoneInfo("Europe/Warsaw"), "pl")
    '1 gru 2026, 12:05'
    """
    locale = Locale.parse(language)
    date = locale.date_formats["medium"].pattern
    time = locale.time_formats["short"].pattern
    pattern = str(locale.datetime_formats["medium"]).replace("{1}", date).replace("{0}", time)
    return format_datetime(moment, pattern, tzinfo=zone, locale=locale)


def status_of(rule: Rule, now: datetime) -> str:
    """Whether ``rule`` is in force at ``now``: "off" (disabled), "scheduled", "ended" or
    "active"."""
    if not rule.enabled:
        return "off"
    if rule.starts_at is not None and now < rule.starts_at:
        return "scheduled"
    if rule.ends_at is not None and rule.ends_at <= now:
        return "ended"
    return "active"


def _matches(rule: Rule, words: Words) -> str:
    t = words.t
    condition = rule.condition
    if condition.facet is not None:
        values = ", ".join(words.value(condition.facet, value) for value in condition.values)
        return t("{facet}: {values}", facet=words.facet(condition.facet), values=values)
    index = words.index
    titles = [index.titles[index.position[p]] for p in condition.product_ids
              if p in index.position]
    missing = len(condition.product_ids) - len(titles)
    parts = titles[:_TITLES_SHOWN]
    if len(titles) > _TITLES_SHOWN:
        parts.append(t.plural("{n} more product", "{n} more products",
                              len(titles) - _TITLES_SHOWN))
    if missing:
        parts.append(t.plural("{n} product not in the catalogue",
                              "{n} products not in the catalogue", missing))
    return ", ".join(parts)


def _window(rule: Rule, zone: tzinfo, language: str, words: Words) -> str:
    t = words.t
    start = moment_in(rule.starts_at, zone, language) if rule.starts_at else None
    end = moment_in(rule.ends_at, zone, language) if rule.ends_at else None
    if start and end:
        return t("{start} to {end}", start=start, end=end)
    if start:
        return t("From {start}", start=start)
    if end:
        return t("Until {end}", end=end)
    return t("No time limit")


def rule_row(rule: Rule, *, words: Words, zone: tzinfo, now: datetime) -> RuleRow:
    """``rule`` in the words of ``words``' page, its times in ``zone``.

    >>> # rule_row(rule, words=words, zone=UTC, now=now).matches -> 'Brand: Acme, Lindt'
    """
    t = words.t
    language = words.language
    detail = None
    if rule.action == "pin" and rule.position is not None:
        detail = t("slot {n}", n=t.number(rule.position))
    elif rule.action in ("boost", "bury") and rule.strength is not None:
        detail = t("strength {n}", n=t.number(rule.strength))
    placements = (t("Everywhere") if set(rule.placements) >= set(ALL_PLACEMENTS) else
                  ", ".join(placement_label(p, language) for p in rule.placements))
    status = status_of(rule, now)
    return RuleRow(
        id=rule.id, name=rule.name, action=t(ACTION_NAMES.get(rule.action, _OTHER_ACTION)),
        detail=detail, matches=_matches(rule, words), placements=placements,
        window=_window(rule, zone, language, words), status=status,
        status_name=t(STATUS_NAMES[status]), priority=t.number(rule.priority))
