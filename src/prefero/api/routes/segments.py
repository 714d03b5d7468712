"""Rule segments: read with a read key, written and exported with the admin key, every write
and export in the audit log (the segments service records them). A condition that is not
valid is answered with each wrong field's path from the body, e.g. ``["body", "condition",
"conditions", 0, "value"]``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.convertors import Convertor, register_url_convertor

from prefero.api.deps import DbSession, Rt, WriteSession, require
from prefero.api.params import CustomerId
from prefero.api.principal import principal_of
from prefero.api.problems import problem_responses
from prefero.customers.repository import require_customer
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.segments import service
from prefero.segments.conditions import Condition, parse_condition
from prefero.segments.export import FORMATS, Channel, ExportFormat, export_lines
from prefero.segments.membership import defaults_of, segments_of
from prefero.segments.service import (
    KEY_PATTERN,
    MAX_PREVIEW,
    RESERVED_KEYS,
    SegmentOut,
    SegmentPreview,
    stored_condition,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["segments"])

_ADMIN = [Depends(require("admin"))]
_READ = [Depends(require("read"))]
_UNKNOWN = problem_responses(404)

SegmentKey = Annotated[str, Path(min_length=1, max_length=64, pattern=KEY_PATTERN,
                                 description="The segment's key (a lowercase slug)")]


class _SegmentKeyPath(Convertor[str]):
    """A segment's key in a path, never one of the words the API's own paths use there
    (``/v1/segments/count``, ``/v1/segments/discovered``): without this, ``{key}`` would
    also match those paths and their answers would list its methods as allowed."""

    regex = (r"(?!(?:" + "|".join(sorted(RESERVED_KEYS)) + r")(?:/|$))"
             r"[a-z0-9]+(?:[-_][a-z0-9]+)*")

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("segment_key", _SegmentKeyPath())

_EXAMPLE = {"type": "and", "conditions": [
    {"type": "declared", "kind": "like", "facet": "diet", "value": "vegan"},
    {"type": "consent", "purpose": "marketing_email", "granted": True},
    {"type": "behaviour", "event": "purchase", "min": 1, "days": 90}]}
_CONDITION = Field(description="A condition tree: profile, declared, trait, consent, "
                               "quiz_answer, behaviour and rfm leaves combined with and/or/not "
                               "(docs/segments.md)", examples=[_EXAMPLE])


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=64, description="A lowercase slug, unique",
                     examples=["vegan-buyers"])
    name: str = Field(max_length=200, examples=["Vegan buyers"])
    description: str | None = Field(default=None, max_length=1000)
    condition: dict[str, Any] = _CONDITION


class SegmentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200, examples=["Vegan buyers"])
    description: str | None = Field(default=None, max_length=1000)
    condition: dict[str, Any] = _CONDITION


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: dict[str, Any] = _CONDITION


class SegmentCount(BaseModel):
    count: int = Field(description="Customers who meet the condition now")


class Segments(BaseModel):
    items: list[SegmentOut]


class CustomerSegments(BaseModel):
    customer_id: str
    segments: list[str] = Field(description="Keys of the segments the customer is in now")


@contextmanager
def _in_body() -> Iterator[None]:
    """The service names fields from the segment's root; FastAPI's own errors start with
    "body". One convention for the client."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


def _condition(raw: dict[str, Any]) -> Condition:
    return parse_condition(raw, at=("body", "condition"))


def _who(request: Request) -> tuple[str | None, str | None]:
    principal = principal_of(request)
    return (principal.actor if principal is not None else None,
            request.client.host if request.client is not None else None)


@router.get("/segments", dependencies=_READ)
def list_segments(session: DbSession) -> Segments:
    """Every segment, by key, with how many customers it holds now."""
    return Segments(items=service.list_segments(session))


@router.post("/segments", status_code=status.HTTP_201_CREATED, dependencies=_ADMIN,
             responses=problem_responses(409))
def create_segment(body: SegmentIn, request: Request, session: DbSession, runtime: Rt
                   ) -> SegmentOut:
    """Create a segment; its members are computed at once and kept fresh from then on."""
    condition = _condition(body.condition)
    actor, client = _who(request)
    with _in_body():
        return service.create_segment(session, key=body.key, name=body.name,
                                      description=body.description, condition=condition,
                                      actor=actor, client=client, settings=runtime.settings)


@router.post("/segments/count", dependencies=_READ)
def count_segment(body: ConditionIn, session: DbSession, runtime: Rt) -> SegmentCount:
    """How many customers meet a condition now, without storing it (the live builder)."""
    condition = _condition(body.condition)
    return SegmentCount(count=service.count_members(session, condition=condition,
                                                    settings=runtime.settings))


@router.get("/segments/{key:segment_key}", dependencies=_READ, responses=_UNKNOWN)
def get_segment(key: SegmentKey, session: DbSession) -> SegmentOut:
    """One segment."""
    return service.get_segment(session, key)


@router.put("/segments/{key:segment_key}", dependencies=_ADMIN, responses=_UNKNOWN)
def replace_segment(key: SegmentKey, body: SegmentChange, request: Request,
                    session: DbSession, runtime: Rt) -> SegmentOut:
    """Replace a segment's name, description and condition (a new condition recomputes its
    members)."""
    condition = _condition(body.condition)
    actor, client = _who(request)
    with _in_body():
        return service.update_segment(session, key=key, name=body.name,
                                      description=body.description, condition=condition,
                                      actor=actor, client=client, settings=runtime.settings)


@router.delete("/segments/{key:segment_key}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, dependencies=_ADMIN, responses=_UNKNOWN)
def delete_segment(key: SegmentKey, request: Request, session: DbSession) -> Response:
    """Delete a segment and its stored members."""
    actor, client = _who(request)
    service.delete_segment(session, key=key, actor=actor, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/segments/{key:segment_key}/preview", dependencies=_READ, responses=_UNKNOWN)
def preview_segment(key: SegmentKey, session: DbSession, runtime: Rt,
                    limit: Annotated[int, Query(ge=1, le=MAX_PREVIEW)] = 20
                    ) -> SegmentPreview:
    """The first customer ids (by id) who meet the segment's condition now, and the total."""
    return service.preview(session, key=key, limit=limit, settings=runtime.settings)


@router.get("/segments/{key:segment_key}/export", dependencies=_ADMIN, responses={
    **_UNKNOWN, 200: {"content": {"text/csv": {}, "application/jsonl": {}},
                      "description": "One line per customer: id and channel"}})
def export_segment(key: SegmentKey, request: Request, session: WriteSession, runtime: Rt,
                   channel: Annotated[Channel, Query(description="Only customers who consent "
                                                     "to this channel now")],
                   format: Annotated[ExportFormat, Query()] = "csv") -> StreamingResponse:
    """The segment's members who consent to ``channel`` now (known customers only), as CSV
    or JSON Lines, streamed: customer id and channel, nothing else. Audited."""
    condition = stored_condition(session, key)
    actor, client = _who(request)
    service.record_export(session, key=key, channel=channel, actor=actor, client=client)
    now, defaults = utcnow(), defaults_of(runtime.settings)

    def lines() -> Iterator[str]:
        # Its own unit of work: the request's has committed (with the audit entry) by the
        # time the body streams.
        with runtime.session() as reader:
            yield from export_lines(reader, condition, channel=channel, output=format,
                                    now=now, defaults=defaults)

    filename = f"segment-{key}-{channel}.{format}"
    return StreamingResponse(lines(), media_type=FORMATS[format], headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/customers/{customer_id}/segments", responses=_UNKNOWN, dependencies=_READ,
            tags=["customers"])
def customer_segments(customer_id: CustomerId, session: DbSession) -> CustomerSegments:
    """The segments the customer is in now (stored membership; the shop's key only: a
    customer sees what is held about them in their data export)."""
    require_customer(session, customer_id)
    return CustomerSegments(customer_id=customer_id,
                            segments=sorted(segments_of(session, customer_id)))
