"""Whom a variant is for: a small typed language, and its evaluation against what is known
of the visitor (``prefero.content.visitor.VisitorFacts``).

Every criterion given must hold (AND); within one criterion a list means any of its values.
A variant without criteria is for everyone. Criteria on declared data (``segments``,
``declared``, ``traits``, ``mindset``) hold only when the customer's personalization level in
force allows declared data (as for recommendations); criteria on the request's context
(``source``, ``device``, ``time_of_day``, ``hours``, ``weather``) only with ``context``
consent. Without the permission such a criterion does not hold, so the variant does not
match, and no reason ever names what could not be used.

>>> Targeting.model_validate({"visitor": "new", "device": ["mobile"]}).criteria()
2
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prefero.content.reasons import ContentReason, ReasonParams
from prefero.content.signals import (
    Device,
    PartOfDay,
    SourceKind,
    Weather,
    part_of_day,
)
from prefero.content.visitor import VisitorFacts

__all__ = ["DeclaredValue", "HourRange", "SourceRule", "Targeting", "TraitRule", "evaluate"]

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
Word = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
TraitName = Literal["openness", "conscientiousness", "extraversion", "agreeableness",
                    "neuroticism", "growth_mindset"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeclaredValue(_Strict):
    """A value the customer declared: a like (weight above 0) or a "must" rule."""

    facet: str = Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")
    value: Word


class TraitRule(_Strict):
    """A psychographic score from the quizzes compared with ``value``."""

    trait: TraitName
    op: Literal["gte", "lte", "gt", "lt"]
    value: float = Field(ge=-1000, le=1000)

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    def holds(self, score: float) -> bool:
        if self.op == "gte":
            return score >= self.value
        if self.op == "lte":
            return score <= self.value
        if self.op == "gt":
            return score > self.value
        return score < self.value


class SourceRule(_Strict):
    """Where the visitor came from; every field given must match, any of its values."""

    kind: list[SourceKind] = Field(default_factory=list, max_length=6,
                                   description="search, social, email, campaign, referral, "
                                               "direct (derived from UTM and referrer)")
    utm_source: list[Word] = Field(default_factory=list, max_length=50)
    utm_medium: list[Word] = Field(default_factory=list, max_length=50)
    utm_campaign: list[Word] = Field(default_factory=list, max_length=50)
    referrer_host: list[Word] = Field(default_factory=list, max_length=50,
                                      description="e.g. instagram.com (subdomains match)")

    def empty(self) -> bool:
        return not (self.kind or self.utm_source or self.utm_medium or self.utm_campaign
                    or self.referrer_host)


class HourRange(_Strict):
    """Local hours from ``start`` up to (not including) ``end``; wraps past midnight when
    ``end`` is not after ``start`` (22 → 6)."""

    start: int = Field(ge=0, le=23)
    end: int = Field(ge=0, le=24)

    def holds(self, hour: int) -> bool:
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end


class Targeting(_Strict):
    """Whom a variant is for (see the module's docstring)."""

    segments: list[Key] = Field(default_factory=list, max_length=50,
                                description="Segment keys; the visitor is in any of them")
    declared: list[DeclaredValue] = Field(default_factory=list, max_length=50,
                                          description="Any of these declared values")
    traits: list[TraitRule] = Field(default_factory=list, max_length=6,
                                    description="Every one of these trait comparisons")
    mindset: Literal["fixed", "growth"] | None = Field(
        default=None, description="The growth_mindset trait below 0 (fixed) or above (growth)")
    visitor: Literal["new", "returning"] | None = None
    source: SourceRule | None = None
    device: list[Device] = Field(default_factory=list, max_length=3)
    time_of_day: list[PartOfDay] = Field(default_factory=list, max_length=4)
    hours: HourRange | None = None
    weather: list[Weather] = Field(default_factory=list, max_length=5)

    def criteria(self) -> int:
        """How many criteria are given (``best_score`` multiplies it by the weight)."""
        return sum((bool(self.segments), bool(self.declared), len(self.traits),
                    self.mindset is not None, self.visitor is not None,
                    self.source is not None and not self.source.empty(), bool(self.device),
                    bool(self.time_of_day), self.hours is not None, bool(self.weather)))

    def uses_context(self) -> bool:
        return ((self.source is not None and not self.source.empty()) or bool(self.device)
                or bool(self.time_of_day) or self.hours is not None or bool(self.weather))

    def uses_declared(self) -> bool:
        return bool(self.segments or self.declared or self.traits or self.mindset)


def _reason(code: str, **params: str | float | None) -> ContentReason:
    return ContentReason.model_validate({"code": code, "params": ReasonParams(**params)})


def _host_matches(host: str | None, wanted: list[str]) -> str | None:
    if host is None:
        return None
    for site in wanted:
        site = site.lower().removeprefix("www.")
        if host == site or host.endswith("." + site):
            return site
    return None


def _source(rule: SourceRule, facts: VisitorFacts) -> ContentReason | None:
    context = facts.context
    if context is None:
        return None
    checks = ((rule.utm_source, context.utm_source), (rule.utm_medium, context.utm_medium),
              (rule.utm_campaign, context.utm_campaign))
    for wanted, given in checks:
        if wanted and (given is None or given not in {w.lower() for w in wanted}):
            return None
    if rule.kind and context.source not in rule.kind:
        return None
    site = None
    if rule.referrer_host:
        site = _host_matches(context.host, rule.referrer_host)
        if site is None:
            return None
    # The reason names what the shop asked about: a site, else the kind of source, else a
    # campaign (only UTM values were compared: the link was one of the shop's).
    if site is not None:
        return _reason("source_site", site=site)
    if rule.kind:
        return _reason(f"source_{context.source}")
    return _reason("source_campaign")


def evaluate(targeting: Targeting, facts: VisitorFacts) -> list[ContentReason] | None:
    """The reasons (one per criterion, in the order above) when every criterion holds for
    the visitor; ``None`` when one does not.

    >>> from prefero.content.visitor import VisitorFacts
    >>> evaluate(Targeting(visitor="new"), VisitorFacts(returning=False))[0].code
    'new_visitor'
    >>> evaluate(Targeting(device=["mobile"]), VisitorFacts(returning=False)) is None
    True
    """
    reasons: list[ContentReason] = []
    if targeting.uses_declared() and not facts.declared_allowed:
        return None
    if targeting.uses_context() and facts.context is None:
        return None
    if targeting.segments:
        found = [key for key in targeting.segments if key in facts.segments]
        if not found:
            return None
        reasons.append(_reason("segment", segment=facts.segment_names.get(found[0], found[0])))
    if targeting.declared:
        hit = next((d for d in targeting.declared
                    if (d.facet, d.value.casefold()) in facts.likes), None)
        if hit is None:
            return None
        reasons.append(_reason("declared", facet=hit.facet, value=hit.value.casefold()))
    for rule in targeting.traits:
        score = facts.traits.get(rule.trait)
        if score is None or not rule.holds(score):
            return None
        high = rule.op in ("gte", "gt")
        reasons.append(_reason("trait_high" if high else "trait_low", trait=rule.trait))
    if targeting.mindset is not None:
        score = facts.traits.get("growth_mindset")
        if score is None or score == 0 or (score > 0) != (targeting.mindset == "growth"):
            return None
        reasons.append(_reason(f"mindset_{targeting.mindset}"))
    if targeting.visitor is not None:
        if facts.returning != (targeting.visitor == "returning"):
            return None
        reasons.append(_reason("returning_visitor" if facts.returning else "new_visitor"))
    context = facts.context
    if context is not None:
        if targeting.source is not None and not targeting.source.empty():
            found_source = _source(targeting.source, facts)
            if found_source is None:
                return None
            reasons.append(found_source)
        if targeting.device:
            if context.device is None or context.device not in targeting.device:
                return None
            reasons.append(_reason(f"device_{context.device}"))
        hour = context.local.hour
        if targeting.time_of_day:
            part = part_of_day(hour)
            if part not in targeting.time_of_day:
                return None
            reasons.append(_reason(f"time_{part}"))
        if targeting.hours is not None:
            if not targeting.hours.holds(hour):
                return None
            reasons.append(_reason("time_hours"))
        if targeting.weather:
            if context.weather is None or context.weather not in targeting.weather:
                return None
            reasons.append(_reason(f"weather_{context.weather}"))
    return reasons
