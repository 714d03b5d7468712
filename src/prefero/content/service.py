"""One slot's content for one visitor: what may be known of them (consent-gated), the
slot's strategy, the chosen variant's texts in the shopper's language, the reasons worded,
and the choice to log. No HTTP here; the API and the storefront both call ``content_for``.

Running content experiments and the long-term holdout (``prefero.experiments.content_arms``)
change the choice for the units they place; the renders to log come back with the answer.

>>> # answer, pending, exposures = content_for(session, slot_key="home-hero",
>>> #     request=ContentRequest(visitor_id="anon-1", returning=False), settings=settings,
>>> #     schema=schema, language="en", experiments=runtime.experiments)
>>> # answer.reasons[0].text -> 'Shown because you are new here'
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.models import Revision
from prefero.config import Settings
from prefero.content.choose import arm_choice, choose, held_out
from prefero.content.decisions import Pending
from prefero.content.reasons import ContentReason, word
from prefero.content.schemas import ContentAnswer, Language, ShownVariant
from prefero.content.signals import Device, Weather, valid_time_zone
from prefero.content.slots import CONTENT, CompiledSlot, CompiledVariant, compiled_slots
from prefero.content.targeting import Targeting
from prefero.content.visitor import (
    Needs,
    SegmentReader,
    Signals,
    read_segments,
    visitor_facts,
)
from prefero.db.base import utcnow
from prefero.db.reads import read
from prefero.errors import NotFound
from prefero.experiments.content_arms import NOT_EXPOSED, Exposures, slot_arm
from prefero.experiments.running import Book
from prefero.experiments.service import EXPERIMENTS
from prefero.i18n.languages import DEFAULT_LANGUAGE

__all__ = ["ContentRequest", "ServedContent", "content_for"]

# Control characters cannot be stored by PostgreSQL (as prefero.api.params refuses them).
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"

# Read on every answer: the slots' counter and the experiments', in one read, so that
# experiments cost a content request no statement of its own until one starts or stops
# (then the running set is compiled once per process).
_REVISIONS = select(Revision.name, Revision.value).where(
    Revision.name.in_((CONTENT, EXPERIMENTS)))

_Id = Field(default=None, min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
_Utm = Field(default=None, max_length=200, pattern=NO_CONTROL_CHARACTERS)


class ContentRequest(BaseModel):
    """Who asks and what the shop knows of the visit (every field optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: str | None = _Id
    visitor_id: str | None = Field(default=None, min_length=1, max_length=200,
                                   pattern=NO_CONTROL_CHARACTERS,
                                   description="The shop's long-lived visitor id (its "
                                               "cookie): what a split places")
    utm_source: str | None = _Utm
    utm_medium: str | None = _Utm
    utm_campaign: str | None = _Utm
    referrer: str | None = Field(default=None, max_length=2000, pattern=NO_CONTROL_CHARACTERS)
    device: Device | None = None
    user_agent: str | None = Field(default=None, max_length=1000)
    time_zone: str | None = Field(default=None, max_length=64,
                                  description="IANA zone, e.g. Europe/Warsaw")
    weather: Weather | None = None
    returning: bool | None = Field(default=None, description="The shop's own word (its "
                                   "cookie); left out: whether the customer was first seen "
                                   "on an earlier visit")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not valid_time_zone(value):
            raise ValueError("not an IANA time zone name (e.g. Europe/Warsaw)")
        return value

    @property
    def person(self) -> str | None:
        """Whose consents and profile count: the customer, else the visitor."""
        return self.customer_id or self.visitor_id

    @property
    def unit(self) -> str | None:
        """Whom a split places: the visitor id (kept across sign-in), else the customer."""
        return self.visitor_id or self.customer_id


def _revisions(session: Session) -> tuple[int, int]:
    """The content slots' and the experiments' revision counters (0: never bumped)."""
    values = {name: int(value or 0) for name, value in read(session, _REVISIONS, {})}
    return values.get(CONTENT, 0), values.get(EXPERIMENTS, 0)


def _needs(slot: CompiledSlot) -> Needs:
    targetings: list[Targeting] = [v.targeting for v in slot.variants]
    return Needs(segments=any(t.segments for t in targetings),
                 declared=any(t.declared for t in targetings),
                 traits=any(t.traits or t.mindset for t in targetings))


def _shown(variant: CompiledVariant, language: str) -> ShownVariant:
    chosen: Language = "en"
    for candidate in (language, DEFAULT_LANGUAGE, *variant.texts):
        if candidate in variant.texts:
            chosen = "pl" if candidate == "pl" else "en"
            break
    texts = variant.texts[chosen]
    return ShownVariant(key=variant.key, language=chosen, title=texts.title, body=texts.body,
                        image=texts.image, image_alt=texts.image_alt, link=texts.link,
                        link_text=texts.link_text)


class ServedContent(NamedTuple):
    """A slot's answer, the choice to log (``decisions.log_decision``) and the experiments'
    renders to log (``content_arms.expose_served``), both once the answer is served."""

    answer: ContentAnswer
    pending: Pending
    exposures: Exposures


def content_for(session: Session, *, slot_key: str, request: ContentRequest,
                settings: Settings, schema: FacetSchema, language: str,
                now: datetime | None = None, segments: SegmentReader = read_segments,
                experiments: Book | None = None) -> ServedContent:
    """The slot's answer for the visitor, the choice to log and the experiments' renders.
    ``NotFound`` when there is no such slot. A disabled slot shows nothing (and exposes no
    one). ``experiments``: the process's running experiments (``runtime.experiments``);
    left out, none apply.
    """
    content, running = _revisions(session)
    slot = compiled_slots(session, revision=content).get(slot_key)
    if slot is None:
        raise NotFound(f"no content slot {slot_key!r}")
    now = now or utcnow()
    facts = visitor_facts(
        session, person=request.person, settings=settings, needs=_needs(slot), now=now,
        segments=segments,
        signals=Signals(utm_source=request.utm_source, utm_medium=request.utm_medium,
                        utm_campaign=request.utm_campaign, referrer=request.referrer,
                        device=request.device, user_agent=request.user_agent,
                        time_zone=request.time_zone, weather=request.weather,
                        returning=request.returning))
    exposures = NOT_EXPOSED
    if slot.enabled:
        arm = (slot_arm(experiments.running(session, revision=running), slot=slot.key,
                        unit=request.person, tracking=facts.tracking)
               if experiments is not None and request.person is not None else None)
        choice = None
        if arm is not None:
            exposures = arm.exposures
            if arm.held_out:
                choice = held_out(slot)
            elif arm.variant is not None:
                choice = arm_choice(slot, facts, variant=arm.variant, share=arm.share)
        choice = choice or choose(slot, facts, unit=request.unit)
        variant, reasons, control = choice.variant, choice.reasons, choice.control
        context_used = choice.context_used
    else:
        variant, reasons, control, context_used = None, (), False, False
    worded = [ContentReason(code=r.code, params=r.params,
                            text=word(r.code, r.params, schema=schema, language=language))
              for r in reasons]
    decision_id = uuid.uuid4().hex
    answer = ContentAnswer(slot=slot.key, decision_id=decision_id,
                           variant=_shown(variant, language) if variant is not None else None,
                           control=control, reasons=worded, context_used=context_used)
    pending = Pending(id=decision_id, slot_key=slot.key,
                      variant_key=variant.key if variant is not None else None,
                      strategy=slot.strategy, control=control,
                      reasons=tuple(r.code for r in reasons), context_used=context_used,
                      customer_id=facts.customer_id if facts.tracking else None, at=now)
    return ServedContent(answer=answer, pending=pending, exposures=exposures)
