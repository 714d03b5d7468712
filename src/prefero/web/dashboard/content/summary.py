"""A variant's targeting in staff's words, one line per criterion ("Device: Phone or
Tablet"), for the slot page's list of variants; no criteria reads "Everyone"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prefero.catalog.facets import FacetSchema
from prefero.content.targeting import Targeting
from prefero.i18n.catalogues import N_
from prefero.recommend.query import LikedValue
from prefero.recommend.wording import liked_value
from prefero.web.dashboard.content.words import (
    DEVICE_NAMES,
    MINDSET_NAMES,
    OP_NAMES,
    PART_NAMES,
    SOURCE_NAMES,
    TRAIT_NAMES,
    VISITOR_NAMES,
    WEATHER_NAMES,
)
from prefero.web.i18n import Translator

__all__ = ["EVERYONE", "describe"]

EVERYONE = N_("Everyone")


def _any(t: Translator, names: Sequence[str]) -> str:
    return t(N_("{first} or {last}"), first=", ".join(names[:-1]), last=names[-1]) \
        if len(names) > 1 else names[0]


def describe(targeting: Targeting, t: Translator, *, schema: FacetSchema,
             segment_names: Mapping[str, str]) -> list[str]:
    """The criteria of ``targeting``, worded (segments by their names, declared values as
    the storefront words them).

    >>> # describe(Targeting(device=["mobile"], visitor="new"), t, schema=schema,
    >>> #          segment_names={}) -> ['New visitor', 'Device: Phone']
    """
    lines: list[str] = []
    if targeting.segments:
        lines.append(t(N_("Segment: {names}"), names=_any(t, [
            segment_names.get(key, key) for key in targeting.segments])))
    if targeting.declared:
        lines.append(t(N_("Declared: {values}"), values=_any(t, [
            liked_value(schema, LikedValue(facet=d.facet, value=d.value, label=d.value),
                        t.language) for d in targeting.declared])))
    for rule in targeting.traits:
        lines.append(t(N_("{trait} {comparison} {value}"), trait=t(TRAIT_NAMES[rule.trait]),
                       comparison=t(OP_NAMES[rule.op]), value=t.number(rule.value)))
    if targeting.mindset is not None:
        lines.append(t(MINDSET_NAMES[targeting.mindset]))
    if targeting.visitor is not None:
        lines.append(t(VISITOR_NAMES[targeting.visitor]))
    source = targeting.source
    if source is not None and not source.empty():
        if source.kind:
            lines.append(t(N_("Came from: {sources}"),
                           sources=_any(t, [t(SOURCE_NAMES[k]) for k in source.kind])))
        for label, found in ((N_("Link source (utm_source): {values}"), source.utm_source),
                             (N_("Link medium (utm_medium): {values}"), source.utm_medium),
                             (N_("Campaign (utm_campaign): {values}"), source.utm_campaign),
                             (N_("Came from the site: {values}"), source.referrer_host)):
            if found:
                lines.append(t(label, values=_any(t, list(found))))
    if targeting.device:
        lines.append(t(N_("Device: {devices}"),
                       devices=_any(t, [t(DEVICE_NAMES[d]) for d in targeting.device])))
    if targeting.time_of_day:
        lines.append(t(N_("Time of day: {parts}"),
                       parts=_any(t, [t(PART_NAMES[p]) for p in targeting.time_of_day])))
    if targeting.hours is not None:
        lines.append(t(N_("Hours: {start}:00 to {end}:00"), start=str(targeting.hours.start),
                       end=str(targeting.hours.end)))
    if targeting.weather:
        lines.append(t(N_("Weather: {weather}"),
                       weather=_any(t, [t(WEATHER_NAMES[w]) for w in targeting.weather])))
    return lines or [t(EVERYONE)]
