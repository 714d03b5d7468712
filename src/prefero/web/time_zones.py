"""The time zones a shopper picks from, in their language: the IANA zones CLDR keeps as
canonical (one per place: "Asia/Kolkata", not also its old alias "Asia/Calcutta"), grouped
by region ("Europe" → "Europa") and named by their city and country ("Warszawa (Polska)"),
sorted by that name. The stored value is always the IANA name; a shopper never reads it.

>>> [g.label for g in zone_groups("pl")][:3]
['Afryka', 'Ameryka', 'Antarktyka']
>>> zone_label("Europe/Warsaw", "pl"), zone_label("Europe/Warsaw", "en")
('Warszawa (Polska)', 'Warsaw (Poland)')
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from babel.core import Locale, get_global
from babel.dates import get_timezone_location

from prefero.customers.schemas import is_time_zone
from prefero.i18n.catalogues import N_
from prefero.web.i18n import translator

__all__ = ["UTC", "ZoneChoice", "ZoneGroup", "listed", "zone_groups", "zone_label"]

#: Offered on its own, before the regions: the zone without a place.
UTC = "UTC"

# The regions of the IANA names a place is in. The others ("Etc/GMT+5", whose sign is the
# reverse of what it reads like, "US/Eastern", "Poland") are aliases or traps for a shopper.
_REGIONS: dict[str, str] = {
    "Africa": N_("Africa"), "America": N_("America"), "Antarctica": N_("Antarctica"),
    "Arctic": N_("Arctic"), "Asia": N_("Asia"), "Atlantic": N_("Atlantic Ocean"),
    "Australia": N_("Australia"), "Europe": N_("Europe"), "Indian": N_("Indian Ocean"),
    "Pacific": N_("Pacific Ocean"),
}


@dataclass(frozen=True)
class ZoneChoice:
    value: str  # the IANA name, what is stored
    label: str  # in the page's language


@dataclass(frozen=True)
class ZoneGroup:
    label: str
    zones: tuple[ZoneChoice, ...]


def _city(zone: str, locale: Locale) -> str:
    city = str(get_timezone_location(zone, locale=locale, return_city=True))
    # CLDR has no city for a few zones and answers with the name's tail ("Argentina/Buenos
    # Aires"): the last part is the place.
    return city.rsplit("/", 1)[-1].replace("_", " ")


def _sort_key(label: str) -> tuple[str, str]:
    # Letters with marks next to their base ("Łotwa" with the L's, "Zürich" with the Z's):
    # what a shopper scanning the list expects, without a collation library.
    plain = unicodedata.normalize("NFD", label.casefold()).replace("ł", "l")
    return "".join(c for c in plain if not unicodedata.combining(c)), label


@cache
def zone_label(zone: str, language: str) -> str:
    """The zone's city and, when it differs, its country, in ``language``. An alias ("Poland",
    "US/Eastern") is named as the zone it stands for; a zone of no place ("Etc/GMT+5",
    whose sign reads backwards) by its IANA name, the only honest name it has.

    >>> zone_label("US/Eastern", "en"), zone_label("Etc/GMT+5", "en")
    ('New York (United States)', 'Etc/GMT+5')
    """
    t = translator(language)
    canonical = get_global("zone_aliases").get(zone, zone)
    if canonical in (UTC, "Etc/UTC", "Etc/GMT"):
        return t(N_("Coordinated Universal Time (UTC)"))
    if canonical.split("/", 1)[0] not in _REGIONS:
        return zone
    locale = Locale.parse(language)
    city = _city(canonical, locale)
    territory = get_global("zone_territories").get(canonical)
    country = locale.territories.get(territory) if territory else None
    return f"{city} ({country})" if country and country != city else city


def listed(zone: str) -> bool:
    """Whether the picker offers ``zone`` itself (a zone set otherwise, e.g. through the API
    as an alias, is offered as an extra choice so that the page shows it back)."""
    return zone == UTC or zone in _listed()


@cache
def _listed() -> frozenset[str]:
    return frozenset(z.value for g in zone_groups("en") for z in g.zones)


@cache
def zone_groups(language: str) -> tuple[ZoneGroup, ...]:
    """The canonical zones of each region, labelled and sorted in ``language``."""
    t = translator(language)
    by_region: dict[str, list[ZoneChoice]] = {}
    for zone in get_global("zone_territories"):
        region = zone.split("/", 1)[0]
        if region in _REGIONS and is_time_zone(zone):
            by_region.setdefault(region, []).append(ZoneChoice(zone, zone_label(zone,
                                                                                language)))
    groups = [ZoneGroup(t(_REGIONS[region]),
                        tuple(sorted(zones, key=lambda z: (_sort_key(z.label), z.value))))
              for region, zones in by_region.items()]
    return tuple(sorted(groups, key=lambda g: _sort_key(g.label)))
