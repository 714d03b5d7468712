"""What a content slot would show a described visitor ("a new visitor from a newsletter, on
a phone, in the evening"): the dashboard's preview. The visitor is described, not looked up,
and the choice is the request path's own (``prefero.content.choose.choose``) over the slot
as the request path reads it, so the preview cannot drift from what shoppers see.

The described visitor allows declared data (segments count) and, unless the description
says otherwise, contextual signals; declared likes and quiz traits are not described, so
variants that need them do not match here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefero.content.choose import Choice, choose
from prefero.content.signals import Device, SourceKind, Weather
from prefero.content.slots import CompiledSlot
from prefero.content.visitor import Context, VisitorFacts

__all__ = ["Profile", "preview"]

# Any day will do: only the hour is read (time of day, hour ranges).
_DAY = datetime(2026, 1, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Profile:
    """A visitor as the preview form describes them; ``unit`` is the id a split places."""

    returning: bool = False
    source: SourceKind = "direct"
    device: Device | None = None
    hour: int = 12
    weather: Weather | None = None
    segments: frozenset[str] = frozenset()
    context_allowed: bool = True
    unit: str | None = None
    segment_names: Mapping[str, str] = field(default_factory=dict)


def preview(slot: CompiledSlot, profile: Profile) -> Choice:
    """The slot's choice for ``profile`` (what ``choose`` answers; a disabled slot is
    previewed as if it were enabled, the page says it is not shown).

    >>> # preview(slot, Profile(returning=False, source="email", device="mobile", hour=19))
    >>> # .variant.key -> 'newsletter'
    """
    context = None
    if profile.context_allowed:
        context = Context(source=profile.source, local=_DAY.replace(hour=profile.hour),
                          device=profile.device, weather=profile.weather)
    facts = VisitorFacts(
        returning=profile.returning, declared_allowed=True, segments=profile.segments,
        segment_names={k: profile.segment_names.get(k, k) for k in profile.segments},
        context=context)
    return choose(slot, facts, unit=profile.unit)
