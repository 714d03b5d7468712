"""The content editor's forms as plain values: a slot's settings and a variant, read from
what a browser posts (field name → its values) into the content service's shapes, and
written back into field values to fill a form. No HTTP here.

Field names follow the paths of ``prefero.content.schemas`` (``en.title``,
``declared.0.facet``, ``source.utm_campaign``, ``hours.start``) so that a problem's path
names its field (``field_of``). Percentages are read and written as decimals, not floats,
so a variant saved unchanged keeps every number exactly (a property test checks this).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, DecimalException
from typing import Any

from prefero.content.schemas import SlotPatch, VariantIn
from prefero.content.targeting import Targeting

__all__ = ["LANGUAGES", "TEXT_FIELDS", "Filled", "Values", "field_of", "normal", "number_text",
           "percent_text", "rows", "slot_fields", "slot_values", "variant_fields", "variant_values"]

#: What a form posted: each field's values, in order (a checkbox group has several).
Values = Mapping[str, Sequence[str]]

LANGUAGES = ("en", "pl")
TEXT_FIELDS = ("title", "body", "image", "image_alt", "link", "link_text")
_LISTS = ("utm_source", "utm_medium", "utm_campaign", "referrer_host")
#: Empty rows offered after the filled ones (declared values, trait rules), up to the most
#: the service takes.
_SPARE_ROWS = 2


def _text(values: Values, name: str) -> str:
    found = values.get(name) or [""]
    # Browsers send a textarea's line breaks as CRLF.
    return found[0].replace("\r\n", "\n").strip()


def _all(values: Values, name: str) -> list[str]:
    return [value.strip() for value in values.get(name) or [] if value.strip()]


def _lines(values: Values, name: str) -> list[str]:
    return [line.strip() for line in _text(values, name).split("\n") if line.strip()]


def _decimal(text: str) -> Decimal | None:
    try:
        found = Decimal(text.replace(",", ".").replace("\xa0", "").replace(" ", ""))
    except (DecimalException, ValueError):
        return None
    return found if found.is_finite() else None


def _number(text: str) -> str | float:
    """A number as typed (``12,5`` or ``12.5``); anything else as it is, for the schema's
    check to refuse with the field's path."""
    found = _decimal(text)
    return text if found is None else float(found)


def _percent(text: str, *, empty: float | None) -> str | float | None:
    if not text:
        return empty
    found = _decimal(text)
    if found is None:
        return text
    try:
        return float(found / 100)
    except DecimalException:
        return text


def number_text(value: float) -> str:
    """A number as a form shows it: the shortest decimal that reads back as the same float,
    never in exponent form (``1000``, ``0.25``)."""
    text = format(Decimal(repr(value)).normalize(), "f")
    return text


def percent_text(fraction: float) -> str:
    """A fraction as a percentage the form reads back exactly (``0.125`` → ``12.5``)."""
    return format((Decimal(repr(fraction)) * 100).normalize(), "f")


def rows(count: int, most: int) -> int:
    """How many rows a repeated group shows: the filled ones and a few empty, at most
    ``most``."""
    return min(most, count + _SPARE_ROWS)


# --------------------------------------------------------------------------- slots


def slot_fields(values: Values, *, with_key: bool) -> dict[str, Any]:
    """The slot's settings (``SlotIn`` or ``SlotPatch`` without variants) as posted."""
    fields: dict[str, Any] = {
        "name": _text(values, "name"),
        "strategy": _text(values, "strategy"),
        "control_share": _percent(_text(values, "control_share"), empty=0.0),
        "enabled": "enabled" in values,
        "fallback": _text(values, "fallback") or None,
    }
    if with_key:
        fields["key"] = _text(values, "key")
    return fields


def slot_values(slot: SlotPatch | None, *, key: str = "") -> dict[str, list[str]]:
    """A slot's settings as form values (``None``: a new slot's defaults)."""
    if slot is None:
        return {"key": [key], "name": [""], "strategy": ["first_match"],
                "control_share": ["0"], "fallback": [""], "enabled": ["on"]}
    values: dict[str, list[str]] = {
        "key": [key], "name": [slot.name], "strategy": [slot.strategy],
        "control_share": [percent_text(slot.control_share)], "fallback": [slot.fallback or ""]}
    if slot.enabled:
        values["enabled"] = ["on"]
    return values


# --------------------------------------------------------------------------- variants


def _texts(values: Values) -> dict[str, dict[str, Any]]:
    texts: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        got = {name: _text(values, f"{language}.{name}") for name in TEXT_FIELDS}
        if not any(got.values()):
            continue  # this language left empty: the variant does not have it
        texts[language] = {"title": got["title"], "body": got["body"],
                           "image": got["image"] or None, "image_alt": got["image_alt"],
                           "link": got["link"] or None, "link_text": got["link_text"] or None}
    return texts


_GROUPS = {"declared": (("facet", "value"), 50), "traits": (("trait", "op", "value"), 6)}


def _repeated(values: Values, group: str) -> list[dict[str, str]]:
    """The group's filled rows, in order (an empty row is skipped)."""
    parts, most = _GROUPS[group]
    found = []
    for at in range(most):
        row = {part: _text(values, f"{group}.{at}.{part}") for part in parts}
        if any(row.values()):
            found.append(row)
    return found


def normal(values: Values) -> dict[str, list[str]]:
    """``values`` with the repeated groups' empty rows taken out and the rest numbered from
    0, as ``variant_fields`` numbers them: a problem's path (``traits.1.value``) then names
    the row the form shows again."""
    kept = {name: list(found) for name, found in values.items()
            if name.split(".", 1)[0] not in _GROUPS}
    for group, (parts, _most) in _GROUPS.items():
        for at, row in enumerate(_repeated(values, group)):
            for part in parts:
                kept[f"{group}.{at}.{part}"] = [row[part]]
    return kept


def _targeting(values: Values) -> dict[str, Any]:
    targeting: dict[str, Any] = {}
    for name in ("segments", "device", "time_of_day", "weather"):
        chosen = _all(values, name)
        if chosen:
            targeting[name] = chosen
    declared = _repeated(values, "declared")
    if declared:
        targeting["declared"] = declared
    traits = _repeated(values, "traits")
    if traits:
        targeting["traits"] = [{**rule, "value": _number(rule["value"])} for rule in traits]
    for name in ("mindset", "visitor"):
        if _text(values, name):
            targeting[name] = _text(values, name)
    source: dict[str, Any] = {"kind": _all(values, "source.kind")}
    for name in _LISTS:
        source[name] = _lines(values, f"source.{name}")
    if any(source.values()):
        targeting["source"] = {name: found for name, found in source.items() if found}
    start, end = _text(values, "hours.start"), _text(values, "hours.end")
    if start or end:
        # One of the two left empty: the schema names the missing one.
        targeting["hours"] = {name: found for name, found in (("start", start),
                                                              ("end", end)) if found}
    return targeting


def variant_fields(values: Values, *, key: str | None = None) -> dict[str, Any]:
    """A variant (``VariantIn``) as posted; ``key`` is the edited variant's own (its field is
    not offered then: a key cannot change). Rows are numbered as ``normal`` numbers them."""
    return {"key": key if key is not None else _text(values, "key"),
            "texts": _texts(values), "targeting": _targeting(values),
            "weight": _number(_text(values, "weight") or "1"),
            "share": _percent(_text(values, "share"), empty=0.0)}


def variant_values(variant: VariantIn | None) -> dict[str, list[str]]:
    """A variant as form values (``None``: a new variant's defaults)."""
    if variant is None:
        return {"weight": ["1"], "share": ["0"]}
    values: dict[str, list[str]] = {"key": [variant.key],
                                    "weight": [number_text(variant.weight)],
                                    "share": [percent_text(variant.share)]}
    for language, texts in variant.texts.items():
        for name in TEXT_FIELDS:
            found = getattr(texts, name)
            values[f"{language}.{name}"] = ["" if found is None else found]
    targeting: Targeting = variant.targeting
    for name in ("segments", "device", "time_of_day", "weather"):
        values[name] = list(getattr(targeting, name))
    for at, declared in enumerate(targeting.declared):
        values[f"declared.{at}.facet"] = [declared.facet]
        values[f"declared.{at}.value"] = [declared.value]
    for at, rule in enumerate(targeting.traits):
        values[f"traits.{at}.trait"] = [rule.trait]
        values[f"traits.{at}.op"] = [rule.op]
        values[f"traits.{at}.value"] = [number_text(rule.value)]
    for name in ("mindset", "visitor"):
        if getattr(targeting, name) is not None:
            values[name] = [getattr(targeting, name)]
    if targeting.source is not None:
        values["source.kind"] = list(targeting.source.kind)
        for name in _LISTS:
            values[f"source.{name}"] = ["\n".join(getattr(targeting.source, name))]
    if targeting.hours is not None:
        values["hours.start"] = [str(targeting.hours.start)]
        values["hours.end"] = [str(targeting.hours.end)]
    return values


# --------------------------------------------------------------------------- problems


def field_of(loc: Sequence[str | int]) -> str:
    """The form field a problem's path (from a variant's or a slot's root) points at.

    >>> field_of(("texts", "pl", "title")), field_of(("targeting", "declared", 1, "value"))
    ('pl.title', 'declared.1.value')
    >>> field_of(("targeting", "source", "utm_source", 3)), field_of(("targeting", "hours"))
    ('source.utm_source', 'hours.start')
    """
    parts = [str(part) for part in loc]
    if not parts:
        return "form"
    head, rest = parts[0], parts[1:]
    if head == "texts":
        if len(rest) >= 2 and rest[0] in LANGUAGES and rest[1] in TEXT_FIELDS:
            return f"{rest[0]}.{rest[1]}"
        return "texts"
    if head != "targeting":
        return head
    if not rest:
        return "form"
    name, inner = rest[0], rest[1:]
    if name in ("declared", "traits"):
        at = inner[0] if inner and inner[0].isdigit() else "0"
        first = "facet" if name == "declared" else "trait"
        part = inner[1] if len(inner) >= 2 else first
        return f"{name}.{at}.{part}"
    if name == "source":
        return f"source.{inner[0]}" if inner and inner[0] in ("kind", *_LISTS) else "source.kind"
    if name == "hours":
        return f"hours.{inner[0]}" if inner and inner[0] in ("start", "end") else "hours.start"
    return name


class Filled:
    """A form's values as its template reads them: ``filled.get("en.title")`` (the first
    value, or ``""``) and ``filled.has("device", "mobile")`` (a ticked box or a chosen
    option)."""

    def __init__(self, values: Values) -> None:
        self._values = values

    def get(self, name: str) -> str:
        found = self._values.get(name) or [""]
        return found[0]

    def has(self, name: str, value: str) -> bool:
        return value in (self._values.get(name) or ())

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name) or ())
