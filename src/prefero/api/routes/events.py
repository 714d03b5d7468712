"""Behaviour ingest over HTTP: native event batches and GA4 e-commerce events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from prefero.api.deps import DbSession, Rt, customer_or_key, require
from prefero.api.principal import Principal
from prefero.errors import FieldError, Forbidden, InvalidInput
from prefero.events.schemas import MAX_BATCH, EventBatch, Ga4IngestResult, IngestResult
from prefero.events.service import ingest, ingest_ga4

__all__ = ["router"]

router = APIRouter(tags=["events"])

# Native batches also take a customer token, for that customer's own events; GA4 bodies come
# from the shop's tag manager and need the key.
Ingester = Annotated[Principal, Depends(customer_or_key("ingest"))]

Partial = Annotated[
    bool,
    Query(description="Store the valid events and report the invalid ones in `rejected` "
                      "instead of refusing the whole batch."),
]


def _inline(schema: Any, defs: Mapping[str, Any]) -> Any:
    """Replace local ``$ref``s with their definitions: the body is documented in place,
    because it is read leniently (see below) and so never becomes an OpenAPI component."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inline(value, defs) for value in schema]
    return schema


def _body_doc(schema: Any, example: Any) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": schema, "example": example}}}}


_BATCH_SCHEMA = EventBatch.model_json_schema()
_BATCH_DOC = _body_doc(
    _inline(_BATCH_SCHEMA, _BATCH_SCHEMA.get("$defs", {})),
    {"events": [{"event_id": "9f1c-1", "type": "view", "anonymous_id": "v-42",
                 "product_id": "sku-1", "occurred_at": "2026-03-01T12:00:00Z"}]},
)
_GA4_DOC = _body_doc(
    {"anyOf": [
        {"type": "object", "description": "A dataLayer push, or one gtag entry as its "
                                          'arguments object ({"0": "event", "1": ...})'},
        {"type": "array", "description": "dataLayer entries, in order: pushes and gtag "
                                         'entries (objects, or lists ["event", name, {...}])',
         "items": {"anyOf": [{"type": "object"}, {"type": "array"}]}, "maxItems": MAX_BATCH},
        {"type": "object", "description": "A Measurement Protocol body",
         "required": ["events"]},
    ]},
    {"client_id": "555.1700000000", "user_id": "c-7", "events": [
        {"name": "purchase", "params": {"transaction_id": "T-1", "items": [
            {"item_id": "sku-1", "price": "19.99", "quantity": "2"}]}}]},
)


def _events_of(body: Any) -> list[Any]:
    # The body is read as plain JSON and each event validated by the service, so that
    # ``partial`` can keep the good events of a batch with bad ones; here only the
    # envelope is checked.
    if not isinstance(body, Mapping) or set(body) != {"events"}:
        raise InvalidInput('expected an object with one key, "events"',
                           [FieldError((), 'expected {"events": [...]}')])
    events = body["events"]
    if not isinstance(events, list):
        raise InvalidInput("events must be a list", [FieldError(("events",), "expected a list")])
    if len(events) > MAX_BATCH:
        raise InvalidInput(
            f"at most {MAX_BATCH} events per request, got {len(events)}; split the batch",
            [FieldError(("events",), f"at most {MAX_BATCH} events per request")],
        )
    return events


def _own_events(events: list[Any], caller: Principal) -> None:
    """A customer token posts its own customer's events only: each event must name that
    customer in ``customer_id`` (an anonymous id or another id is a 403 with its path)."""
    if caller.customer_id is None:
        return
    for index, event in enumerate(events):
        if isinstance(event, Mapping) and event.get("customer_id") != caller.customer_id:
            raise Forbidden("a customer token posts only its own customer's events",
                            [FieldError(("events", index, "customer_id"),
                                        "must be the customer this token was issued to")])


@router.post("/v1/events", response_model=IngestResult, openapi_extra=_BATCH_DOC,
             summary="Ingest a batch of events")
def post_events(
    session: DbSession, runtime: Rt, caller: Ingester, body: Annotated[Any, Body()],
    partial: Partial = False,
) -> IngestResult:
    """Store up to 1,000 events. Repeated event ids are counted as duplicates and change
    nothing. Without `partial`, one invalid event refuses the batch (422 with
    `errors[].loc` like `["events", 3, "product_id"]`) and nothing is stored. With a customer
    token every event must carry that customer's `customer_id` (else 403)."""
    events = _events_of(body)
    _own_events(events, caller)
    # DbSession commits before the response is sent: a 200 means the events are durable.
    return ingest(session, events, settings=runtime.settings, partial=partial,
                  experiments=runtime.experiments)


@router.post("/v1/events/ga4", response_model=Ga4IngestResult, openapi_extra=_GA4_DOC,
             summary="Ingest GA4 e-commerce events", dependencies=[Depends(require("ingest"))])
def post_ga4_events(
    session: DbSession, runtime: Rt, body: Annotated[Any, Body()], partial: Partial = False
) -> Ga4IngestResult:
    """Accepts a dataLayer push or gtag entry, a list of them or a Measurement Protocol body
    (up to 1,000 events) and maps view_item, select_item, add_to_cart, remove_from_cart,
    purchase (once per `transaction_id`), refund, search and view_search_results; other
    events are counted in `ignored`, product ids the catalogue lacks are listed in
    `unknown_products`. Error paths refer to this body, e.g.
    `["events", 2, "params", "items", 0, "item_id"]`."""
    return ingest_ga4(session, body, settings=runtime.settings, partial=partial,
                      experiments=runtime.experiments)
