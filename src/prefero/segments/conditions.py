"""The segment condition language: a JSON tree of typed conditions, in the spirit of Apache
Unomi's condition types, checked as it is written.

Leaves read one kind of fact about a customer; ``and``/``or``/``not`` combine them::

    {"type": "and", "conditions": [
        {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
        {"type": "consent", "purpose": "marketing_email", "granted": true},
        {"type": "behaviour", "event": "purchase", "min": 1, "days": 90}]}

What each leaf means, exactly (``evaluate`` and ``compile`` both follow it, and
tests/segments/test_equivalence.py holds them to a literal third reading):

- ``profile``: a column of the customer's row. A field that is not set (null) matches no
  comparison, ``ne`` included; ``exists`` asks whether it is set. ``created_days_ago`` is
  the whole days since the profile was created.
- ``declared``: a stored preference; ``like`` is a like of positive weight, ``dislike`` one
  of negative weight; ``never``/``must``/``size`` the constraint of that kind (for ``size``
  the facet is the category path).
- ``trait``: the stored psychographic score; a customer without one matches nothing.
- ``consent``: the consent in force: the newest ledger row for the purpose, else the shop's
  default (``PREFERO_DEFAULT_CONSENT_*``).
- ``quiz_answer``: the customer's latest completed session of the quiz whose answers were
  stored in the profile answered ``question`` with ``option`` among its options.
- ``behaviour``: events of the type in the last ``days`` days (``now - days < occurred_at
  <= now``) number at least ``min`` and at most ``max``. Behaviour counts only while the
  customer's tracking consent is in force: without it the customer has none.
- ``rfm``: over the purchases of the last ``days`` days (same window, same consent rule):
  ``recency_days`` is the days (fractional) since the latest (no purchase: matches nothing),
  ``frequency`` their number, ``monetary`` the sum of price × quantity (a missing
  quantity is 1, a missing price 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from prefero.errors import FieldError, InvalidInput
from prefero.types import EventType, Purpose

__all__ = [
    "MAX_CONDITIONS",
    "MAX_DEPTH",
    "MAX_LIST",
    "PROFILE_FIELDS",
    "And",
    "Behaviour",
    "Condition",
    "ConsentCondition",
    "Declared",
    "Not",
    "Or",
    "ProfileCondition",
    "QuizAnswer",
    "Rfm",
    "TraitCondition",
    "is_windowed",
    "leaves",
    "parse_condition",
]

#: Nesting levels of one tree (a leaf under one ``and`` is at depth 2).
MAX_DEPTH = 8
#: Conditions (every node, leaves and combinators) in one tree.
MAX_CONDITIONS = 100
#: Items of an ``in`` list and children of one ``and``/``or``.
MAX_LIST = 50
#: Longest window of a behaviour or RFM condition, in days (ten years).
MAX_DAYS = 3650

Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Op = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "exists"]
Order = Literal["lt", "lte", "gt", "gte"]
ProfileField = Literal["level", "exploration", "anonymous", "budget_min", "budget_max",
                       "time_zone", "created_days_ago"]

#: Each profile field's kind of value: what its ``value`` must be and which ``op`` it takes.
PROFILE_FIELDS: dict[str, str] = {
    "level": "text", "time_zone": "text", "exploration": "bool", "anonymous": "bool",
    "budget_min": "number", "budget_max": "number", "created_days_ago": "days",
}
_OPS = {
    "text": ("eq", "ne", "in", "exists"),
    "bool": ("eq", "ne", "exists"),
    "number": ("eq", "ne", "lt", "lte", "gt", "gte", "in", "exists"),
    "days": ("eq", "ne", "lt", "lte", "gt", "gte", "in"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfileCondition(_Strict):
    """A column of the customer's profile compared with ``value``."""

    type: Literal["profile"]
    field: ProfileField
    op: Op
    value: bool | int | float | Text | list[bool | int | float | Text] | None = None

    @model_validator(mode="after")
    def _fits_field(self) -> ProfileCondition:
        kind = PROFILE_FIELDS[self.field]
        if self.op not in _OPS[kind]:
            raise ValueError(f"op: {self.op!r} does not apply to {self.field!r}; use one of "
                             f"{', '.join(_OPS[kind])}")
        if self.op == "exists":
            if not isinstance(self.value, bool):
                raise ValueError("value: exists takes true (the field is set) or false")
            return self
        values = self.value if isinstance(self.value, list) else [self.value]
        if self.op == "in":
            if not isinstance(self.value, list) or not 1 <= len(values) <= MAX_LIST:
                raise ValueError(f"value: in takes a list of 1 to {MAX_LIST} values")
        elif isinstance(self.value, list):
            raise ValueError(f"value: {self.op} takes one value, not a list")
        for value in values:
            _check_value(kind, value)
        return self

    def values(self) -> list[Any]:
        """The value(s) to compare with, typed for the field (``Decimal`` for money)."""
        raw = self.value if isinstance(self.value, list) else [self.value]
        kind = PROFILE_FIELDS[self.field]
        if kind == "number":
            return [Decimal(str(v)) for v in raw]
        if kind == "days":
            return [int(v) for v in raw]  # type: ignore[arg-type]
        return list(raw)


def _check_value(kind: str, value: object) -> None:
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError("value: must be true or false")
    if kind == "text" and not isinstance(value, str):
        raise ValueError("value: must be a text")
    if kind in ("number", "days") and (isinstance(value, bool)
                                       or not isinstance(value, int | float)):
        raise ValueError("value: must be a number")
    if kind in ("number", "days") and not -1e12 <= float(value) <= 1e12:  # type: ignore[arg-type]
        raise ValueError("value: must be between -1e12 and 1e12")
    if kind == "days" and (float(value) != int(value)  # type: ignore[arg-type,call-overload]
                           or not 0 <= int(value) <= 100_000):  # type: ignore[call-overload]
        raise ValueError("value: must be a whole number of days between 0 and 100000")


class Declared(_Strict):
    """A declared preference: a like (positive weight), dislike, or must/never/size rule."""

    type: Literal["declared"]
    kind: Literal["like", "dislike", "never", "must", "size"]
    facet: Text
    value: Text


class TraitCondition(_Strict):
    """A psychographic score compared with ``value``."""

    type: Literal["trait"]
    trait: Literal["openness", "conscientiousness", "extraversion", "agreeableness",
                   "neuroticism", "growth_mindset"]
    op: Order
    value: Number


class ConsentCondition(_Strict):
    """The consent in force for one purpose."""

    type: Literal["consent"]
    purpose: Purpose
    granted: bool


class QuizAnswer(_Strict):
    """An option chosen in the latest stored session of a quiz."""

    type: Literal["quiz_answer"]
    quiz_id: Text
    question: Text
    option: Text


class Behaviour(_Strict):
    """Events of one type, counted over the last ``days`` days, between ``min`` and ``max``."""

    type: Literal["behaviour"]
    event: EventType
    min: int = Field(default=1, ge=0, le=1_000_000)
    max: int | None = Field(default=None, ge=0, le=1_000_000)
    days: int = Field(default=30, ge=1, le=MAX_DAYS)

    @model_validator(mode="after")
    def _ordered(self) -> Behaviour:
        if self.max is not None and self.max < self.min:
            raise ValueError("max: must not be below min")
        return self


class Rfm(_Strict):
    """Recency (days since the latest purchase), frequency or monetary value of purchases."""

    type: Literal["rfm"]
    measure: Literal["recency_days", "frequency", "monetary"]
    op: Order
    value: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e12)]
    days: int = Field(default=365, ge=1, le=MAX_DAYS)


class And(_Strict):
    type: Literal["and"]
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_LIST)


class Or(_Strict):
    type: Literal["or"]
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_LIST)


class Not(_Strict):
    type: Literal["not"]
    condition: Condition


Condition = Annotated[
    And | Or | Not | ProfileCondition | Declared | TraitCondition | ConsentCondition
    | QuizAnswer | Behaviour | Rfm,
    Field(discriminator="type"),
]
for _model in (And, Or, Not):
    _model.model_rebuild()

_ADAPTER: TypeAdapter[Condition] = TypeAdapter(Condition)
_TAGS = frozenset({"and", "or", "not", "profile", "declared", "trait", "consent",
                   "quiz_answer", "behaviour", "rfm"})
Loc = tuple[str | int, ...]


def _shape_errors(raw: object, at: Loc) -> list[FieldError]:
    """Depth and size, read from the raw JSON before pydantic walks it (so that a tree
    nested thousands deep is refused here, never by a recursion error)."""
    errors: list[FieldError] = []
    count = 0
    stack: list[tuple[object, Loc, int]] = [(raw, at, 1)]
    while stack:
        node, loc, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        count += 1
        if depth > MAX_DEPTH:
            return [FieldError(loc, f"conditions nest at most {MAX_DEPTH} deep")]
        if isinstance(node.get("condition"), dict):
            stack.append((node["condition"], (*loc, "condition"), depth + 1))
        children = node.get("conditions")
        if isinstance(children, list):
            stack.extend((child, (*loc, "conditions", n), depth + 1)
                         for n, child in enumerate(children[:MAX_LIST + 1]))
    if count > MAX_CONDITIONS:
        errors.append(FieldError(at, f"a segment holds at most {MAX_CONDITIONS} conditions"))
    return errors


def _clean(raw: tuple[Any, ...]) -> Loc:
    """Pydantic's location without the discriminator values it inserts after each union."""
    out: list[str | int] = []
    for n, part in enumerate(raw):
        union_here = n == 0 or raw[n - 1] == "condition" or (
            isinstance(raw[n - 1], int) and n >= 2 and raw[n - 2] == "conditions")
        if union_here and part in _TAGS:
            continue
        out.append(part if isinstance(part, int) else str(part))
    return tuple(out)


def _message(error: Any) -> tuple[Loc, str]:
    loc, msg, kind = _clean(tuple(error["loc"])), str(error["msg"]), error["type"]
    if kind == "union_tag_invalid":
        return (*loc, "type"), (f"unknown condition type {error['ctx']['tag']!r}; expected "
                                f"one of {', '.join(sorted(_TAGS))}")
    if kind == "union_tag_not_found":
        return (*loc, "type"), f"a condition needs a type: one of {', '.join(sorted(_TAGS))}"
    if kind == "value_error":
        # The models' own checks say which of their fields they judged ("value: …").
        msg = msg.removeprefix("Value error, ")
        field, sep, rest = msg.partition(": ")
        if sep and field in ("value", "op", "max"):
            loc, msg = (*loc, field), rest
    return loc, msg


def parse_condition(raw: object, *, at: Loc = ()) -> Condition:
    """The condition ``raw`` (parsed JSON) describes; ``InvalidInput`` naming each wrong
    field, its path from ``at`` (discriminator values left out: ``("conditions", 0,
    "value")``).

    >>> parse_condition({"type": "consent", "purpose": "tracking", "granted": True}).purpose
    'tracking'
    >>> try:
    ...     parse_condition({"type": "and", "conditions": [{"type": "trait",
    ...                      "trait": "openness", "op": "gte", "value": "high"}]})
    ... except InvalidInput as exc:
    ...     exc.errors[0].loc
    ('conditions', 0, 'value')
    """
    shape = _shape_errors(raw, at)
    if shape:
        raise InvalidInput("the condition is too large", shape)
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            loc, msg = _message(error)
            errors.append(FieldError((*at, *loc), msg))
        raise InvalidInput("the condition is not valid", errors) from None


def leaves(condition: Condition) -> Iterator[Condition]:
    """Every leaf of the tree, left to right."""
    if isinstance(condition, And | Or):
        for child in condition.conditions:
            yield from leaves(child)
    elif isinstance(condition, Not):
        yield from leaves(condition.condition)
    else:
        yield condition


def is_windowed(condition: Condition) -> bool:
    """Whether membership can change with time alone (a behaviour or RFM window, a profile's
    age), so that the periodic sweep must look at the segment again.

    >>> is_windowed(parse_condition({"type": "behaviour", "event": "purchase"}))
    True
    """
    return any(isinstance(leaf, Behaviour | Rfm) or (
        isinstance(leaf, ProfileCondition) and leaf.field == "created_days_ago")
        for leaf in leaves(condition))
