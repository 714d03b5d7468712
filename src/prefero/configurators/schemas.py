"""Configurators as the API reads and answers them, texts in the shopper's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from prefero.configurators.definition import Attribute, Configurator, Option
from prefero.configurators.engine import Evaluation

__all__ = [
    "ChoicesIn",
    "ConfiguratorOut",
    "ConfiguratorSummary",
    "Configurators",
    "ConfiguredLine",
    "DefaultsOut",
    "EvaluationOut",
    "SaveIn",
    "SavedConfigurationOut",
    "SavedConfigurations",
    "configurator_out",
    "evaluation_out",
]

_ChoiceKey = Annotated[str, StringConstraints(min_length=1, max_length=60)]
_Choice = Annotated[str, StringConstraints(max_length=60)]
#: Group key -> option key, or a list of option keys for a group that takes several.
Choices = dict[_ChoiceKey, _Choice | Annotated[list[_Choice], Field(max_length=100)]]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChoicesIn(_In):
    choices: Choices = Field(
        default_factory=dict, max_length=60,
        description="Group key -> option key (a list for a group that takes several)",
        examples=[{"graphics": "rtx-4070", "power": "w240", "extras": ["sleeve"]}])


class SaveIn(ChoicesIn):
    product_id: str = Field(min_length=1, max_length=200, examples=["cfg-laptop-14"])
    name: str | None = Field(default=None, min_length=1, max_length=200,
                             pattern=r"^[^\x00-\x1f\x7f]+$",
                             description="The customer's name for it; the product's title "
                                         "when left out")


class OptionOut(BaseModel):
    key: str
    label: str
    description: str | None = None
    price: Decimal = Field(description="Added to the base price")
    brand: str | None = None
    lead_days: int = Field(description="Extra build days (the slowest chosen option counts)")
    recommended: bool = Field(description="The shop's simple, safe choice")
    technical: bool = Field(description="For shoppers who know what they want")
    in_stock: bool
    stock: int | None = Field(description="Units left; null: not counted")
    attributes: dict[str, Attribute] = Field(default_factory=dict)


class GroupOut(BaseModel):
    key: str
    label: str
    required: bool
    multiple: bool
    default: str | None
    options: list[OptionOut]


class RuleOut(BaseModel):
    key: str
    type: str
    option: str = Field(description="'group.option'")
    targets: list[str] = Field(description="What it needs (requires) or cannot go with "
                                           "(excludes)")
    message: str | None = Field(description="The shop's own wording, when it gave one")


class ConfiguratorSummary(BaseModel):
    product_id: str
    title: str
    base_price: Decimal
    currency: str
    version: int
    digest: str


class Configurators(BaseModel):
    items: list[ConfiguratorSummary]


class ConfiguratorOut(ConfiguratorSummary):
    lead_days: int
    delivery_spread_days: int
    groups: list[GroupOut]
    rules: list[RuleOut]


class ProblemOut(BaseModel):
    code: str
    loc: list[str | int] = Field(description="Path of the group in the request's body")
    group: str
    option: str | None
    rule: str | None
    others: list[str]
    message: str


class WhyOut(BaseModel):
    code: str
    rule: str | None
    because: list[str] = Field(description="The chosen options that rule it out")
    needs: list[str]
    message: str


class UnavailableOut(BaseModel):
    group: str
    option: str
    reasons: list[WhyOut]


class ChosenOut(BaseModel):
    group: str
    option: str
    label: str
    price: Decimal


class DeliveryOut(BaseModel):
    days: int = Field(description="Build and delivery days from the order")
    earliest: date
    latest: date


class EvaluationOut(BaseModel):
    product_id: str
    valid: bool
    price: Decimal = Field(description="Base price plus the chosen options, rounded once")
    currency: str
    delivery: DeliveryOut
    choices: dict[str, str | list[str]]
    chosen: list[ChosenOut]
    problems: list[ProblemOut]
    unavailable: list[UnavailableOut]


class ReasonOut(BaseModel):
    code: str
    group: str | None
    option: str | None
    params: dict[str, str]
    text: str


class DefaultsOut(BaseModel):
    product_id: str
    personalized: bool = Field(description="Whether the customer's declared wishes were used")
    choices: dict[str, str | list[str]]
    reasons: list[ReasonOut]
    marked: list[ReasonOut] = Field(description="Options a wish keeps from pre-selection")
    evaluation: EvaluationOut


class SavedConfigurationOut(BaseModel):
    id: int
    product_id: str
    name: str
    choices: dict[str, Any]
    price: Decimal = Field(description="The price when it was saved")
    currency: str
    digest: str = Field(description="The definition it was priced with")
    created_at: datetime


class SavedConfigurations(BaseModel):
    items: list[SavedConfigurationOut]


@dataclass(frozen=True)
class ConfiguredLine:
    """A saved configuration as an order line: re-evaluated now, priced now."""

    product_id: str
    unit_price: Decimal
    currency: str
    title: str
    #: JSON-able copy for the order line (prices as strings).
    snapshot: dict[str, Any]


def configurator_out(definition: Configurator, *, language: str,
                     stock: Mapping[tuple[str, str], int | None]) -> ConfiguratorOut:
    """The definition with its texts in ``language`` and the live stock."""
    def option_out(group: str, option: Option) -> OptionOut:
        left = stock.get((group, option.key), option.stock)
        return OptionOut(
            key=option.key, label=option.label.text(language),
            description=option.description.text(language) if option.description else None,
            price=option.price, brand=option.brand, lead_days=option.lead_days,
            recommended=option.recommended, technical=option.technical, stock=left,
            in_stock=left is None or left > 0, attributes=dict(option.attributes))

    groups = [GroupOut(key=g.key, label=g.label.text(language), required=g.required,
                       multiple=g.multiple, default=g.default,
                       options=[option_out(g.key, o) for o in g.options])
              for g in definition.groups]
    rules = [RuleOut(key=r.key, type=r.type, option=r.option,
                     targets=list(r.needs if r.type == "requires" else r.excludes),
                     message=r.message.text(language) if r.message else None)
             for r in definition.rules]
    return ConfiguratorOut(
        product_id=definition.product_id, title=definition.title.text(language),
        base_price=definition.base_price, currency=definition.currency,
        version=definition.version, digest=definition.digest,
        lead_days=definition.lead_days, delivery_spread_days=definition.delivery_spread_days,
        groups=groups, rules=rules)


def evaluation_out(evaluation: Evaluation, *, language: str) -> EvaluationOut:
    """The evaluation with every message in ``language``."""
    return EvaluationOut(
        product_id=evaluation.product_id, valid=evaluation.valid, price=evaluation.price,
        currency=evaluation.currency,
        delivery=DeliveryOut(days=evaluation.delivery.days,
                             earliest=evaluation.delivery.earliest,
                             latest=evaluation.delivery.latest),
        choices=evaluation.choices,
        chosen=[ChosenOut(group=c.group, option=c.option, label=c.label.text(language),
                          price=c.price) for c in evaluation.chosen],
        problems=[ProblemOut(code=p.code, loc=list(p.loc), group=p.group, option=p.option,
                             rule=p.rule, others=list(p.others),
                             message=p.message.text(language)) for p in evaluation.problems],
        unavailable=[UnavailableOut(group=u.group, option=u.option, reasons=[
            WhyOut(code=w.code, rule=w.rule, because=list(w.because), needs=list(w.needs),
                   message=w.message.text(language)) for w in u.reasons])
            for u in evaluation.unavailable])
