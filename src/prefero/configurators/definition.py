"""A configurable product as typed models: option groups, options with prices, stock and
lead times, and the compatibility rules between options.

The shape is checked here; cross-references (a rule naming an option that does not exist, a
group's default that is not one of its options, a required group whose every option a rule
rules out) are checked with exact paths by ``prefero.configurators.loader``.

Options are referred to as ``"group.option"`` (``"graphics.rtx4070"``), the form a rule is
written in and the form the engine names them in its reasons.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Attribute",
    "Configurator",
    "ConfiguratorSet",
    "ExcludesRule",
    "Group",
    "Key",
    "Labels",
    "Option",
    "OptionRef",
    "RequiresRule",
    "Rule",
    "split_ref",
]

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=60)]
OptionRef = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*\.[a-z0-9][a-z0-9_\-]*$",
                                 max_length=121)]
# Money in the definition: a delta over the base price, never negative (a cheaper variant is
# the base, and the others cost more), with at most 4 decimals (a net price may have more
# than the currency's minor unit: the total is rounded once, at the end).
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999"), decimal_places=4)]
Attribute = str | int | float | bool
Label = Annotated[str, Field(min_length=1, max_length=300)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def split_ref(ref: str) -> tuple[str, str]:
    """``"group.option"`` as its two keys.

    >>> split_ref("graphics.rtx4070")
    ('graphics', 'rtx4070')
    """
    group, _, option = ref.partition(".")
    return group, option


class Labels(_Strict):
    """A text in every language the shop's pages speak."""

    en: Label
    pl: Label

    def text(self, language: str) -> str:
        """The text in ``language`` (English for a language the shop does not speak).

        >>> Labels(en="Memory", pl="Pamięć").text("pl")
        'Pamięć'
        """
        return self.pl if language == "pl" else self.en


class Option(_Strict):
    key: Key
    label: Labels
    description: Labels | None = None
    price: Money = Decimal(0)
    # None: unlimited. The live count (prefero.configurators.models.OptionStock) overrides it
    # once the shop has sold or set any.
    stock: int | None = Field(default=None, ge=0)
    brand: str | None = Field(default=None, min_length=1, max_length=200)
    # Days this option adds to the build (the slowest chosen option sets the pace).
    lead_days: int = Field(default=0, ge=0, le=365)
    # The simple, safe choice the shop recommends to shoppers who say they are not technical.
    recommended: bool = False
    attributes: dict[Key, Attribute] = Field(default_factory=dict, max_length=30)

    @property
    def technical(self) -> bool:
        """The shop marks this option as one for people who know what they want."""
        return self.attributes.get("technical") is True


class Group(_Strict):
    key: Key
    label: Labels
    required: bool = True
    # Several options at once (extras); a single-choice group takes exactly one.
    multiple: bool = False
    # The shop's own default (pre-selected when no wish of the customer says otherwise).
    default: Key | None = None
    options: list[Option] = Field(min_length=1, max_length=100)

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


class RequiresRule(_Strict):
    """``option`` needs one of ``needs`` ("the RTX 4070 needs the 750 W supply")."""

    type: Literal["requires"]
    key: Key
    option: OptionRef
    needs: list[OptionRef] = Field(min_length=1, max_length=100)
    # The shop's own wording; without it the engine words the rule from the option labels.
    message: Labels | None = None


class ExcludesRule(_Strict):
    """``option`` cannot go with any of ``excludes``, and the other way round."""

    type: Literal["excludes"]
    key: Key
    option: OptionRef
    excludes: list[OptionRef] = Field(min_length=1, max_length=100)
    message: Labels | None = None


Rule = Annotated[RequiresRule | ExcludesRule, Field(discriminator="type")]


class Configurator(_Strict):
    """One configurable product of the catalogue."""

    product_id: str = Field(min_length=1, max_length=200)
    version: int = Field(default=1, ge=1)
    title: Labels
    base_price: Money
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    # Days to build the base product; the estimate adds the slowest chosen option's days.
    lead_days: int = Field(default=0, ge=0, le=365)
    # The delivery estimate is a range this many days wide (carriers are not exact).
    delivery_spread_days: int = Field(default=2, ge=0, le=30)
    groups: list[Group] = Field(min_length=1, max_length=50)
    rules: list[Rule] = Field(default_factory=list, max_length=500)

    def group(self, key: str) -> Group | None:
        return next((group for group in self.groups if group.key == key), None)

    def option(self, ref: str) -> Option | None:
        """The option ``"group.option"`` names, or ``None``."""
        group_key, option_key = split_ref(ref)
        group = self.group(group_key)
        return group.option(option_key) if group is not None else None

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the definition: a saved configuration records the one it was
        priced with, so an order can tell that the shop changed the product since."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True,
                               separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ConfiguratorSet(_Strict):
    """Every configurator of the shop, by product id."""

    configurators: dict[str, Configurator] = Field(default_factory=dict)

    def get(self, product_id: str) -> Configurator | None:
        return self.configurators.get(product_id)

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256("".join(
            f"{pid}:{c.digest};" for pid, c in sorted(self.configurators.items())
        ).encode()).hexdigest()
