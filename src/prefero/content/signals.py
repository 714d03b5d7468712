"""The request's context as targeting reads it: where the visitor came from (UTM parameters,
referrer), the device, the part of the day in the visitor's time zone, and the weather the
shop reports. Pure functions of what the shop sent; whether they may be used at all is the
``context`` consent's question (``prefero.content.visitor``)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "DEVICES",
    "PARTS_OF_DAY",
    "SOURCE_KINDS",
    "WEATHERS",
    "Device",
    "PartOfDay",
    "SourceKind",
    "Weather",
    "device_of",
    "local_time",
    "part_of_day",
    "referrer_host",
    "source_kind",
    "valid_time_zone",
    "zone",
]

SourceKind = Literal["search", "social", "email", "campaign", "referral", "direct"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("search", "social", "email", "campaign", "referral",
                                        "direct")
Device = Literal["mobile", "tablet", "desktop"]
DEVICES: tuple[Device, ...] = ("mobile", "tablet", "desktop")
PartOfDay = Literal["morning", "afternoon", "evening", "night"]
PARTS_OF_DAY: tuple[PartOfDay, ...] = ("morning", "afternoon", "evening", "night")
Weather = Literal["rain", "sun", "snow", "hot", "cold"]
WEATHERS: tuple[Weather, ...] = ("rain", "sun", "snow", "hot", "cold")

# Hosts by the registrable name's first label: "www.google.pl", "google.com" → "google".
_SEARCH_ENGINES = frozenset({"google", "bing", "duckduckgo", "yahoo", "yandex", "ecosia",
                             "baidu", "qwant", "startpage"})
_SOCIAL = frozenset({"facebook", "instagram", "tiktok", "twitter", "x", "linkedin",
                     "pinterest", "youtube", "reddit", "snapchat", "threads", "wykop"})
_EMAIL_MEDIA = frozenset({"email", "e-mail", "newsletter", "mail"})
_SOCIAL_MEDIA = frozenset({"social", "social-media", "social_media", "sm"})
_SEARCH_MEDIA = frozenset({"organic", "cpc", "ppc", "paid-search", "paid_search", "sem"})
# Webmail sites refer visitors who clicked a link in a message.
_WEBMAIL = frozenset({"mail.google.com", "outlook.live.com", "poczta.onet.pl",
                      "poczta.wp.pl", "poczta.interia.pl"})


def referrer_host(referrer: str | None) -> str | None:
    """The referrer's host without ``www.``, lowercase; ``None`` for none or no host.

    >>> referrer_host("https://WWW.Google.pl/search?q=x"), referrer_host("nonsense")
    ('google.pl', None)
    """
    if not referrer:
        return None
    host = (urlsplit(referrer if "//" in referrer else f"//{referrer}").hostname or "").lower()
    host = host.removeprefix("www.")
    return host if "." in host else None


def _brand(host: str) -> str:
    """The name before the public suffix, roughly: "m.facebook.com" → "facebook"."""
    labels = host.split(".")
    # "google.co.uk": a second-level suffix of two letters or a short generic one.
    if len(labels) >= 3 and labels[-2] in {"co", "com", "org", "net", "gov", "ac"}:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else host


def source_kind(*, utm_source: str | None, utm_medium: str | None, host: str | None
                ) -> SourceKind:
    """Where the visitor came from, by the rules analytics tools share: the link's
    ``utm_medium`` first (e-mail, social, search), then the source or the referrer's site;
    any other tagged link is a ``campaign``, another site a ``referral``, nothing ``direct``.

    >>> source_kind(utm_source="newsletter", utm_medium="email", host=None)
    'email'
    >>> source_kind(utm_source=None, utm_medium=None, host="l.instagram.com")
    'social'
    >>> source_kind(utm_source=None, utm_medium=None, host="google.co.uk")
    'search'
    >>> source_kind(utm_source="partner", utm_medium="banner", host=None)
    'campaign'
    >>> source_kind(utm_source=None, utm_medium=None, host=None)
    'direct'
    """
    medium = (utm_medium or "").strip().lower()
    source = (utm_source or "").strip().lower()
    if medium in _EMAIL_MEDIA or source in _EMAIL_MEDIA or (host in _WEBMAIL):
        return "email"
    if medium in _SOCIAL_MEDIA or source in _SOCIAL:
        return "social"
    if medium in _SEARCH_MEDIA or source in _SEARCH_ENGINES:
        return "search"
    if host is not None:
        brand = _brand(host)
        if brand in _SOCIAL:
            return "social"
        if brand in _SEARCH_ENGINES:
            return "search"
    if medium or source:
        return "campaign"
    return "referral" if host is not None else "direct"


def device_of(user_agent: str | None) -> Device | None:
    """The device class a User-Agent names (``None`` without one).

    >>> device_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")
    'mobile'
    >>> device_of("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Safari")
    'tablet'
    >>> device_of("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
    'desktop'
    """
    if not user_agent:
        return None
    agent = user_agent.lower()
    if "ipad" in agent or "tablet" in agent:
        return "tablet"
    if "mobi" in agent or "iphone" in agent or "ipod" in agent:
        return "mobile"
    # Android phones say "Mobile"; an Android without it is a tablet.
    if "android" in agent:
        return "tablet"
    return "desktop"


def part_of_day(hour: int) -> PartOfDay:
    """Morning 5–11, afternoon 12–16, evening 17–21, night 22–4 (local hours).

    >>> [part_of_day(h) for h in (4, 5, 12, 17, 22)]
    ['night', 'morning', 'afternoon', 'evening', 'night']
    """
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this system knows ("Europe/Warsaw").

    >>> valid_time_zone("Europe/Warsaw"), valid_time_zone("Mars/Olympus")
    (True, False)
    """
    return name in _zones()


@cache
def zone(name: str) -> tzinfo:
    """The zone named (checked with ``valid_time_zone`` first); UTC for anything unknown."""
    try:
        return ZoneInfo(name) if valid_time_zone(name) else ZoneInfo("UTC")
    except ZoneInfoNotFoundError:  # pragma: no cover - listed zones load
        return ZoneInfo("UTC")


def local_time(now: datetime, name: str) -> datetime:
    """``now`` (aware) in the zone ``name``."""
    return now.astimezone(zone(name))
