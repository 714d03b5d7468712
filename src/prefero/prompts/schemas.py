"""Prompts as the shop writes them (``PromptIn``) and reads them (``PromptOut``), the
customer's caps (``PromptSettingsIn``/``Out``), what a shop's page reports when a trigger
fires (``PromptFacts``) and the answer (``PromptAnswer``): the prompt to show, or why none."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from prefero.content.reasons import ContentReason
from prefero.content.schemas import ShownVariant
from prefero.content.signals import Device
from prefero.text import StoredText

__all__ = [
    "MAX_GAP_MINUTES",
    "MAX_PER_VISIT",
    "TRIGGERS",
    "DecideIn",
    "NoneReason",
    "PromptAnswer",
    "PromptBody",
    "PromptCaps",
    "PromptFacts",
    "PromptIn",
    "PromptOut",
    "PromptReason",
    "PromptReasonParams",
    "PromptSettingsIn",
    "PromptSettingsOut",
    "Prompts",
    "ShownPrompt",
    "Trigger",
]

Trigger = Literal["cart_exit", "dwell", "scroll", "return_after_search"]
TRIGGERS: tuple[Trigger, ...] = ("cart_exit", "dwell", "scroll", "return_after_search")
#: Why no prompt was shown, in the order ``decide`` checks.
NoneReason = Literal["switched_off", "no_consent", "no_matching_prompt", "dismissed",
                     "cap_reached", "too_soon"]

#: The most prompts a visit a customer may allow, and the longest gap they may ask for.
MAX_PER_VISIT = 5
MAX_GAP_MINUTES = 1440

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                           description="Lowercase letters, digits, '-' and '_'",
                           examples=["cart-exit"])]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromptBody(_Strict):
    """A prompt's whole definition but its key (what a PUT replaces)."""

    name: StoredText = Field(min_length=1, max_length=200)
    trigger: Trigger = Field(description="cart_exit: leaving (tab hidden, pointer out of the "
                             "window) with items in the cart; dwell: seconds on one page; "
                             "scroll: percent of a page read; return_after_search: the first "
                             "page of a visit after a search on an earlier one")
    threshold: int | None = Field(
        default=None, description="cart_exit: items in the cart at least (1-40, default 1); "
        "dwell: seconds (5-3600, default 30); scroll: percent (10-100, default 75); "
        "return_after_search: the search at most this many days ago (1-365, default 30)")
    slot: Key = Field(description="The content slot whose variants (texts, link, targeting) "
                                  "the prompt shows")
    priority: int = Field(default=0, ge=-1000, le=1000,
                          description="Lower first, when several prompts answer a trigger")
    # strict: only JSON true/false enable or disable a prompt.
    enabled: bool = Field(default=True, strict=True)


class PromptIn(PromptBody):
    key: Key


class PromptOut(PromptIn):
    id: int
    threshold: int = Field(description="The trigger's default filled in when none was given")
    created_at: datetime
    updated_at: datetime


class Prompts(BaseModel):
    items: list[PromptOut]


class PromptSettingsIn(_Strict):
    """The caps the customer sets (every field optional: the rest stays as it is)."""

    per_visit: int | None = Field(default=None, ge=0, le=MAX_PER_VISIT, strict=True,
                                  description="At most this many prompts a visit (0: none)")
    gap_minutes: int | None = Field(default=None, ge=0, le=MAX_GAP_MINUTES, strict=True,
                                    description="At least this many minutes between two")
    off: bool | None = Field(default=None, strict=True,
                             description="\"Don't show me these\": no prompt at all")


class PromptSettingsOut(BaseModel):
    per_visit: int
    gap_minutes: int
    off: bool
    dismissed: list[str] = Field(description="Keys of the prompts the customer dismissed")
    defaults: bool = Field(description="Never changed: the shop's defaults")
    text: str = Field(description="The caps in words, in the answer's language")


def _written_time(value: object) -> object:
    """A time in JSON is an ISO 8601 string: a number is refused, not read as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("a time is written as an ISO 8601 string")
    return value


#: A moment as the API's JSON writes it (ISO 8601 with a zone).
WrittenTime = Annotated[datetime, BeforeValidator(_written_time)]


class PromptFacts(_Strict):
    """What the shop's page saw when the trigger fired (all optional)."""

    visit_id: str | None = Field(default=None, min_length=1, max_length=64,
                                 pattern=r"^[A-Za-z0-9_\-]+$",
                                 description="The shop's id of this visit; the caps also "
                                             "count every prompt of the last 30 minutes")
    visit_started_at: WrittenTime | None = Field(
        default=None, description="When this visit began (return_after_search: the search "
                                  "must be older); left out: 30 minutes ago")
    cart_items: int = Field(default=0, ge=0, le=1000, strict=True)
    dwell_seconds: int = Field(default=0, ge=0, le=86400, strict=True)
    scroll_percent: int = Field(default=0, ge=0, le=100, strict=True)
    returning: bool | None = Field(default=None, strict=True,
                                   description="The shop's own word, for the "
                                   "slot's new/returning targeting")
    device: Device | None = None


class DecideIn(_Strict):
    trigger: Trigger
    facts: PromptFacts = Field(default_factory=PromptFacts)


class PromptReasonParams(BaseModel):
    """The values a prompt's reason names; each code fills only its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: int | None = None
    seconds: int | None = None
    percent: int | None = None
    query: str | None = None


class PromptReason(BaseModel):
    """Why the prompt fired: a code, its parameters, and the shopper's sentence."""

    code: Trigger
    params: PromptReasonParams = PromptReasonParams()
    text: str = ""


class PromptCaps(BaseModel):
    """The caps in force and where this visit stands."""

    per_visit: int
    gap_minutes: int
    off: bool
    shown_this_visit: int
    text: str = Field(description="The caps in words")


class ShownPrompt(BaseModel):
    key: str
    trigger: Trigger
    content: ShownVariant = Field(description="The slot's chosen variant, in the answer's "
                                              "language")
    reasons: list[PromptReason] = Field(description="Why it fired")
    targeting: list[ContentReason] = Field(description="Why this variant of the slot")


class PromptAnswer(BaseModel):
    prompt: ShownPrompt | None = Field(description="null: none is shown (see none_because)")
    none_because: NoneReason | None = None
    none_text: str | None = Field(default=None, description="none_because in words")
    caps: PromptCaps
