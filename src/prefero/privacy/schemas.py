"""Response shapes for "what we know about you" and for erasure."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from prefero.audit.schemas import CustomerAction
from prefero.boxes.schemas import ExportedBox
from prefero.configurators.schemas import SavedConfigurationOut
from prefero.content.decisions import ContentDecisionRecord
from prefero.coupons.schemas import CouponOut
from prefero.customers.household_schemas import ProfileKind
from prefero.customers.schemas import Budget, ConsentState, PreferencesOut
from prefero.delivery.schemas import DeliveryExport
from prefero.experiments.export import ExposureRecord
from prefero.fit.export import FitExport
from prefero.follows.schemas import FollowOut
from prefero.messaging.history import MessageOut
from prefero.messaging.terms import MessageTermsExport
from prefero.messaging.triggers.schemas import WatchOut
from prefero.orders.schemas import OrderOut
from prefero.prompts.export import PromptDataExport
from prefero.segments.membership import SegmentMembershipRecord
from prefero.types import Level

__all__ = [
    "Affinity",
    "CustomerDataOut",
    "DerivedItem",
    "DismissedProduct",
    "ErasureReceiptOut",
    "EventOut",
    "EventSummary",
    "ProfileOut",
    "QuizSessionRecord",
    "SuggestionDecisionRecord",
    "TraitRecord",
]

# Prices as JSON numbers, like budgets (see customers.schemas).
_Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileOut(_Out):
    anonymous: bool
    level: Level | None = Field(description="The customer's own choice; null: shop default")
    effective_level: Level
    level_updated_at: datetime | None
    exploration: bool
    budget: Budget | None
    budget_updated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EventOut(_Out):
    id: int
    type: str
    product_id: str | None
    quantity: int | None
    price: _Money | None
    rating: float | None
    query: str | None
    placement: str | None
    reason: str | None = Field(description="A recommendation click's reason code")
    session_id: str | None
    order_id: str | None
    size: str | None = Field(default=None, description="The size bought or returned")
    occurred_at: datetime
    received_at: datetime


class EventSummary(_Out):
    total: int
    by_type: dict[str, int]
    first_at: datetime | None
    last_at: datetime | None
    latest: list[EventOut] = Field(description="The most recent events, newest first")


class DismissedProduct(_Out):
    product_id: str
    title: str | None = Field(description="null when the product left the catalog")
    source: str
    dismissed_at: datetime


class Affinity(_Out):
    value: str
    score: float = Field(description="Share of the weighted interactions, 0..1")
    events: int


class DerivedItem(_Out):
    """Something computed from the customer's data, with how and whether it is kept."""

    name: str
    description: str
    stored: bool = Field(description="False: computed when asked, never written anywhere")
    values: list[Affinity] = Field(default_factory=list)


class TraitRecord(_Out):
    """A psychographic score a quiz measured."""

    trait: str
    value: float
    source: str = Field(description="The quiz and version that measured it")
    updated_at: datetime


class QuizSessionRecord(_Out):
    """One quiz the customer started, with the answers as given."""

    session_id: str
    quiz_id: str
    version: int
    status: str
    stored: bool = Field(description="Whether completing it wrote to the profile")
    answers: list[dict[str, Any]]
    started_at: datetime
    completed_at: datetime | None


class SuggestionDecisionRecord(_Out):
    """A suggestion the customer accepted or rejected (rejections keep it from coming back)."""

    kind: str
    facet: str
    value: str
    decision: str
    decided_at: datetime


class CustomerDataOut(_Out):
    """Everything held about one customer, and what is derived from it."""

    customer_id: str
    generated_at: datetime
    profile: ProfileOut
    preferences: PreferencesOut
    consents: ConsentState
    events: EventSummary
    dismissed_products: list[DismissedProduct]
    derived: list[DerivedItem]
    traits: list[TraitRecord] = Field(default_factory=list)
    quiz_sessions: list[QuizSessionRecord] = Field(default_factory=list)
    suggestion_decisions: list[SuggestionDecisionRecord] = Field(default_factory=list)
    content_decisions: list[ContentDecisionRecord] = Field(
        default_factory=list, description="Content choices shown, logged with the customer's "
        "tracking consent (prefero.content.decisions)")
    segments: list[SegmentMembershipRecord] = Field(
        default_factory=list, description="The shop's segments the customer is in now "
        "(prefero.segments.membership)")
    actions: list[CustomerAction] = Field(
        default_factory=list,
        description="Recorded actions on this customer's data (reads, changes, exports), "
                    "newest first, from the audit log")
    follows: list[FollowOut] = Field(default_factory=list,
                                     description="Brands and categories the customer follows")
    watches: list[WatchOut] = Field(
        default_factory=list, description="Products the customer asked to hear about (price, "
        "stock)")
    coupons: list[CouponOut] = Field(default_factory=list,
                                     description="Coupons the customer chose, with their codes")
    boxes: list[ExportedBox] = Field(
        default_factory=list, description="Taste boxes with every delivery and rating")
    message_terms: list[MessageTermsExport] = Field(
        default_factory=list, description="The customer's terms for messages (triggers, "
        "channels, caps, quiet hours), when they chose any")
    messages: list[MessageOut] = Field(
        default_factory=list, description="Every message queued or sent to the customer, "
        "with why it was sent")
    profiles: list[ProfileExport] = Field(
        default_factory=list, description="The account's household profiles, each with "
        "everything held about it")
    experiments: list[ExposureRecord] = Field(
        default_factory=list, description="Experiment arms shown to the customer while they "
        "allowed tracking (prefero.experiments.export)")
    delivery: DeliveryExport | None = Field(
        default=None, description="Delivery wishes (days, hours, home or pick-up, green or "
        "fastest) and the windows booked for orders (prefero.delivery)")
    fit: FitExport | None = Field(
        default=None, description="Body measurements, fit preference and fit feedback from "
        "returns (sensitive: used for size advice only; prefero.fit)")
    prompts: PromptDataExport | None = Field(
        default=None, description="On-site prompts: the caps set, the prompts dismissed and "
        "every prompt shown (prefero.prompts)")
    orders: list[OrderOut] = Field(
        default_factory=list, description="Orders placed at the shop's checkout, with what "
        "each line was (configuration, size, measurements) and the delivery chosen")
    configurations: list[SavedConfigurationOut] = Field(
        default_factory=list, description="Product configurations the customer saved "
        "(prefero.configurators)")


class ProfileExport(_Out):
    """One extra household profile in the account's data export: what it is and everything
    held about it."""

    profile_id: str
    name: str
    kind: ProfileKind | None = None
    data: CustomerDataOut


CustomerDataOut.model_rebuild()


class ErasureReceiptOut(_Out):
    """Proof of an erasure. Only ``subject_hash`` and ``erased_at`` are kept."""

    subject_hash: str
    erased_at: datetime
    already_erased: bool = Field(
        description="True when the id had been erased before; nothing was deleted this time"
    )
    deleted: dict[str, int] = Field(description="Rows deleted per table by this request")
