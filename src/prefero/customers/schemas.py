"""Request and response shapes for the customer's own wishes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from prefero.text import StoredText
from prefero.types import Level, Purpose

__all__ = [
    "Budget",
    "ConsentIn",
    "ConsentOut",
    "ConsentState",
    "Constraint",
    "Like",
    "MergeIn",
    "MergeOut",
    "PreferencesIn",
    "PreferencesOut",
    "SavedPreferences",
    "SizeSet",
    "StaleValue",
    "ValueWarning",
    "is_time_zone",
]

FacetName = Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")
# One facet value or product id as sent; the stored columns hold 500 characters, and a value
# may grow a little when normalized (category separators gain spaces).
# Unusable characters (NUL, invisible ones) in values and sources are refused by the service
# (customers.preferences), which reports every problem of a profile at once with its path.
ValueText = Annotated[str, Field(min_length=1, max_length=200)]
# JSON numbers, not strings: the contract sends {"budget": {"max": 120}} and a client must get
# the same shape back. Two decimal places and 14 digits fit a double exactly enough to round-trip.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this system knows.

    >>> is_time_zone("Europe/Warsaw"), is_time_zone("Europe/Atlantis")
    (True, False)
    """
    return name in _zones()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Like(_Strict):
    """A soft preference: weight 1 is "love it", -1 is "rather not"."""

    facet: str = FacetName
    value: str = Field(min_length=1, max_length=200)
    weight: float = Field(ge=-1, le=1)
    source: str | None = Field(default=None, max_length=100,
                               description="declared, quiz:<id> or suggestion")
    updated_at: datetime | None = None
    confirmed_at: datetime | None = Field(
        default=None, description="When the customer last declared or confirmed it (answers "
                                  "only; ignored in a request)")


class Constraint(_Strict):
    """A hard rule: ``never`` removes items with any of the values, ``must`` keeps only items
    that have one of them (items for which the facet does not apply are not affected)."""

    facet: str = FacetName
    op: Literal["never", "must"]
    values: list[ValueText] = Field(min_length=1, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    updated_at: datetime | None = None
    confirmed_at: datetime | None = Field(
        default=None, description="The oldest confirmation among the values (answers only)")


class Budget(_Strict):
    """A price range in the shop's currency, the one every product price is stored in."""

    min: Money | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    max: Money | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of min and max: always the shop's currency. Answers "
                    "carry it; a request may leave it out, or name the shop's currency")
    source: str | None = Field(default=None, max_length=100)
    updated_at: datetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Budget:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("budget min is above max")
        return self


class SizeSet(_Strict):
    """The sizes the customer wears within a category (e.g. 42 and 43 in Fashion > Shoes)."""

    category: str = Field(min_length=1, max_length=500)
    values: list[ValueText] = Field(min_length=1, max_length=50)
    source: str | None = Field(default=None, max_length=100)
    updated_at: datetime | None = None
    confirmed_at: datetime | None = Field(
        default=None, description="The oldest confirmation among the values (answers only)")


class StaleValue(_Strict):
    """A declared value past its freshness window (``prefero.customers.freshness``): the
    customer is asked whether it still holds. The numbers are strict: sent back in a request
    (where the list is ignored), they are still only accepted in their documented types."""

    kind: Literal["like", "never", "must", "size"]
    facet: str = Field(description="The facet; for a size, the category path")
    value: str = Field(description="As stored")
    confirmed_at: datetime
    months: int = Field(strict=True, ge=0,
                        description="Whole months since it was declared or confirmed")
    factor: float = Field(strict=True, gt=0, le=1,
                          description="What a like's weight is multiplied by now (0.5 per "
                                      "window past the first); 1 for rules and sizes")


class PreferencesIn(_Strict):
    """Replaces the customer's whole declared profile (PUT semantics)."""

    likes: list[Like] = Field(default_factory=list, max_length=500)
    constraints: list[Constraint] = Field(default_factory=list, max_length=200)
    budget: Budget | None = None
    sizes: list[SizeSet] = Field(default_factory=list, max_length=50)
    level: Level | None = Field(default=None, description="null: the shop's default")
    # strict: JSON true/false only. Lax parsing took 0, 1 or "no" as well, which the documented
    # schema (boolean) refuses, so a client's type bug went unnoticed.
    exploration: bool = Field(default=True, strict=True,
                              description="Keep the 'Something different' slot")
    dismissed: list[ValueText] = Field(default_factory=list, max_length=5000,
                                       description="Products marked 'not for me'")
    time_zone: str | None = Field(
        default=None, max_length=64, examples=["Europe/Warsaw"],
        description="IANA time zone (content slots read the time of day in it); null: the "
                    "zone the shop's request names, else the shop's. Left out of a PUT: "
                    "the stored zone stays")
    # Answers only (PreferencesOut): accepted here and ignored, whatever it holds, so that a
    # GET answer PUT back as it is stays valid.
    stale: Sequence[object] = Field(
        default_factory=list, max_length=10_000,
        description="Ignored in a request (answers list the values past their freshness "
                    "window here)")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _zones():
            raise ValueError("not an IANA time zone name (e.g. Europe/Warsaw)")
        return value


class ValueWarning(_Strict):
    """A value that was stored but that no product in the catalogue carries (yet), so the
    rule or like has no effect today: most often a typo."""

    loc: list[str | int] = Field(description='Path into the request body, e.g. '
                                             '["constraints", 0, "values", 0]')
    msg: str = Field(description="e.g. \"no product carries 'glutne'; did you mean "
                                 "'gluten'?\"")
    suggestions: list[str] = Field(description="The closest values products do carry, best "
                                               "first (possibly none)")


class PreferencesOut(PreferencesIn):
    # The list caps of PreferencesIn bound one request body; a stored profile can outgrow them
    # (merges, one-at-a-time additions), and answering must never fail on that.
    likes: list[Like] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)
    sizes: list[SizeSet] = Field(default_factory=list)
    dismissed: list[str] = Field(default_factory=list)
    stale: list[StaleValue] = Field(
        default_factory=list,
        description="Values past their freshness window, longest unconfirmed first. Confirm "
                    "them with POST .../preferences/confirm, or change or remove them")
    customer_id: str
    effective_level: Level = Field(description="The level in force: ``level`` (else the "
                                               "shop's default) as far as the customer's "
                                               "consents allow it (without personalization "
                                               "consent 'off', without tracking consent at "
                                               "most 'declared')")


class SavedPreferences(PreferencesOut):
    """The profile as stored by a write (values normalized: 'ＧＬＵＴＥＮ' reads 'gluten'),
    with warnings about values that no product carries."""

    warnings: list[ValueWarning] = Field(
        default_factory=list,
        description="Values that were stored but that no product in the catalogue carries, "
                    "each with the closest values products do carry. Not errors: the "
                    "catalogue may gain them later.")


class ConsentIn(_Strict):
    purpose: Purpose
    # strict: the ledger records a decision, so only JSON true/false count as one; lax parsing
    # also read 0, 1 and strings like "off", which the documented schema (boolean) refuses.
    granted: bool = Field(strict=True)
    source: StoredText = Field(default="api", max_length=100)
    policy_version: StoredText | None = Field(default=None, max_length=50)


class ConsentOut(_Strict):
    purpose: Purpose
    granted: bool
    source: str
    policy_version: str
    recorded_at: datetime


class ConsentState(_Strict):
    customer_id: str
    consents: dict[Purpose, bool]
    history: list[ConsentOut]


class MergeIn(_Strict):
    """The anonymous visitor id to fold into the known customer named in the path."""

    anonymous_id: StoredText = Field(min_length=1, max_length=200)


class MergeOut(_Strict):
    customer_id: str
    anonymous_id: str
    merged: bool = Field(description="False when the anonymous id was already gone (a repeat)")
    events_moved: int
    events_dropped: int = Field(
        description="Linked events not moved because the merged profile has no tracking consent"
    )
    preferences_moved: int
    consents_moved: int
    preferences: PreferencesOut
    consents: ConsentState
