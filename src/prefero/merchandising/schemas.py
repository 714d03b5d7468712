"""A merchandising rule as the shop writes it (``RuleIn``) and as it is stored (``Rule``).

The shapes here check only what needs no catalogue knowledge (types, bounds, lengths); the
checks against the shop's facet schema and between fields live in ``prefero.merchandising
.checks``, so that every wrong field of a rule is named at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from prefero.types import Placement, UtcDatetime

__all__ = [
    "ALL_PLACEMENTS",
    "MAX_IDS",
    "MAX_PRIORITY",
    "MAX_SLOT",
    "MAX_STRENGTH",
    "MAX_VALUES",
    "Action",
    "Condition",
    "Rule",
    "RuleIn",
]

Action = Literal["pin", "boost", "bury", "hide"]

#: Every placement a rule can name (``prefero.types.Placement``), the default of a new rule.
ALL_PLACEMENTS: tuple[Placement, ...] = ("home", "product", "cart", "checkout", "search")
#: Bounds: a boost or bury moves a score by at most this much (one unit lifts a product
#: above every purely editorial one, and below what a customer said they like at the levels
#: declared and balanced: see docs/merchandising.md); slots of a row (the API's largest n).
MAX_STRENGTH = 10.0
MAX_SLOT = 100
MAX_PRIORITY = 1000
#: Values or product ids of one condition, at most.
MAX_VALUES = 100
MAX_IDS = 100

Text = Annotated[str, StringConstraints(max_length=200)]
# No control characters: PostgreSQL cannot store a NUL, and no shop's id holds one.
ProductIdText = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                                 pattern=r"^[^\x00-\x1f\x7f]+$")]


class Condition(BaseModel):
    """Which products a rule is about: those having any of ``values`` of ``facet`` (a
    category value takes its whole subtree), or those among ``product_ids``; exactly one of
    the two."""

    model_config = ConfigDict(extra="forbid")

    facet: str | None = Field(default=None, max_length=64,
                              description="A facet of the shop's schema (not a numeric one)",
                              examples=["brand"])
    values: list[Text] = Field(default_factory=list, max_length=MAX_VALUES,
                               description="Any of these values (as the catalogue writes "
                                           "them; compared as the facet normalizes)",
                               examples=[["acme"]])
    product_ids: list[ProductIdText] = Field(
        default_factory=list, max_length=MAX_IDS,
        description="These products, in order of preference (a pin shows the first one the "
                    "customer may see)")


class RuleIn(BaseModel):
    """A rule as the shop writes it (create and whole update)."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(description="What the staff call it (a campaign's name)",
                       examples=["Winter boots week"])
    action: Action = Field(description="pin: show at ``position``; boost / bury: raise / "
                                       "lower the score by ``strength``; hide: never show")
    condition: Condition
    placements: list[Placement] = Field(default_factory=lambda: list(ALL_PLACEMENTS),
                                        min_length=1, max_length=len(ALL_PLACEMENTS))
    starts_at: UtcDatetime | None = Field(default=None, description="In force from (UTC); "
                                                                    "none: from now on")
    ends_at: UtcDatetime | None = Field(default=None, description="In force until, not "
                                                                  "included (UTC); none: open")
    strength: float | None = Field(default=None, gt=0, le=MAX_STRENGTH, allow_inf_nan=False,
                                   description="boost and bury only (default 1)")
    position: int | None = Field(default=None, ge=1, le=MAX_SLOT,
                                 description="pin only: the 1-based slot of the row")
    enabled: bool = Field(default=True, strict=True)
    priority: int = Field(default=0, ge=-MAX_PRIORITY, le=MAX_PRIORITY,
                          description="The higher wins a conflict (two pins for one slot; "
                                      "a product both boosted and buried)")


class Rule(BaseModel):
    """A rule as stored: its values in the form the catalogue compares, its strength set
    for boost and bury."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    action: Action
    condition: Condition
    placements: tuple[Placement, ...]
    starts_at: datetime | None
    ends_at: datetime | None
    strength: float | None
    position: int | None
    enabled: bool
    priority: int
    created_at: datetime
    updated_at: datetime

    def in_force(self, placement: Placement, now: float) -> bool:
        """Enabled, on ``placement``, and ``now`` (a POSIX time) inside its window.

        >>> from datetime import UTC
        >>> at = datetime(2026, 1, 1, tzinfo=UTC)
        >>> rule = Rule(id=1, name="x", action="hide", condition=Condition(product_ids=["a"]),
        ...             placements=("home",), starts_at=at, ends_at=None, strength=None,
        ...             position=None, enabled=True, priority=0, created_at=at, updated_at=at)
        >>> rule.in_force("home", at.timestamp()), rule.in_force("cart", at.timestamp())
        (True, False)
        """
        return (self.enabled and placement in self.placements
                and (self.starts_at is None or self.starts_at.timestamp() <= now)
                and (self.ends_at is None or now < self.ends_at.timestamp()))
