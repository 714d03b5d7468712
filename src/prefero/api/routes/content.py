"""Content slots: a slot's variant for a visitor (read key, or the customer's own token),
and the slots themselves (listed with a read key, written with the admin key, every write
in the audit log). A change applies from the next request on, in every process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Path, Query, Response, status
from pydantic import ValidationError

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, customer_or_key, own_id, require
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerIdQuery
from prefero.api.principal import Principal
from prefero.api.problems import problem_responses
from prefero.content import slots
from prefero.content.decisions import log_decision
from prefero.content.schemas import ContentAnswer, SlotBody, SlotIn, SlotOut, Slots, VariantIn
from prefero.content.service import ContentRequest, content_for
from prefero.content.signals import Device, Weather
from prefero.errors import FieldError, InvalidInput
from prefero.experiments.content_arms import expose_served

__all__ = ["router"]

router = APIRouter(prefix="/v1/content", tags=["content"])

_ADMIN = Depends(require("admin"))
_READ = [Depends(require("read"))]
_SLOT = ("content_slot", "slot_key")
Reader = Annotated[Principal, Depends(customer_or_key("read"))]

SlotKey = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                              description="The slot's key")]
VariantKey = Annotated[str, Path(min_length=1, max_length=64,
                                 pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                                 description="The variant's key")]
_Text = Query(max_length=200, pattern=NO_CONTROL_CHARACTERS)


@contextmanager
def _in_body(*prefix: str | int) -> Iterator[None]:
    """The service points into a slot from its root; FastAPI's own errors start with
    "body". Prefix the former so a client sees one convention."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *prefix, *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/slots", dependencies=_READ)
def list_slots(session: DbSession) -> Slots:
    """Every content slot with its variants, by key."""
    return Slots(items=slots.list_slots(session))


@router.post("/slots", status_code=status.HTTP_201_CREATED, responses=problem_responses(409),
             dependencies=[_ADMIN, Depends(audited("content.slot.create"))])
def create_slot(body: SlotIn, session: DbSession, runtime: Rt) -> SlotOut:
    """Create a slot with its variants. Every problem is named with its path, e.g.
    ``["body", "variants", 1, "targeting", "declared", 0, "facet"]``; nothing is stored
    then."""
    with _in_body():
        return slots.create_slot(session, body, schema=runtime.facet_schema)


@router.get("/slots/{slot_key}", dependencies=_READ, responses=problem_responses(404))
def get_slot(slot_key: SlotKey, session: DbSession) -> SlotOut:
    """One slot with its variants."""
    return slots.get_slot(session, slot_key)


@router.put("/slots/{slot_key}", responses=problem_responses(404),
            dependencies=[_ADMIN, Depends(audited("content.slot.write", target=_SLOT))])
def replace_slot(slot_key: SlotKey, body: SlotBody, session: DbSession, runtime: Rt
                 ) -> SlotOut:
    """Replace a slot's whole definition, variants included (its split salt stays, so
    visitors keep their places)."""
    with _in_body():
        return slots.replace_slot(session, slot_key, body, schema=runtime.facet_schema)


@router.delete("/slots/{slot_key}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=problem_responses(404),
               dependencies=[_ADMIN, Depends(audited("content.slot.delete", target=_SLOT))])
def delete_slot(slot_key: SlotKey, session: DbSession) -> Response:
    """Delete a slot and its variants (the exposure log keeps its history)."""
    slots.delete_slot(session, slot_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/slots/{slot_key}/variants", status_code=status.HTTP_201_CREATED,
             responses=problem_responses(404, 409),
             dependencies=[_ADMIN, Depends(audited("content.variant.add", target=_SLOT))])
def add_variant(slot_key: SlotKey, body: VariantIn, session: DbSession, runtime: Rt,
                position: Annotated[int | None, Query(ge=0, le=1000)] = None) -> SlotOut:
    """Add a variant, last or at ``position`` (0 = first); answers the whole slot."""
    with _in_body():
        return slots.add_variant(session, slot_key, body, schema=runtime.facet_schema,
                                 position=position)


@router.put("/slots/{slot_key}/variants/{variant_key}", responses=problem_responses(404, 409),
            dependencies=[_ADMIN, Depends(audited("content.variant.write", target=_SLOT))])
def replace_variant(slot_key: SlotKey, variant_key: VariantKey, body: VariantIn,
                    session: DbSession, runtime: Rt) -> SlotOut:
    """Replace one variant (its key stays); answers the whole slot."""
    with _in_body():
        return slots.replace_variant(session, slot_key, variant_key, body,
                                     schema=runtime.facet_schema)


@router.delete("/slots/{slot_key}/variants/{variant_key}", responses=problem_responses(404, 409),
               dependencies=[_ADMIN, Depends(audited("content.variant.delete", target=_SLOT))])
def delete_variant(slot_key: SlotKey, variant_key: VariantKey, session: DbSession,
                   runtime: Rt) -> SlotOut:
    """Delete one variant: refused (409) while the slot relies on it (its fallback, a
    split's only share); answers the whole slot."""
    return slots.delete_variant(session, slot_key, variant_key, schema=runtime.facet_schema)


def _request(**fields: object) -> ContentRequest:
    try:
        return ContentRequest.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput("invalid content request", [
            FieldError(("query" if e["loc"][0] != "user_agent" else "header", *e["loc"]),
                       e["msg"]) for e in exc.errors()]) from exc


@router.get("/{slot_key}", response_model=ContentAnswer, responses=problem_responses(404))
def get_content(
    slot_key: SlotKey, runtime: Rt, caller: Reader, language: Language,
    background: BackgroundTasks,
    customer_id: CustomerIdQuery = None,
    visitor_id: Annotated[str | None, _Text] = None,
    utm_source: Annotated[str | None, _Text] = None,
    utm_medium: Annotated[str | None, _Text] = None,
    utm_campaign: Annotated[str | None, _Text] = None,
    referrer: Annotated[str | None, Query(max_length=2000,
                                          pattern=NO_CONTROL_CHARACTERS)] = None,
    device: Device | None = None,
    time_zone: Annotated[str | None, Query(max_length=64)] = None,
    weather: Weather | None = None,
    returning: bool | None = None,
    lang: Literal["en", "pl"] | None = None,
    user_agent: Annotated[str | None, Header(max_length=1000)] = None,
) -> ContentAnswer:
    """The slot's variant for this visitor, its texts in ``lang`` (else the
    ``Accept-Language``), with every reason it was chosen and the decision's id.

    Traffic source (``utm_*``, ``referrer``), ``device`` (else the User-Agent), time of day
    (the profile's time zone, else ``time_zone``, else the shop's) and ``weather`` are used
    only with the customer's ``context`` consent; segments and traits only when the
    customer's personalization level in force allows declared data. ``returning`` is the
    shop's own word (its cookie); left out, a customer first seen on an earlier visit is
    returning. A split places ``visitor_id`` (else ``customer_id``); a running content
    experiment places ``customer_id`` (else ``visitor_id``), and its render is logged once
    per answer.
    """
    customer_id = own_id(caller, customer_id, loc=("query", "customer_id"))
    request = _request(customer_id=customer_id, visitor_id=visitor_id, utm_source=utm_source,
                       utm_medium=utm_medium, utm_campaign=utm_campaign, referrer=referrer,
                       device=device, time_zone=time_zone, weather=weather,
                       returning=returning, user_agent=user_agent)
    with runtime.session() as session:
        served = content_for(session, slot_key=slot_key, request=request,
                             settings=runtime.settings, schema=runtime.facet_schema,
                             language=lang or language, experiments=runtime.experiments)
    # Logged after the answer, in batches (prefero.content.decisions, .experiments.exposures).
    background.add_task(log_decision, runtime, served.pending)
    background.add_task(expose_served, runtime, served.exposures)
    return served.answer
