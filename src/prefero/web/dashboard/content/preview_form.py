"""The slot page's preview form: a described visitor read from the page's query
(``?preview=1&visitor=new&source=email&device=mobile&hour=19``) into a
``console.content_preview.Profile``. Every field has a default; a value the form never
offers is named beside its field, and there is no preview then."""

from __future__ import annotations

from collections.abc import Mapping

from prefero.console.content_preview import Profile
from prefero.content.signals import (
    DEVICES,
    SOURCE_KINDS,
    WEATHERS,
    Device,
    SourceKind,
    Weather,
)
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.content.forms import Values

__all__ = ["HOURS", "profile_of"]

HOURS = tuple(range(24))
# What each offered value reads as; anything else is not offered.
_SOURCES: dict[str, SourceKind] = {kind: kind for kind in SOURCE_KINDS}
_DEVICES: dict[str, Device] = {device: device for device in DEVICES}
_WEATHERS: dict[str, Weather] = {weather: weather for weather in WEATHERS}
_HOURS = {str(hour): hour for hour in HOURS}
_CHOOSE = N_("Choose from the list.")
_UNIT = N_("Enter an id of at most 200 characters, without control characters.")


def _one(values: Values, name: str, default: str) -> str:
    found = values.get(name) or [default]
    return found[0]


def profile_of(values: Values, *, segment_names: Mapping[str, str]
               ) -> tuple[Profile | None, dict[str, str]]:
    """The described visitor, or ``None`` and each refused field's message id.

    >>> profile_of({"source": ["email"], "hour": ["19"]}, segment_names={})[0].hour
    19
    >>> profile_of({"device": ["fridge"]}, segment_names={})[1]
    {'device': 'Choose from the list.'}
    """
    errors: dict[str, str] = {}
    visitor = _one(values, "visitor", "new")
    source = _SOURCES.get(_one(values, "source", "direct"))
    device_text, weather_text = _one(values, "device", ""), _one(values, "weather", "")
    device, weather = _DEVICES.get(device_text), _WEATHERS.get(weather_text)
    hour = _HOURS.get(_one(values, "hour", "12"))
    unit = _one(values, "unit", "").strip()
    segments = frozenset(values.get("segments") or ())
    if visitor not in ("new", "returning"):
        errors["visitor"] = _CHOOSE
    if source is None:
        errors["source"] = _CHOOSE
    if device_text and device is None:
        errors["device"] = _CHOOSE
    if weather_text and weather is None:
        errors["weather"] = _CHOOSE
    if hour is None:
        errors["hour"] = _CHOOSE
    if not segments <= set(segment_names):
        errors["segments"] = _CHOOSE
    if len(unit) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in unit):
        errors["unit"] = _UNIT
    if errors or source is None or hour is None:
        return None, errors
    return Profile(returning=visitor == "returning", source=source, device=device, hour=hour,
                   weather=weather, segments=segments, context_allowed="context" in values,
                   unit=unit or None, segment_names=segment_names), {}
