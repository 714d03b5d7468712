"""Deciding whether, when and by which channel an offered message goes, and queueing it.

The policy, in the order ``offer`` applies it (``prefero.messaging.terms`` holds the terms and
their defaults):

1. **Consent.** A channel goes only while the consent for its purpose
   (``kinds.CHANNEL_PURPOSE``) is in force. A withdrawal acts on the next offer: the
   channel's messages still waiting are cancelled then, whichever trigger they answer.
2. **The customer's switches.** The trigger must be on and the channel wanted.
3. **Caps.** At most the daily cap over every channel, and each channel's own cap, in one
   calendar day *of the customer's time zone* (the shop's when the profile has none); a
   message counts on the day it is scheduled for, cancelled ones do not count. Fatigue
   (``prefero.messaging.fatigue``) lowers both caps while messages go unopened.
4. **When.** Never inside quiet hours: a message offered there waits for their end. With a
   preferred send time, it goes at the next such time of day.
5. **Over the cap** a message is not dropped silently: it moves to the next day it fits,
   as long as it is still worth reading then (``STALE_AFTER_DAYS`` per trigger: a sale or
   a restock may be over in two days, a box waits a week). Past that it is recorded as
   ``cancelled`` with the reason in ``last_error`` and ``payload["dropped"]``, so the
   history says what the customer did not get and why.
6. **Experiments.** A customer in a message experiment's holding arm (or held out by the
   long-term holdout) does not get the message: it is recorded ``cancelled`` like a cap's
   drop (``payload["dropped"] == "experiment"``). The exposure is logged when the trigger
   fires for the customer, in every arm (``prefero.experiments.message_arms``). Messages
   the customer asked for (``prefero.experiments.requested``) are never held back.

Caps hold under a burst: the customer's terms row is locked (``FOR UPDATE`` on PostgreSQL;
SQLite has one writer) before the day is counted, so concurrent offers to one customer queue
one after another. The dedup key (``offers.dedup_key``) keeps a repeated occasion out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.models import Customer
from prefero.db.reads import read
from prefero.experiments.message_arms import message_arms, running_for, write_message_exposures
from prefero.messaging.channels import configured_channels
from prefero.messaging.fatigue import fatigued, ignored_streaks
from prefero.messaging.kinds import CHANNEL_PURPOSE, CHANNELS, Channel, Trigger
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import MessageOffer, dedup_key
from prefero.messaging.schedule import Window, candidate_times, local_day, zone_of
from prefero.messaging.terms import TERMS_COLUMNS, Terms, lock_terms, resolve
from prefero.messaging.terms_models import MessageTerms
from prefero.messaging.withdrawal import cancel_withdrawn
from prefero.messaging.wording import render
from prefero.types import Purpose

__all__ = ["COUNTED_STATUSES", "STALE_AFTER_DAYS", "Queued", "for_account", "offer"]

#: How many days after the offer a message is still worth sending, when caps push it on.
STALE_AFTER_DAYS: dict[Trigger, int] = {
    Trigger.PRICE_DROP: 2,
    Trigger.BACK_IN_STOCK: 2,
    Trigger.NEW_FROM_FOLLOWED: 7,
    Trigger.ABANDONED_CART: 1,
    Trigger.REPLENISHMENT: 5,
    Trigger.STALE_PREFERENCE: 14,
    Trigger.BOX_READY: 7,
    Trigger.QUIZ_FOLLOW_UP: 3,
}
#: What counts against a day's caps: messages on their way or delivered.
COUNTED_STATUSES = ("pending", "sending", "sent")
#: A local calendar day begins at most this long before or after the UTC one.
_ZONE_SLACK = timedelta(days=2)

# The statements every offer runs, built once (see prefero.db.reads): an offer is made for
# each customer a change concerns, thousands in one scanner run.
#: The customer's zone and stored terms in one read (no terms row: the shop's defaults).
_PROFILE = (select(Customer.time_zone, Customer.household_owner_id,
                   MessageTerms.customer_id.label("has_terms"), *TERMS_COLUMNS)
            .outerjoin(MessageTerms, MessageTerms.customer_id == Customer.id)
            .where(Customer.id == bindparam("customer_id")))
#: Everything waiting to go (a withdrawn consent cancels it, whenever it is due), what went
#: or goes around now (the days the caps count), and any row already holding one of the
#: offer's dedup keys (the same occasion, queued before), in one read.
_RECENT = (select(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.send_at,
                  OutboxMessage.dedup_key)
           .where(OutboxMessage.customer_id == bindparam("customer_id"),
                  or_(OutboxMessage.status == "pending",
                      OutboxMessage.send_at >= bindparam("since"),
                      OutboxMessage.dedup_key.in_(bindparam("keys", expanding=True)))))
_WAITING = (select(OutboxMessage.channel).distinct()
            .where(OutboxMessage.customer_id == bindparam("customer_id"),
                   OutboxMessage.status == "pending"))

@dataclass(frozen=True, slots=True)
class Queued:
    """One outbox row an offer wrote, as written."""

    dedup_key: str
    channel: str
    trigger: str
    status: str
    send_at: datetime
    locale: str
    payload: dict[str, Any]
    last_error: str | None


_QUEUED_FIELDS = tuple(Queued.__dataclass_fields__)
OUTBOX = cast(Table, OutboxMessage.__table__)


def _channels_for(message: MessageOffer, terms: Terms, consents: dict[Purpose, bool],
                  available: frozenset[Channel]) -> list[Channel]:
    if not terms.triggers[message.trigger]:
        return []
    return [c for c in CHANNELS
            if c in available and terms.channels[c] and consents[CHANNEL_PURPOSE[c]]]


def _withdraw(session: Session, *, customer_id: str, waiting: set[str],
              consents: dict[Purpose, bool]) -> None:
    """Cancel what waits on a channel whose consent is no longer given. Recording a
    withdrawal cancels them already (``prefero.messaging.withdrawal``); this catches what
    no ledger row announced (a shop default changed, rows written around the service)."""
    for purpose in {CHANNEL_PURPOSE[c] for c in CHANNELS
                    if c.value in waiting and not consents[CHANNEL_PURPOSE[c]]}:
        cancel_withdrawn(session, customer_id=customer_id, purpose=purpose)


#: Triggers about one profile's own data: the same subject of two profiles is two messages
#: (the kids' size and the parent's); news about a product is one, whoever watches it.
_PER_PROFILE = frozenset({Trigger.STALE_PREFERENCE})


def for_account(message: MessageOffer, *, account_id: str) -> MessageOffer:
    """``message``, made for a household profile, addressed to its account holder.

    >>> m = MessageOffer(customer_id="ala~kids", trigger=Trigger.STALE_PREFERENCE,
    ...                  subject_key="preference:size:Kids:110", occasion="1")
    >>> moved = for_account(m, account_id="ala")
    >>> moved.customer_id, moved.subject_key
    ('ala', 'ala~kids/preference:size:Kids:110')
    """
    subject = (f"{message.customer_id}/{message.subject_key}"
               if message.trigger in _PER_PROFILE else message.subject_key)
    return replace(message, customer_id=account_id, subject_key=subject)


def offer(session: Session, message: MessageOffer, *, now: datetime,
          settings: Settings) -> list[Queued]:
    """The outbox rows ``message`` became, as written: one per channel that may carry it,
    each scheduled for when the customer's terms allow (a row ``cancelled`` with its reason
    when the caps leave no day before it goes stale). None when the terms rule it out, when
    the customer is unknown, or when the same occasion was queued before. Commits nothing.

    A channel this deployment cannot deliver by (``channels.configured_channels``: no SMTP
    host, no push or webhook URL) is never queued for: the inbox always can.

    >>> offer(session, MessageOffer(customer_id="c1", trigger=Trigger.BACK_IN_STOCK,
    ...                             subject_key="p1", occasion="2026-12-06"),
    ...       now=now, settings=settings)  # doctest: +SKIP
    [Queued(dedup_key='…', channel='inbox', trigger='back_in_stock', status='pending', ...)]
    """
    profile = read(session, _PROFILE, {"customer_id": message.customer_id}).first()
    if profile is not None and profile.household_owner_id is not None:
        # A household profile's message goes to its account holder, under the holder's
        # consent, caps, quiet hours and language: one person, one set of terms, one inbox.
        message = for_account(message, account_id=profile.household_owner_id)
        profile = read(session, _PROFILE, {"customer_id": message.customer_id}).first()
    if profile is None:
        return []
    customer_id = message.customer_id
    ids = {"customer_id": customer_id}
    consents: dict[Purpose, bool] = current_consents(session, customer_id=customer_id,
                                                     settings=settings)
    every_consent = all(consents[CHANNEL_PURPOSE[c]] for c in CHANNELS)
    terms = resolve(profile if profile.has_terms is not None else None, settings)
    available = configured_channels(settings)
    if not _channels_for(message, terms, consents, available):
        # Nothing to send; still, a withdrawal acts on the next offer.
        if not every_consent:
            _withdraw(session, customer_id=customer_id, consents=consents,
                      waiting=set(read(session, _WAITING, ids).scalars()))
        return []
    # Now the lock, then everything the decision reads again under it.
    terms = lock_terms(session, customer_id=customer_id, settings=settings) or terms
    channels = _channels_for(message, terms, consents, available)
    keys = {c: dedup_key(customer_id=customer_id, trigger=message.trigger,
                         subject_key=message.subject_key, occasion=message.occasion,
                         channel=c) for c in channels}
    recent = read(session, _RECENT, {**ids, "since": now - _ZONE_SLACK,
                                     "keys": list(keys.values())}).all()
    known = {key for _, _, _, key in recent}
    channels = [c for c in channels if keys[c] not in known]
    if not every_consent:
        _withdraw(session, customer_id=customer_id, consents=consents,
                  waiting={channel for channel, status, _, _ in recent if status == "pending"})
    if not channels:
        return []
    # The trigger fired for this customer: the experiments' exposure is now, in every arm.
    arms = message_arms(running_for(session), trigger=message.trigger.value,
                        customer=customer_id, tracking=consents["tracking"])
    write_message_exposures(session, arms, customer=customer_id, at=now)
    window = Window(zone_of(profile.time_zone, fallback=settings.content_time_zone),
                    terms.quiet, terms.send_time)
    # (local day, channel) → messages counted; cancelled ones never count.
    counts: Counter[tuple[date, str]] = Counter(
        (local_day(send_at, window.zone), channel) for channel, status, send_at, _ in recent
        if status in COUNTED_STATUSES and send_at >= now - _ZONE_SLACK)
    per_day: Counter[date] = Counter()
    for (day, _channel), n in counts.items():
        per_day[day] += n
    days = STALE_AFTER_DAYS[message.trigger]
    streaks = ignored_streaks(session, customer_id=customer_id, now=now)
    overall_cap = fatigued(terms.daily_cap, streaks.overall)
    # The unsubscribe link's age runs on the wall clock, whatever ``now`` the caller passes.
    payload = render(message, language=terms.locale, settings=settings)
    moments = list(candidate_times(now, window, days=days))
    rows: list[dict[str, Any]] = []
    for channel in channels:
        cap = fatigued(terms.channel_caps[channel], streaks.of(channel))
        send_at: datetime | None = None
        for moment in moments:
            day = local_day(moment, window.zone)
            if per_day[day] < overall_cap and counts[(day, channel.value)] < cap:
                send_at = moment
                counts[(day, channel.value)] += 1
                per_day[day] += 1
                break
        row: dict[str, Any] = {
            "dedup_key": keys[channel], "customer_id": customer_id, "channel": channel.value,
            "trigger": message.trigger.value, "subject_key": message.subject_key,
            "locale": terms.locale, "payload": dict(payload), "created_at": now,
            "send_at": send_at or now, "next_attempt_at": send_at or now,
            "status": "pending", "last_error": None}
        if send_at is None:
            row["status"] = "cancelled"
            row["last_error"] = (f"dropped: the daily caps leave no day within {days} days, "
                                 "after which it would be stale")
            row["payload"] = {**payload, "dropped": "cap"}
        rows.append(row)
    if arms.held_back is not None:
        for row in rows:
            row.update(status="cancelled", send_at=now, next_attempt_at=now,
                       last_error=arms.held_back, payload={**payload, "dropped": "experiment"})
    # One executemany INSERT, below the ORM: its unit of work (or a bulk INSERT returning
    # objects) cost more than the whole rest of an offer.
    session.execute(insert(OUTBOX), rows)
    return [Queued(**{name: row[name] for name in _QUEUED_FIELDS}) for row in rows]
