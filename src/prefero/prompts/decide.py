"""Whether to show a prompt now, and which: ``decide`` answers from the data alone (the
shop's prompts and slots, the customer's caps, dismissals, consents and log) and logs what
it showed, in the caller's unit of work.

The checks, in order; the first that fails is the answer's ``none_because``:

1. ``switched_off``: the customer said "Don't show me these";
2. ``no_consent``: the trigger reads behaviour within the visit (``cart_exit``, ``dwell``,
   ``scroll``: ``context`` consent) or links an earlier visit (``return_after_search``:
   ``tracking``), and the consent in force now is not given;
3. ``no_matching_prompt``: no enabled prompt answers the trigger with these facts (threshold
   met, a search to name, a slot with a variant for this visitor);
4. ``dismissed``: every one that does was dismissed by the customer;
5. ``cap_reached``: the visit has had ``per_visit`` prompts already;
6. ``too_soon``: the last prompt is less than ``gap_minutes`` old.

>>> # answer = decide(session, customer_id="c1", trigger="cart_exit",
>>> #                 facts=PromptFacts(visit_id="v1", cart_items=3), now=utcnow(),
>>> #                 settings=settings, schema=schema, language="en")
>>> # answer.prompt.reasons[0].text -> 'Shown because you are leaving with 3 items in your cart'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.config import Settings
from prefero.content.choose import choose
from prefero.content.reasons import ContentReason, word
from prefero.content.schemas import ShownVariant
from prefero.content.slots import CompiledSlot, CompiledVariant, compiled_slots
from prefero.content.visitor import Needs, SegmentReader, Signals, read_segments, visitor_facts
from prefero.customers.consent import current_consents
from prefero.customers.models import Customer
from prefero.events.models import Event
from prefero.i18n.languages import DEFAULT_LANGUAGE
from prefero.prompts.caps import (
    VISIT_WINDOW,
    Caps,
    caps_of,
    dismissed_keys,
    ensure_person,
    last_shown_at,
    shown_this_visit,
)
from prefero.prompts.definitions import CompiledPrompt, compiled_prompts
from prefero.prompts.models import PromptShown
from prefero.prompts.reasons import caps_text, none_text, reason_text
from prefero.prompts.schemas import (
    NoneReason,
    PromptAnswer,
    PromptCaps,
    PromptFacts,
    PromptReason,
    PromptReasonParams,
    ShownPrompt,
    Trigger,
)
from prefero.types import EventType, Purpose

__all__ = ["CONSENT_FOR", "decide", "trigger_reason"]

#: The consent each trigger needs: behaviour within this visit is context; a search on an
#: earlier visit is behaviour linked to the person.
CONSENT_FOR: dict[Trigger, Purpose] = {
    "cart_exit": "context", "dwell": "context", "scroll": "context",
    "return_after_search": "tracking"}

# Prompts say why they were chosen; "shown to everyone" says nothing worth a line.
_SILENT_CODES = frozenset({"default"})


@dataclass(frozen=True)
class _Pick:
    prompt: CompiledPrompt
    slot: CompiledSlot
    variant: CompiledVariant
    targeting: tuple[ContentReason, ...]
    reason: PromptReason


def _last_search(session: Session, customer_id: str, *, before: datetime, since: datetime
                 ) -> str | None:
    """The customer's last search typed on an earlier visit (between ``since`` and
    ``before``), as typed."""
    return session.scalar(
        select(Event.query).where(Event.customer_id == customer_id,
                                  Event.type == EventType.SEARCH.value,
                                  Event.query.is_not(None), Event.query != "",
                                  Event.occurred_at < before, Event.occurred_at >= since)
        .order_by(Event.occurred_at.desc(), Event.id.desc()).limit(1))


def trigger_reason(session: Session, prompt: CompiledPrompt, *, customer_id: str,
                   facts: PromptFacts, now: datetime) -> PromptReason | None:
    """Why ``prompt`` fires with these facts (its trigger's threshold met), else ``None``.
    The caller has checked the trigger's consent."""
    if prompt.trigger == "cart_exit":
        if facts.cart_items < max(prompt.threshold, 1):
            return None
        return PromptReason(code="cart_exit", params=PromptReasonParams(items=facts.cart_items))
    if prompt.trigger == "dwell":
        if facts.dwell_seconds < prompt.threshold:
            return None
        return PromptReason(code="dwell",
                            params=PromptReasonParams(seconds=facts.dwell_seconds))
    if prompt.trigger == "scroll":
        if facts.scroll_percent < prompt.threshold:
            return None
        return PromptReason(code="scroll",
                            params=PromptReasonParams(percent=facts.scroll_percent))
    started = min(facts.visit_started_at or now - VISIT_WINDOW, now)
    query = _last_search(session, customer_id, before=started,
                         since=now - timedelta(days=prompt.threshold))
    if query is None:
        return None
    return PromptReason(code="return_after_search", params=PromptReasonParams(query=query))


def _needs(slot: CompiledSlot) -> Needs:
    targetings = [v.targeting for v in slot.variants]
    return Needs(segments=any(t.segments for t in targetings),
                 declared=any(t.declared for t in targetings),
                 traits=any(t.traits or t.mindset for t in targetings))


def _texts(variant: CompiledVariant, language: str) -> ShownVariant:
    """The variant's texts in ``language``, else the shop's default language, else any."""
    chosen = next(lang for lang in (language, DEFAULT_LANGUAGE, *variant.texts)
                  if lang in variant.texts)
    texts = variant.texts[chosen]
    return ShownVariant(key=variant.key, language="pl" if chosen == "pl" else "en",
                        title=texts.title, body=texts.body, image=texts.image,
                        image_alt=texts.image_alt, link=texts.link, link_text=texts.link_text)


def _none(reason: NoneReason, caps: PromptCaps, language: str) -> PromptAnswer:
    return PromptAnswer(prompt=None, none_because=reason,
                        none_text=none_text(reason, language=language), caps=caps)


def decide(session: Session, *, customer_id: str, trigger: Trigger, facts: PromptFacts,
           now: datetime, settings: Settings, schema: FacetSchema, language: str,
           segments: SegmentReader = read_segments) -> PromptAnswer:
    """The prompt to show ``customer_id`` (a customer or an anonymous visitor's id) now that
    ``trigger`` fired, or why none (see the module's docstring); a prompt shown is logged in
    the caller's unit of work, which must be a writing one.

    >>> # decide(session, customer_id="c1", trigger="dwell",
    >>> #        facts=PromptFacts(dwell_seconds=40), now=now, settings=settings,
    >>> #        schema=schema, language="en").none_because -> 'no_consent'
    """
    caps, _defaults = caps_of(session, customer_id)
    shown = shown_this_visit(session, customer_id, visit=facts.visit_id, now=now)
    in_words = PromptCaps(per_visit=caps.per_visit, gap_minutes=caps.gap_minutes, off=caps.off,
                          shown_this_visit=shown,
                          text=caps_text(per_visit=caps.per_visit,
                                         gap_minutes=caps.gap_minutes, off=caps.off,
                                         language=language))
    if caps.off:
        return _none("switched_off", in_words, language)
    # Read on every decision, so a withdrawal counts from the next request on.
    consents = current_consents(session, customer_id=customer_id, settings=settings)
    if not consents[CONSENT_FOR[trigger]]:
        return _none("no_consent", in_words, language)
    picks = _candidates(session, customer_id=customer_id, trigger=trigger, facts=facts,
                        now=now, settings=settings, segments=segments)
    if not picks:
        return _none("no_matching_prompt", in_words, language)
    dismissed = set(dismissed_keys(session, customer_id))
    pick = next((p for p in picks if p.prompt.key not in dismissed), None)
    if pick is None:
        return _none("dismissed", in_words, language)
    shown = _hold(session, customer_id, visit=facts.visit_id, now=now)
    in_words = in_words.model_copy(update={"shown_this_visit": shown})
    blocked = _capped(session, customer_id, caps, shown=shown, now=now)
    if blocked is not None:
        return _none(blocked, in_words, language)
    _log(session, customer_id, pick, visit=facts.visit_id, now=now)
    reason = pick.reason.model_copy(update={"text": reason_text(
        pick.reason.code, pick.reason.params, language=language)})
    targeting = [ContentReason(code=r.code, params=r.params,
                               text=word(r.code, r.params, schema=schema, language=language))
                 for r in pick.targeting if r.code not in _SILENT_CODES]
    return PromptAnswer(
        prompt=ShownPrompt(key=pick.prompt.key, trigger=trigger,
                           content=_texts(pick.variant, language), reasons=[reason],
                           targeting=targeting),
        caps=in_words.model_copy(update={"shown_this_visit": shown + 1}))


def _candidates(session: Session, *, customer_id: str, trigger: Trigger, facts: PromptFacts,
                now: datetime, settings: Settings, segments: SegmentReader) -> list[_Pick]:
    """Every enabled prompt of ``trigger`` that fires with these facts and whose slot has a
    variant for this visitor, in priority order."""
    prompts = [p for p in compiled_prompts(session) if p.trigger == trigger]
    if not prompts:
        return []
    slots = compiled_slots(session)
    picks: list[_Pick] = []
    for prompt in prompts:
        slot = slots.get(prompt.slot)
        if slot is None or not slot.enabled:
            continue
        reason = trigger_reason(session, prompt, customer_id=customer_id, facts=facts, now=now)
        if reason is None:
            continue
        visitor = visitor_facts(session, person=customer_id, now=now, settings=settings,
                                needs=_needs(slot), segments=segments,
                                signals=Signals(returning=facts.returning,
                                                device=facts.device))
        choice = choose(slot, visitor, unit=customer_id)
        if choice.variant is None:
            continue
        picks.append(_Pick(prompt=prompt, slot=slot, variant=choice.variant,
                           targeting=choice.reasons, reason=reason))
    return picks


def _hold(session: Session, customer_id: str, *, visit: str | None, now: datetime) -> int:
    """Hold the customer's row until the caller's unit of work ends, then count this visit's
    prompts again: two triggers of one page can race, and the second decision, kept behind
    the first, counts the first's prompt (PostgreSQL; SQLite's one writer does this already).
    The row is created first, so that a visitor never seen before has one to hold too; it is
    the row a shown prompt is logged against anyway, and only a decision that may show one
    gets this far."""
    ensure_person(session, customer_id)
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
    return shown_this_visit(session, customer_id, visit=visit, now=now)


def _capped(session: Session, customer_id: str, caps: Caps, *, shown: int, now: datetime
            ) -> NoneReason | None:
    if shown >= caps.per_visit:
        return "cap_reached"
    last = last_shown_at(session, customer_id)
    if last is not None and caps.gap_minutes and now - last < timedelta(
            minutes=caps.gap_minutes):
        return "too_soon"
    return None


def _log(session: Session, customer_id: str, pick: _Pick, *, visit: str | None,
         now: datetime) -> None:
    # The customer's row exists: ``_hold`` made it.
    session.add(PromptShown(customer_id=customer_id, prompt_key=pick.prompt.key,
                            visit=visit or "", trigger=pick.prompt.trigger,
                            reasons=[pick.reason.code, *(r.code for r in pick.targeting
                                                       if r.code not in _SILENT_CODES)],
                            at=now))
    session.flush()
