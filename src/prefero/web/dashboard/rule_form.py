"""The merchandising editor's form: a rule as its fields are typed (``RuleForm``), read into a
``RuleIn`` with every wrong field named in the page's language, and a stored rule written
back into fields to edit.

What is typed is kept as typed, so that a refused form comes back as the person left it.
Times are typed in the shop's time zone (a ``datetime-local`` input carries none) and stored
in UTC; a time the clocks skip there is refused rather than moved. The service's checks
(``check_rule``) point into the rule from its root (``("condition", "values", 2)``);
``field_of`` says which field of this form a path is. The messages are this form's own: the
service words its errors for the API, in English, and a line of a list is named by its line
number, as the person sees it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from prefero.catalog.facets import FacetSchema
from prefero.i18n.catalogues import N_
from prefero.merchandising.schemas import (
    ALL_PLACEMENTS,
    MAX_IDS,
    MAX_PRIORITY,
    MAX_SLOT,
    MAX_STRENGTH,
    MAX_VALUES,
    Rule,
    RuleIn,
)
from prefero.merchandising.service import check_rule
from prefero.web.i18n import Translator

__all__ = ["ACTIONS", "FIELDS", "RuleForm", "field_of", "form_of", "read_form"]

#: The actions, in the order the form offers them.
ACTIONS = ("pin", "boost", "bury", "hide")
#: The form's fields an error is shown beside ("form": the whole form).
FIELDS = ("name", "action", "match", "facet", "values", "product_ids", "placements",
          "starts_at", "ends_at", "strength", "position", "priority", "form")
_LOCAL = "%Y-%m-%dT%H:%M"  # what a datetime-local input holds

_MESSAGES = {
    "name": N_("Give the rule a name of at most 200 characters."),
    "action": N_("Choose what the rule does."),
    "match": N_("Choose a facet and its values, or list the products."),
    "facet": N_("Choose one of the shop's facets."),
    "values": N_("Give between 1 and {n} values, one per line."),
    "product_ids": N_("Give between 1 and {n} product ids, one per line."),
    "placements": N_("Choose at least one place."),
    "starts_at": N_("Enter a date and a time, or leave it empty."),
    "ends_at": N_("The end must come after the start."),
    "strength": N_("Enter a number above 0 and at most {max}."),
    "position": N_("Enter a slot from 1 to {max}."),
    "priority": N_("Enter a whole number from {min} to {max}."),
    "form": N_("Check this field."),
}
_NOT_A_TIME = _MESSAGES["starts_at"]
_NO_SUCH_TIME = N_("The clocks skip this time in the shop's time zone: choose another.")
_LINE_REPEATS = N_("Line {n} repeats an earlier line.")
_LINE_VALUE = N_("Line {n} is not a value this facet can have.")
_LINE_YES_NO = N_("Line {n}: write “{yes}” or “{no}”.")
_LINE_ID = N_("Line {n} is not a product id (at most 200 characters, no control characters).")


@dataclass
class RuleForm:
    """The fields as typed (text, as a form posts them)."""

    name: str = ""
    action: str = "boost"
    match: str = "facet"  # "facet": by a facet's values; "products": by product ids
    facet: str = ""
    values: str = ""  # one per line
    product_ids: str = ""  # one per line
    placements: list[str] = field(default_factory=lambda: list(ALL_PLACEMENTS))
    starts_at: str = ""  # datetime-local, in the shop's time zone
    ends_at: str = ""
    strength: str = "1"
    position: str = "1"
    priority: str = "0"
    enabled: bool = True


def _lines(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` that hold something, with their 1-based numbers."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)
            if line.strip()]


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime(_LOCAL)


def form_of(rule: Rule, *, schema: FacetSchema, zone: tzinfo, t: Translator) -> RuleForm:
    """``rule``'s fields to edit (a yes/no facet's values in the page's words).

    >>> # form_of(rule, schema=schema, zone=ZoneInfo("Europe/Warsaw"), t=t).starts_at
    >>> # -> '2026-12-01T00:00'
    """
    condition = rule.condition
    values = list(condition.values)
    spec = schema.get(condition.facet) if condition.facet is not None else None
    if spec is not None and spec.type == "boolean":
        values = [t("Yes") if value == "true" else t("No") for value in values]
    return RuleForm(
        name=rule.name, action=rule.action,
        match="facet" if condition.facet is not None else "products",
        facet=condition.facet or "", values="\n".join(values),
        product_ids="\n".join(condition.product_ids), placements=list(rule.placements),
        starts_at=_local(rule.starts_at, zone), ends_at=_local(rule.ends_at, zone),
        strength=_plain(rule.strength) if rule.strength is not None else "1",
        position=str(rule.position or 1), priority=str(rule.priority), enabled=rule.enabled)


def _plain(number: float) -> str:
    """``number`` as a number input reads it, whatever the page's language: a dot, no
    exponent, every digit that tells it from its neighbours.

    >>> _plain(0.5), _plain(1e-05), _plain(2.0)
    ('0.5', '0.00001', '2')
    """
    text = f"{Decimal(repr(number)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Skipped(ValueError):
    """A wall-clock time the zone's clocks jump over (the spring change)."""


def _moment(text: str, zone: tzinfo) -> datetime | None:
    """A typed time in ``zone`` as UTC (``ValueError`` when it is not one, or the clocks
    skip it there); None when nothing is typed.

    >>> from zoneinfo import ZoneInfo
    >>> _moment("2026-07-01T12:00", ZoneInfo("Europe/Warsaw")).isoformat()
    '2026-07-01T10:00:00+00:00'
    """
    text = text.strip()
    if not text:
        return None
    typed = datetime.fromisoformat(text)
    if typed.tzinfo is not None:
        return typed.astimezone(UTC)
    moment = typed.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != typed:
        raise _Skipped(text)
    return moment


def _number(text: str) -> float:
    # A Polish keyboard's decimal comma, and a typographic minus, read as the browser's.
    value = float(text.strip().replace(",", ".").replace("\N{MINUS SIGN}", "-"))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _whole(text: str) -> int:
    return int(text.strip().replace("\N{MINUS SIGN}", "-"))


def field_of(loc: Sequence[str | int]) -> str:
    """The form's field a rule's path points at.

    >>> field_of(("condition", "values", 2)), field_of(("condition",)), field_of(("ends_at",))
    ('values', 'match', 'ends_at')
    """
    if not loc:
        return "form"
    head = str(loc[0])
    if head == "condition":
        inner = str(loc[1]) if len(loc) > 1 else ""
        return inner if inner in ("facet", "values", "product_ids") else "match"
    return head if head in FIELDS else "form"


# What stands in for a field found wrong, so that the checks still run over the rest and
# every wrong field is named at once.
_STAND_INS: dict[str, Any] = {
    "name": "rule", "action": "hide", "placements": ["home"],
    "condition": {"product_ids": ["-"]}, "strength": None, "position": None, "priority": 0,
    "enabled": True, "starts_at": None, "ends_at": None}


class _Reading:
    """One reading of a posted form: the rule's fields, and what is wrong with them."""

    def __init__(self, form: RuleForm, *, schema: FacetSchema, zone: tzinfo,
                 t: Translator) -> None:
        self.form, self.schema, self.zone, self.t = form, schema, zone, t
        self.errors: dict[str, list[str]] = {}
        self.value_lines = _lines(form.values)
        self.id_lines = _lines(form.product_ids)
        spec = schema.get(form.facet.strip()) if form.match == "facet" else None
        self.yes_no = spec is not None and spec.type == "boolean"

    def fail(self, name: str, message: str) -> None:
        found = self.errors.setdefault(name, [])
        if message not in found:
            found.append(message)

    def message(self, name: str) -> str:
        t = self.t
        return t(_MESSAGES[name], n=t.number(MAX_VALUES if name == "values" else MAX_IDS),
                 max=t.number({"strength": MAX_STRENGTH, "position": MAX_SLOT}.get(
                     name, MAX_PRIORITY)),
                 min=t.number(-MAX_PRIORITY))

    def fields(self) -> dict[str, Any]:
        """The rule's fields as far as they can be read; each one that cannot is left out
        and named."""
        form = self.form
        found: dict[str, Any] = {"name": form.name, "action": form.action,
                                 "placements": form.placements, "enabled": form.enabled}
        if form.match == "products":
            found["condition"] = {"product_ids": [value for _n, value in self.id_lines]}
        elif form.match == "facet":
            values = [value for _n, value in self.value_lines]
            if self.yes_no:
                # The page's own words for yes and no are what a person types here.
                words = {self.t("Yes").casefold(): "true", self.t("No").casefold(): "false"}
                values = [words.get(value.casefold(), value) for value in values]
            found["condition"] = {"facet": form.facet.strip() or None, "values": values}
            if not form.facet.strip():
                self.fail("facet", self.message("facet"))
        else:
            self.fail("match", self.message("match"))
        for name in ("starts_at", "ends_at"):
            try:
                found[name] = _moment(getattr(form, name), self.zone)
            except _Skipped:
                self.fail(name, self.t(_NO_SUCH_TIME))
            except (ValueError, OverflowError):
                self.fail(name, self.t(_NOT_A_TIME))
        # The form shows every action's fields; those of another action are not sent.
        if form.action in ("boost", "bury") and form.strength.strip():
            self._read("strength", form.strength, _number, found)
        if form.action == "pin":
            self._read("position", form.position, _whole, found)
        if form.priority.strip():
            self._read("priority", form.priority, _whole, found)
        return found

    def _read(self, name: str, text: str, parse: Callable[[str], object],
              found: dict[str, Any]) -> None:
        try:
            found[name] = parse(text)
        except ValueError:
            self.fail(name, self.message(name))

    def report(self, loc: Sequence[str | int], msg: str) -> None:
        """Name the field at ``loc`` (the checks' or pydantic's path) as wrong."""
        name = field_of(loc)
        if name in ("values", "product_ids") and len(loc) >= 3 and isinstance(loc[2], int):
            self.fail(name, self._line(name, loc[2], msg))
        elif name == "match" and {"facet", "values", "product_ids"} & self.errors.keys():
            return  # a field inside it already says what is wrong
        elif name == "match" and self.form.match == "products":
            self.fail("product_ids", self.message("product_ids"))
        else:
            self.fail(name, self.message(name))

    def _line(self, name: str, position: int, msg: str) -> str:
        lines = self.value_lines if name == "values" else self.id_lines
        n = self.t.number(lines[position][0] if position < len(lines) else position + 1)
        if msg.startswith("repeats"):
            return self.t(_LINE_REPEATS, n=n)
        if name == "product_ids":
            return self.t(_LINE_ID, n=n)
        if self.yes_no:
            return self.t(_LINE_YES_NO, n=n, yes=self.t("Yes"), no=self.t("No"))
        return self.t(_LINE_VALUE, n=n)


def read_form(form: RuleForm, *, schema: FacetSchema, zone: tzinfo, t: Translator
              ) -> tuple[RuleIn | None, dict[str, str]]:
    """The rule ``form`` says, or None and what is wrong: each field by name, in the page's
    language. Stores nothing.

    >>> # read_form(RuleForm(name="", action="pin", position="0"), schema=schema,
    >>> #           zone=UTC, t=translator("en"))
    >>> # -> (None, {'name': 'Give the rule a name ...', 'position': 'Enter a slot ...'})
    """
    reading = _Reading(form, schema=schema, zone=zone, t=t)
    fields = reading.fields()
    refused = set(reading.errors)
    rule: RuleIn | None = None
    # Shapes first (pydantic), then the checks against the facet schema and between fields,
    # over stand-ins for what the shapes refused (at most one round per top-level field).
    for _round in range(len(_STAND_INS)):
        stand_ins = {key: _STAND_INS[key] for key in refused if key in _STAND_INS}
        try:
            rule = RuleIn.model_validate({**fields, **stand_ins})
        except ValidationError as exc:
            for detail in exc.errors():
                loc = tuple(detail["loc"])
                reading.report(loc, str(detail["msg"]))
                refused.add(str(loc[0]) if loc else "name")
            continue
        break
    if rule is not None:
        # A field already named keeps what was said of it (a stand-in's checks say nothing
        # of what was typed); every other field gets each of its errors.
        named = set(reading.errors) | refused
        for error in check_rule(rule, schema=schema):
            if field_of(error.loc) not in named and str(error.loc[0]) not in named:
                reading.report(error.loc, error.msg)
    if reading.errors or rule is None:
        found = reading.errors or {"form": [reading.message("form")]}
        return None, {name: " ".join(messages) for name, messages in found.items()}
    return rule, {}
