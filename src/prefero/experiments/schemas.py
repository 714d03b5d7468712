"""An experiment as the shop writes it (``ExperimentIn``) and as it is stored
(``ExperimentOut``), with what each kind's arms may change.

The shapes check what needs no database (types, bounds, one control, shares summing to one);
the checks against the shop's data (the content slot, the trigger, the model versions) live in
``prefero.experiments.service`` so that every wrong field is named at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from prefero.types import Level, Placement

__all__ = [
    "GUARDRAIL_DEFAULT",
    "METRICS",
    "MIN_SHARE",
    "ArmIn",
    "ArmOut",
    "ContentArm",
    "ExperimentIn",
    "ExperimentOut",
    "Kind",
    "MessageArm",
    "Metric",
    "RecommendationArm",
    "Status",
]

Kind = Literal["recommendations", "content", "messages", "holdout"]
Status = Literal["draft", "running", "stopped"]
#: Per-unit metrics read from events (``prefero.experiments.metrics`` says how).
Metric = Literal["click_through", "add_to_cart_rate", "conversion", "revenue_per_visitor",
                 "average_order_value", "not_for_me_rate"]
METRICS: tuple[Metric, ...] = ("click_through", "add_to_cart_rate", "conversion",
                               "revenue_per_visitor", "average_order_value", "not_for_me_rate")
#: What a new experiment watches besides its primary metric: that shoppers do not turn
#: things down more, and that the shop does not earn less.
GUARDRAIL_DEFAULT: tuple[Metric, ...] = ("not_for_me_rate", "revenue_per_visitor")

#: The thinnest arm: shares are validated against it.
MIN_SHARE = 0.01

Key = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                       pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
Description = Annotated[str, StringConstraints(max_length=2000,
                                               pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]


class RecommendationArm(BaseModel):
    """What an arm of a ``recommendations`` experiment changes (left out: as the shop is).
    A customer's hard rules and consents apply in every arm: an arm changes ranking, never
    what a shopper has excluded or refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    default_level: Level | None = Field(
        default=None, description="The personalization level of customers who have not "
                                  "chosen one (a customer's own choice always wins)")
    model_version: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
        description="A trained model version to serve (left out: the newest)")
    diversity: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="Diversification strength: 0 = relevance only, 1 = diversity only")
    merchandising: bool = Field(default=True,
                                description="Apply the shop's merchandising rules")
    exploration: bool | None = Field(default=None,
                                     description="Keep an exploration slot in the row")


class ContentArm(BaseModel):
    """What an arm of a ``content`` experiment shows in its slot."""

    model_config = ConfigDict(extra="forbid", strict=True)

    variant: Key | None = Field(default=None, description="A variant of the slot, shown when "
                                "its targeting allows (left out: the slot's own choice)")


class MessageArm(BaseModel):
    """What an arm of a ``messages`` experiment does with its trigger's messages."""

    model_config = ConfigDict(extra="forbid", strict=True)

    send: bool = Field(default=True, description="false: the trigger holds the message "
                                                 "back (a hold-out arm)")


class ArmIn(BaseModel):
    """One arm as written."""

    model_config = ConfigDict(extra="forbid", strict=True)

    key: Key
    name: Name
    share: float = Field(ge=MIN_SHARE, le=1.0,
                         description="Share of the experiment's units (at least 1 %: a "
                                     "thinner arm would gather no evidence)")
    control: bool = Field(default=False, description="The arm the others are compared with")
    config: dict[str, object] = Field(
        default_factory=dict,
        description="What the arm changes: RecommendationArm, ContentArm or MessageArm "
                    "fields, by the experiment's kind (holdout: none)")


class ExperimentIn(BaseModel):
    """An experiment as the shop writes it (create and whole update of a draft)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    key: Key
    name: Name
    description: Description = ""
    kind: Kind
    target: Key | None = Field(
        default=None, description="recommendations: a placement (left out: every one); "
                                  "content: the slot's key; messages: the trigger's key")
    arms: list[ArmIn] = Field(min_length=2, max_length=10)
    primary_metric: Metric = "conversion"
    guardrails: list[Metric] = Field(default_factory=lambda: list(GUARDRAIL_DEFAULT),
                                     max_length=len(METRICS))
    anonymous_measurement: bool = Field(
        default=False, description="Let customers without tracking consent take part, "
                                   "measured only as anonymous per-arm totals")
    pre_period_days: int = Field(default=14, ge=0, le=365,
                                 description="Days of behaviour before a unit's first "
                                             "exposure used to reduce variance (CUPED)")
    traffic: float = Field(default=1.0, gt=0.0, le=1.0,
                           description="Share of all units that take part")


class ArmOut(BaseModel):
    key: str
    name: str
    share: float
    control: bool
    config: dict[str, object]


class ExperimentOut(BaseModel):
    key: str
    name: str
    description: str
    kind: Kind
    target: str | None
    status: Status
    arms: list[ArmOut]
    primary_metric: Metric
    guardrails: list[Metric]
    anonymous_measurement: bool
    pre_period_days: int
    traffic: float
    started_at: datetime | None
    stopped_at: datetime | None
    created_at: datetime
    updated_at: datetime


#: Placements a recommendations experiment may name as its target. Not ``search``: search
#: results are ordered through ``RecommendationEngine.recommend``, which applies no arm
#: (only answers whose render is logged as an exposure do), so a search test would measure
#: nothing.
PLACEMENTS: tuple[Placement, ...] = ("home", "product", "cart", "checkout")
