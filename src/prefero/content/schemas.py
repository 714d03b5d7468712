"""Content slots as the shop writes them (``SlotIn``, ``VariantIn``) and reads them
(``SlotOut``), and the answer for one visitor (``ContentAnswer``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from prefero.content.reasons import ContentReason
from prefero.content.targeting import Targeting
from prefero.text import StoredText

__all__ = ["MAX_VARIANTS", "ContentAnswer", "Language", "ShownVariant", "SlotBody", "SlotIn",
           "SlotOut", "SlotPatch", "Slots", "Strategy", "Texts", "VariantIn", "VariantOut"]

#: Variants of one slot, at most.
MAX_VARIANTS = 50

Strategy = Literal["first_match", "best_score", "split"]
Language = Literal["en", "pl"]

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                           description="Lowercase letters, digits, '-' and '_'",
                           examples=["home-hero"])]


def _address(text: str) -> str:
    """A link or image the storefront may put in a page: http(s) or a path on the shop's
    site. ``javascript:`` and other schemes would run or leak in the shopper's browser."""
    lowered = text.strip().lower()
    if lowered.startswith(("https://", "http://")) or (
            lowered.startswith("/") and not lowered.startswith("//")):
        return text.strip()
    raise ValueError("must be an http(s) address or a path on the shop's site (/…)")


Address = Annotated[StoredText, Field(min_length=1, max_length=1000),
                    AfterValidator(_address)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Texts(_Strict):
    """What a variant shows in one language, as the shop wrote it."""

    title: StoredText = Field(min_length=1, max_length=200)
    body: StoredText = Field(default="", max_length=2000)
    image: Address | None = None
    image_alt: StoredText = Field(default="", max_length=300,
                                  description="The image described for screen readers")
    link: Address | None = None
    link_text: StoredText | None = Field(default=None, min_length=1, max_length=100)


class VariantIn(_Strict):
    key: Key
    texts: dict[Language, Texts] = Field(min_length=1,
                                         description="Per language (en, pl): at least one")
    targeting: Targeting = Field(default_factory=Targeting,
                                 description="Whom it is for; empty: everyone")
    weight: float = Field(default=1.0, gt=0, le=1000,
                          description="best_score: the score is the number of matched "
                                      "criteria × weight")
    share: float = Field(default=0.0, ge=0, le=1,
                         description="split: its share of the visitors outside the control "
                                     "group, relative to the other variants' shares")


class VariantOut(VariantIn):
    position: int
    updated_at: datetime


class SlotPatch(_Strict):
    """The slot's own settings (its variants are changed one by one or with a PUT)."""

    name: StoredText = Field(min_length=1, max_length=200)
    strategy: Strategy = "first_match"
    control_share: float = Field(default=0.0, ge=0, lt=1,
                                 description="split only: the visitors who see the fallback "
                                             "as the control group")
    # strict: only JSON true/false enable or disable a slot.
    enabled: bool = Field(default=True, strict=True)
    fallback: Key | None = Field(default=None, description="The variant shown when no other "
                                 "is, and to the control group; none: the slot stays empty")


class SlotBody(SlotPatch):
    """A slot's whole definition but its key (what a PUT replaces)."""

    variants: list[VariantIn] = Field(default_factory=list, max_length=MAX_VARIANTS,
                                      description="In the order first_match tries them")


class SlotIn(SlotBody):
    key: Key


class SlotOut(SlotIn):
    id: int
    variants: list[VariantOut] = Field(default_factory=list)  # type: ignore[assignment]
    created_at: datetime
    updated_at: datetime


class Slots(BaseModel):
    items: list[SlotOut]


class ShownVariant(BaseModel):
    """The chosen variant's texts in the answer's language (or the nearest it has)."""

    key: str
    language: Language
    title: str
    body: str
    image: str | None
    image_alt: str
    link: str | None
    link_text: str | None


class ContentAnswer(BaseModel):
    """One slot's choice for one visitor, explained."""

    slot: str
    decision_id: str = Field(description="Names this choice in the exposure log")
    variant: ShownVariant | None = Field(description="null: nothing to show")
    control: bool = Field(description="The visitor is in the split's control group")
    reasons: list[ContentReason]
    context_used: bool = Field(description="Traffic source, device, time or weather decided")
