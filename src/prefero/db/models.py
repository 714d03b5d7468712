"""Imports every ORM module so that ``Base.metadata`` is complete (Alembic, tests)."""

from prefero.analytics.models import RecommendationDaily
from prefero.audit.models import AuditEntry
from prefero.auth.models import ExchangeCode, TokenRevocation
from prefero.boxes.models import BoxDelivery, BoxItem, BoxSubscription
from prefero.catalog.changes import ProductChange
from prefero.catalog.models import Product, Revision
from prefero.configurators.models import OptionStock, SavedConfiguration
from prefero.content.models import ContentDecision, ContentSlot, ContentVariant
from prefero.coupons.models import Coupon, CouponPool
from prefero.customers.household_models import HouseholdProfile
from prefero.customers.models import ConsentRecord, Customer, Preference, SuggestionDecision
from prefero.db.base import Base
from prefero.delivery.models import DeliveryBooking, DeliveryWindow, DeliveryWish
from prefero.events.models import Event, EventReceipt, ProductActivity
from prefero.experiments.models import (
    Experiment,
    ExperimentArm,
    ExperimentExposure,
    ExperimentTally,
)
from prefero.fit.models import FitFeedback, FitProfile
from prefero.follows.models import Follow
from prefero.merchandising.models import MerchandisingRule
from prefero.messaging.models import OutboxMessage
from prefero.messaging.terms_models import MessageTerms
from prefero.messaging.triggers.models import ProductWatch, ScanCursor
from prefero.orders.models import Order, OrderLine
from prefero.privacy.models import ErasureReceipt, PendingRetrain, PendingScrub
from prefero.prompts.models import Prompt, PromptDismissal, PromptSetting, PromptShown
from prefero.quizzes.models import CustomerTrait, QuizSession, QuizVersion
from prefero.recommend.artefact_rows import ArtefactChunk, PublishedArtefact
from prefero.search.models import PopularSearch, SearchSynonym
from prefero.segments.models import Segment, SegmentMember
from prefero.staff.models import StaffAccount

__all__ = [
    "ArtefactChunk",
    "AuditEntry",
    "Base",
    "BoxDelivery",
    "BoxItem",
    "BoxSubscription",
    "ConsentRecord",
    "ContentDecision",
    "ContentSlot",
    "ContentVariant",
    "Coupon",
    "CouponPool",
    "Customer",
    "CustomerTrait",
    "DeliveryBooking",
    "DeliveryWindow",
    "DeliveryWish",
    "ErasureReceipt",
    "Event",
    "EventReceipt",
    "ExchangeCode",
    "Experiment",
    "ExperimentArm",
    "ExperimentExposure",
    "ExperimentTally",
    "FitFeedback",
    "FitProfile",
    "Follow",
    "HouseholdProfile",
    "MerchandisingRule",
    "MessageTerms",
    "OptionStock",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "PendingRetrain",
    "PendingScrub",
    "PopularSearch",
    "Preference",
    "Product",
    "ProductActivity",
    "ProductChange",
    "ProductWatch",
    "Prompt",
    "PromptDismissal",
    "PromptSetting",
    "PromptShown",
    "PublishedArtefact",
    "QuizSession",
    "QuizVersion",
    "RecommendationDaily",
    "Revision",
    "SavedConfiguration",
    "ScanCursor",
    "SearchSynonym",
    "Segment",
    "SegmentMember",
    "StaffAccount",
    "SuggestionDecision",
    "TokenRevocation",
]
