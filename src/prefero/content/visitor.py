"""What a content slot may know about the visitor for one request, read once and gated by
consent:

- declared data (segments, declared likes and "must" rules, quiz traits) only when the
  personalization level in force is not ``off`` (personalization consent given and the level
  not turned off), the rule recommendations follow;
- the request's context (traffic source, device, local time, weather) only with ``context``
  consent; without it ``context`` is ``None`` and nothing of it is even derived;
- new or returning: the shop's own word (``returning`` in the request, e.g. from its
  cookie) when given, else whether the customer was first seen at least
  ``RETURNING_AFTER`` ago (an earlier visit, not this one); an unknown visitor is new. Only
  the account's age is read, no behaviour, so it needs no consent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.content.signals import (
    Device,
    SourceKind,
    Weather,
    device_of,
    local_time,
    referrer_host,
    source_kind,
    valid_time_zone,
)
from prefero.customers.consent import consent_defaults, current_consents
from prefero.customers.levels import effective_level
from prefero.customers.models import Customer, Preference
from prefero.quizzes.models import CustomerTrait
from prefero.types import Level

__all__ = ["RETURNING_AFTER", "Context", "Needs", "SegmentReader", "Signals", "VisitorFacts",
           "read_segments", "visitor_facts"]

#: A customer first seen longer ago than this is on a later visit (a session's length).
RETURNING_AFTER = timedelta(minutes=30)

#: The segments a customer is in now, by key, with their names: ``{"vegans": "Vegans"}``.
SegmentReader = Callable[[Session, str], Mapping[str, str]]


@dataclass(frozen=True)
class Signals:
    """What the shop's request says about this visit (all optional)."""

    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    referrer: str | None = None
    device: Device | None = None
    user_agent: str | None = None
    time_zone: str | None = None
    weather: Weather | None = None
    returning: bool | None = None


@dataclass(frozen=True)
class Context:
    """The request's context, derived (only ever built with ``context`` consent)."""

    source: SourceKind
    local: datetime
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    host: str | None = None
    device: Device | None = None
    weather: Weather | None = None


@dataclass(frozen=True)
class VisitorFacts:
    """What targeting may read; what is not allowed is simply absent."""

    returning: bool
    customer_id: str | None = None
    #: The customer consented to tracking: the decision log may name them.
    tracking: bool = False
    declared_allowed: bool = False
    segments: frozenset[str] = frozenset()
    segment_names: Mapping[str, str] = field(default_factory=dict)
    #: Declared (facet, value) pairs: likes above 0 and "must" rules, values casefolded.
    likes: frozenset[tuple[str, str]] = frozenset()
    traits: Mapping[str, float] = field(default_factory=dict)
    context: Context | None = None


@dataclass(frozen=True)
class Needs:
    """What the slot's targeting reads, so a request loads nothing else."""

    segments: bool = False
    declared: bool = False
    traits: bool = False


def read_segments(session: Session, customer_id: str) -> Mapping[str, str]:
    """The segments (``prefero.segments``) the customer is in, with their names. Resolved at
    call time: content does not import the segments package at import time, so each can be
    deployed and tested on its own."""
    membership: Any = importlib.import_module("prefero.segments.membership")
    keys: frozenset[str] = membership.segments_of(session, customer_id)
    if not keys:
        return {}
    # The names of these segments only: ``segments.service.list_segments`` also counts every
    # segment's members, a scan of the whole membership table on each page view.
    models: Any = importlib.import_module("prefero.segments.models")
    segment = models.Segment
    names = {str(key): str(name) for key, name in session.execute(
        select(segment.key, segment.name).where(segment.key.in_(sorted(keys))))}
    return {key: names.get(key, key) for key in keys}


def _context(signals: Signals, *, zone_name: str, now: datetime) -> Context:
    host = referrer_host(signals.referrer)

    def low(text: str | None) -> str | None:
        return text.strip().lower() or None if text is not None else None

    return Context(
        source=source_kind(utm_source=signals.utm_source, utm_medium=signals.utm_medium,
                           host=host),
        local=local_time(now, zone_name), utm_source=low(signals.utm_source),
        utm_medium=low(signals.utm_medium), utm_campaign=low(signals.utm_campaign),
        host=host, device=signals.device or device_of(signals.user_agent),
        weather=signals.weather)


def visitor_facts(session: Session, *, person: str | None, signals: Signals,
                  settings: Settings, needs: Needs, now: datetime,
                  segments: SegmentReader = read_segments) -> VisitorFacts:
    """Read what targeting may use about ``person`` (a customer or the shop's visitor id;
    ``None``: a stranger, who has the shop's default consents).

    >>> # visitor_facts(session, person="c1", signals=Signals(device="mobile"),
    >>> #               settings=settings, needs=Needs(), now=utcnow()).context.device
    >>> # 'mobile' (with context consent), else context is None
    """
    customer = None
    if person is not None:
        customer = session.execute(
            select(Customer.level, Customer.created_at, Customer.time_zone)
            .where(Customer.id == person)).first()
    consents = (current_consents(session, customer_id=person, settings=settings)
                if person is not None else consent_defaults(settings))
    level: Level = settings.default_level
    if customer is not None and customer.level in ("off", "declared", "balanced", "full"):
        level = customer.level
    declared_allowed = person is not None and effective_level(level, consents) != "off"
    if signals.returning is not None:
        returning = signals.returning
    else:
        returning = customer is not None and customer.created_at <= now - RETURNING_AFTER
    context = None
    if consents["context"]:
        # The customer's own zone, else the one the shop's request names, else the shop's.
        zone_name = settings.content_time_zone
        if customer is not None and customer.time_zone and valid_time_zone(customer.time_zone):
            zone_name = customer.time_zone
        elif signals.time_zone and valid_time_zone(signals.time_zone):
            zone_name = signals.time_zone
        context = _context(signals, zone_name=zone_name, now=now)
    found_segments: Mapping[str, str] = {}
    likes: frozenset[tuple[str, str]] = frozenset()
    traits: dict[str, float] = {}
    if declared_allowed and person is not None:
        if needs.segments:
            found_segments = segments(session, person)
        if needs.declared:
            rows = session.execute(select(Preference.kind, Preference.facet, Preference.value,
                                          Preference.weight)
                                   .where(Preference.customer_id == person,
                                          Preference.kind.in_(("like", "must"))))
            likes = frozenset((facet, value.casefold()) for kind, facet, value, weight in rows
                              if kind == "must" or (weight is not None and weight > 0))
        if needs.traits:
            traits = {trait: float(value) for trait, value in session.execute(
                select(CustomerTrait.trait, CustomerTrait.value)
                .where(CustomerTrait.customer_id == person))}
    return VisitorFacts(
        returning=returning, customer_id=person if customer is not None else None,
        tracking=consents["tracking"], declared_allowed=declared_allowed,
        segments=frozenset(found_segments), segment_names=dict(found_segments), likes=likes,
        traits=traits, context=context)
