"""Request and response shapes for behaviour ingest.

An event names its person either by ``customer_id`` (a known shopper) or by ``anonymous_id``
(a visitor the shop has not identified); both end up as customer rows, the anonymous ones
flagged ``anonymous=True``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from prefero.customers.household_models import PROFILE_KEY_PATTERN
from prefero.db.base import utcnow
from prefero.errors import FieldError
from prefero.text import storable_field
from prefero.types import EventType, UtcDatetime

__all__ = [
    "FUTURE_TOLERANCE",
    "MAX_BATCH",
    "RETURN_REASONS",
    "ErrorItem",
    "EventBatch",
    "EventIn",
    "IngestResult",
    "RejectedEvent",
]

# One request carries at most this many events; bigger uploads are split by the client so
# that a request stays one short transaction.
MAX_BATCH = 1000
# Clocks on shop servers and phones drift; a day ahead is drift, more is a bug or a forgery
# that would otherwise pollute "trending today" forever.
FUTURE_TOLERANCE = timedelta(hours=24)
#: Why goods came back, as a return event's ``reason`` says (``prefero.fit`` reads the sizes).
RETURN_REASONS = ("too_small", "too_large", "not_as_described", "changed_mind")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _type_of(info: ValidationInfo) -> EventType | None:
    # ``type`` is declared before the fields whose rules depend on it, so it is in ``data``
    # once it validated; when it did not, its own error is enough and the rule is skipped.
    value = info.data.get("type")
    return value if isinstance(value, EventType) else None


#: Event types that need no product.
_WITHOUT_PRODUCT = (EventType.SEARCH, EventType.REFUND)
#: Event types that may say which size was chosen (``size``).
_SIZED = (EventType.PURCHASE, EventType.ADD_TO_CART, EventType.RETURN)
# A size label: printable, no control characters (a chart's labels are short words).
_SIZE_PATTERN = r"^[^\x00-\x1f\x7f]+$"
#: Fields one event type requires (and the others may leave out).
_REQUIRED_FOR = {"query": EventType.SEARCH, "order_id": EventType.REFUND}


class EventIn(_Strict):
    """One behavioural event, naming its person by customer_id or anonymous_id."""

    # Example: EventIn(event_id="e-1", type="view", anonymous_id="v-9", product_id="sku-1").
    # Cross-field rules are field validators (not one model validator) so that every error
    # points at the field to fix, e.g. ["events", 3, "product_id"]. (The docstring above is
    # what the OpenAPI document shows, hence notes for developers live here.)

    event_id: str = Field(min_length=1, max_length=200,
                          description="The client's id for this event; repeats are ignored.")
    type: EventType
    anonymous_id: str | None = Field(default=None, min_length=1, max_length=200,
                                     description="A visitor the shop has not identified.")
    customer_id: str | None = Field(default=None, min_length=1, max_length=200,
                                    validate_default=True,
                                    description="A known shopper; give this or anonymous_id.")
    profile_id: str | None = Field(
        default=None, pattern=PROFILE_KEY_PATTERN,
        description="The household profile of the customer the event belongs to ('kids'); "
                    "left out: the account's own. Only with customer_id.")
    product_id: str | None = Field(default=None, min_length=1, max_length=200,
                                   validate_default=True,
                                   description="Required for every type except search.")
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2,
                                  description="Unit price, in the shop's currency "
                                              "(PREFERO_SHOP_CURRENCY).")
    rating: float | None = Field(default=None, ge=1, le=5, validate_default=True,
                                 description="1 to 5; required for (and only for) rating.")
    query: str | None = Field(default=None, min_length=1, max_length=500,
                              validate_default=True, description="Required for search.")
    placement: str | None = Field(default=None, min_length=1, max_length=20,
                                  description="Where it happened, e.g. home, product, cart.")
    reason: str | None = Field(
        default=None, min_length=1, max_length=40, validate_default=True,
        description="rec_click: the leading reason code of the clicked item (its first "
                    "reason's code, as the recommendation answer gave it), so that the "
                    "shop's statistics can say which reasons get clicked and bought. "
                    "return (required): why the goods came back: too_small, too_large, "
                    "not_as_described or changed_mind.")
    session_id: str | None = Field(default=None, min_length=1, max_length=200)
    order_id: str | None = Field(
        default=None, min_length=1, max_length=200, validate_default=True,
        description="The shop's order: given on purchases, a refund names the order it "
                    "refunds (required for refund).")
    size: str | None = Field(
        default=None, min_length=1, max_length=20, pattern=_SIZE_PATTERN,
        description="purchase, add_to_cart and return only: the size label chosen, as the "
                    "product's size chart names it (\"M\", \"EU 42\"). A return with its size "
                    "moves the customer's next size advice for that chart.")
    occurred_at: UtcDatetime = Field(default_factory=utcnow,
                                       description="With a timezone; defaults to now.")

    @field_validator("event_id", "anonymous_id", "customer_id", "product_id", "query",
                     "placement", "session_id", "order_id")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        # JSON can carry a NUL, PostgreSQL cannot store one: refuse it here with the field's
        # path instead of failing the whole transaction later.
        return None if value is None else storable_field(value)

    @field_validator("customer_id")
    @classmethod
    def _one_person(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "anonymous_id" not in info.data:
            return value  # anonymous_id failed on its own; its error says what to fix
        if (value is None) == (info.data["anonymous_id"] is None):
            raise PydanticCustomError(
                "person", "give exactly one of customer_id or anonymous_id"
            )
        return value

    @field_validator("profile_id")
    @classmethod
    def _profile_of_a_customer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("customer_id") is None:
            raise PydanticCustomError(
                "person", "a profile belongs to a customer: give customer_id with profile_id")
        return value

    @field_validator("product_id")
    @classmethod
    def _product_needed(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = _type_of(info)
        # A refund without a product is one of the whole order.
        if value is None and kind is not None and kind not in _WITHOUT_PRODUCT:
            raise PydanticCustomError(
                "missing", "product_id is required for {type} events", {"type": kind.value}
            )
        return value

    @field_validator("rating")
    @classmethod
    def _rating_only_for_rating(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = _type_of(info)
        if kind is EventType.RATING and value is None:
            raise PydanticCustomError("missing", "rating is required for rating events")
        if kind is not None and kind is not EventType.RATING and value is not None:
            raise PydanticCustomError("extra", "only rating events carry a rating")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_of_a_click(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Imported here: the reason codes live with the recommendation wording, which the
        # events package otherwise has no need to load.
        from prefero.analytics.reasons import is_reason_code

        kind = _type_of(info)
        if kind is EventType.RETURN:
            if value not in RETURN_REASONS:
                raise PydanticCustomError(
                    "return_reason", "a return's reason is one of {reasons}",
                    {"reasons": ", ".join(RETURN_REASONS)})
            return value
        if value is None:
            return None
        if kind is not None and kind is not EventType.REC_CLICK:
            raise PydanticCustomError("extra", "only rec_click and return events carry a "
                                               "reason")
        if not is_reason_code(value):
            raise PydanticCustomError("reason", "{value} is not a reason code Prefero gives",
                                      {"value": value[:40]})
        return value

    @field_validator("query", "order_id")
    @classmethod
    def _required_for_its_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        needed_by = _REQUIRED_FOR[info.field_name or ""]
        if value is None and _type_of(info) is needed_by:
            raise PydanticCustomError("missing", "{field} is required for {type} events",
                                      {"field": info.field_name, "type": needed_by.value})
        return value

    @field_validator("size")
    @classmethod
    def _size_of_goods(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = _type_of(info)
        if value is not None and kind is not None and kind not in _SIZED:
            raise PydanticCustomError("extra", "only purchase, add_to_cart and return events "
                                               "carry a size")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _not_in_future(cls, value: datetime) -> datetime:
        if value > utcnow() + FUTURE_TOLERANCE:
            raise PydanticCustomError(
                "future", "occurred_at is more than 24 hours in the future"
            )
        return value

    @property
    def person(self) -> str:
        """The id the event is about: its customer, else its anonymous visitor.

        >>> EventIn(event_id="e-1", type="view", anonymous_id="v-9", product_id="p").person
        'v-9'
        """
        person = self.customer_id if self.customer_id is not None else self.anonymous_id
        assert person is not None  # _one_person lets exactly one through
        return person


class EventBatch(_Strict):
    """Up to 1,000 events."""

    # Example: EventBatch(events=[EventIn(...), ...]); the API reads the same shape.

    events: list[EventIn] = Field(max_length=MAX_BATCH)


class ErrorItem(_Strict):
    loc: list[str | int]
    msg: str

    @classmethod
    def of(cls, error: FieldError) -> ErrorItem:
        return cls(loc=list(error.loc), msg=error.msg)


class RejectedEvent(_Strict):
    """An event that was not stored; ``index`` is its position in the request body."""

    index: int
    errors: list[ErrorItem]


#: Unknown product ids reported per GA4 body, at most.
UNKNOWN_REPORTED = 100


class IngestResult(_Strict):
    """What became of a batch; accepted = linked + anonymous_only."""

    # Example: IngestResult(accepted=2, duplicates=1, linked=1, anonymous_only=1).
    # Each native event is exactly one of accepted, duplicate or rejected; a GA4 event is
    # ignored, rejected, or becomes one or more of ours (one per item).

    accepted: int = Field(description="New events, processed now.")
    duplicates: int = Field(description="Event ids received before or repeated in the batch.")
    linked: int = Field(description="Accepted and stored against the person (tracking consent).")
    anonymous_only: int = Field(
        description="Accepted without linking to the person: they fed only the anonymous "
        "per-product counters (and a 'not for me' feedback for rec_dismiss)."
    )
    ignored: int = Field(default=0, description="GA4 events with no meaning here, e.g. "
                         "begin_checkout, view_item_list.")
    rejected: list[RejectedEvent] = Field(default_factory=list)


class Ga4IngestResult(IngestResult):
    """What became of a GA4 body, and the product ids it named that the shop lacks."""

    unknown_products: list[str] = Field(
        default_factory=list, max_length=UNKNOWN_REPORTED,
        description="Product ids of accepted events that the catalogue does not hold, in "
        f"order, at most {UNKNOWN_REPORTED} (the events are kept: the product may be "
        "imported later, but a tag sending the wrong id shows here).")
