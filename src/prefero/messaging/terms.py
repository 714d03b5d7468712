"""The customer's terms for messages: which triggers may write to them, by which channels, how
often, when not, and in which language.

Defaults, for a customer who never chose (and why):

* Triggers about something the customer set up themselves are **on**: a price drop or a
  restock of an item they watch, like or follow, news from a brand or category they follow,
  a box ready to rate, and a preference of theirs gone stale (it keeps their own rules true).
  Triggers inferred from behaviour are **off** until asked for: the abandoned-cart reminder,
  replenishment reminders and the quiz follow-up.
* Every channel is wanted; whether it may be used is the customer's consent for its purpose
  (``kinds.CHANNEL_PURPOSE``), which no channel preference overrides.
* At most 3 messages a day in all; per channel: e-mail 1, push 2, inbox 5, the shop's own
  sender 1 (the inbox interrupts nobody).
* Quiet hours 21:00–08:00 in the customer's time zone (the shop's when the profile has none);
  no preferred send time.
* The shop's language (``Settings.messages_language``).

The services take a ``Session`` inside the caller's unit of work and commit nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import current_consents
from prefero.customers.models import Customer
from prefero.customers.repository import ensure_customers, require_customer
from prefero.db.base import utcnow
from prefero.db.reads import read
from prefero.errors import FieldError, InvalidInput
from prefero.messaging.channels import configured_channels
from prefero.messaging.fatigue import fatigued, ignored_streaks
from prefero.messaging.kinds import CHANNEL_PURPOSE, CHANNELS, TRIGGERS, Channel, Trigger
from prefero.messaging.outbox import cancel_for
from prefero.messaging.schedule import QuietHours, clock, minutes
from prefero.messaging.terms_models import MessageTerms
from prefero.types import Purpose

__all__ = [
    "DEFAULT_CHANNEL_CAPS",
    "DEFAULT_DAILY_CAP",
    "DEFAULT_QUIET",
    "DEFAULT_TRIGGERS",
    "MAX_CAP",
    "TERMS_COLUMNS",
    "ChannelTerms",
    "MessageTermsIn",
    "MessageTermsOut",
    "QuietHoursIn",
    "StoredTerms",
    "Terms",
    "TriggerTerms",
    "describe_terms",
    "exported_message_terms",
    "get_terms",
    "lock_terms",
    "locked_terms",
    "read_terms",
    "resolve",
    "save_terms",
    "set_trigger",
]

DEFAULT_TRIGGERS: dict[Trigger, bool] = {
    Trigger.PRICE_DROP: True,
    Trigger.BACK_IN_STOCK: True,
    Trigger.NEW_FROM_FOLLOWED: True,
    Trigger.ABANDONED_CART: False,
    Trigger.REPLENISHMENT: False,
    Trigger.STALE_PREFERENCE: True,
    Trigger.BOX_READY: True,
    Trigger.QUIZ_FOLLOW_UP: False,
}
DEFAULT_DAILY_CAP = 3
DEFAULT_CHANNEL_CAPS: dict[Channel, int] = {
    Channel.EMAIL: 1, Channel.PUSH: 2, Channel.INBOX: 5, Channel.WEBHOOK: 1}
DEFAULT_QUIET = QuietHours(21 * 60, 8 * 60)
#: The highest cap a customer may set: past it a cap protects nobody.
MAX_CAP = 20
Locale = Literal["en", "pl"]
_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


# --------------------------------------------------------------------------- shapes


class QuietHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(pattern=_TIME, description="Local time HH:MM the quiet hours begin",
                       examples=["21:00"])
    end: str = Field(pattern=_TIME, description="Local time HH:MM they end (may be the next "
                                                "morning)", examples=["08:00"])


class MessageTermsIn(BaseModel):
    """The customer's terms, replacing the stored ones. A field left out means the shop's
    default; ``quiet_hours: null`` means no quiet hours at all."""

    model_config = ConfigDict(extra="forbid")

    # Strict: a JSON true is not a cap of 1, nor a 0 a switch turned off.
    triggers: dict[Trigger, StrictBool] = Field(
        default_factory=dict, description="Trigger → on/off; triggers left out keep the "
                                          "shop's default", examples=[{"abandoned_cart": True}])
    channels: dict[Channel, StrictBool] = Field(
        default_factory=dict, description="Channel → wanted; a wanted channel also needs "
                                          "its consent", examples=[{"push": False}])
    daily_cap: int | None = Field(default=None, ge=0, le=MAX_CAP, strict=True,
                                  description="Messages a calendar day over all channels")
    channel_caps: dict[Channel, StrictInt] = Field(default_factory=dict,
                                             description="Channel → messages a calendar day")
    quiet_hours: QuietHoursIn | None = Field(default=None)
    send_time: str | None = Field(default=None, pattern=_TIME,
                                  description="Local time HH:MM messages are sent at")
    locale: Locale | None = Field(default=None, description="The messages' language")

    @field_validator("channel_caps")
    @classmethod
    def _caps_in_range(cls, value: dict[Channel, int]) -> dict[Channel, int]:
        for channel, cap in value.items():
            if not 0 <= cap <= MAX_CAP:
                raise ValueError(f"the cap for {channel.value} must be between 0 and "
                                 f"{MAX_CAP}")
        return value


class TriggerTerms(BaseModel):
    trigger: Trigger
    on: bool
    default: bool = Field(description="Whether this is the shop's default (never chosen)")


class ChannelTerms(BaseModel):
    channel: Channel
    wanted: bool
    purpose: Purpose = Field(description="The consent purpose the channel needs")
    consented: bool
    available: bool = Field(description="Whether this shop can deliver by it (a sender is "
                                        "configured); nothing is queued for it otherwise")
    cap: int = Field(description="Messages a calendar day, as set")
    effective_cap: int = Field(description="The cap after fatigue (ignored messages)")


class MessageTermsOut(BaseModel):
    customer_id: str
    triggers: list[TriggerTerms]
    channels: list[ChannelTerms]
    daily_cap: int
    effective_daily_cap: int
    quiet_hours: QuietHoursIn | None
    send_time: str | None
    locale: Locale
    time_zone: str | None = Field(description="The profile's zone; null: the shop's")


# --------------------------------------------------------------------------- resolved terms


@dataclass(frozen=True, slots=True)
class Terms:
    """The terms in force: the customer's choices over the shop's defaults."""

    triggers: dict[Trigger, bool]
    channels: dict[Channel, bool]
    daily_cap: int
    channel_caps: dict[Channel, int]
    quiet: QuietHours | None
    send_time: int | None
    locale: Locale
    chosen_triggers: frozenset[Trigger]


def _locale(value: str | None, settings: Settings) -> Locale:
    if value == "pl":
        return "pl"
    if value == "en":
        return "en"
    return settings.messages_language


class StoredTerms(Protocol):
    """What ``resolve`` reads of a stored terms row: the ORM object, or a Core row of the
    same columns (``offer`` reads it joined to the customer, in one query)."""

    @property
    def triggers(self) -> dict[str, bool]: ...
    @property
    def channels(self) -> dict[str, bool]: ...
    @property
    def daily_cap(self) -> int | None: ...
    @property
    def channel_caps(self) -> dict[str, int]: ...
    @property
    def quiet_set(self) -> bool: ...
    @property
    def quiet_start(self) -> int | None: ...
    @property
    def quiet_end(self) -> int | None: ...
    @property
    def send_time(self) -> int | None: ...
    @property
    def locale(self) -> str | None: ...


def resolve(row: StoredTerms | None, settings: Settings) -> Terms:
    """The terms in force for a stored row (None: a customer who never chose)."""
    triggers = dict(DEFAULT_TRIGGERS)
    channels = dict.fromkeys(CHANNELS, True)
    caps = dict(DEFAULT_CHANNEL_CAPS)
    chosen: set[Trigger] = set()
    if row is None:
        return Terms(triggers, channels, DEFAULT_DAILY_CAP, caps, DEFAULT_QUIET, None,
                     settings.messages_language, frozenset())
    for trigger in TRIGGERS:
        if trigger.value in row.triggers:
            triggers[trigger] = bool(row.triggers[trigger.value])
            chosen.add(trigger)
    for channel in CHANNELS:
        if channel.value in row.channels:
            channels[channel] = bool(row.channels[channel.value])
        if channel.value in row.channel_caps:
            caps[channel] = int(row.channel_caps[channel.value])
    quiet: QuietHours | None = DEFAULT_QUIET
    if row.quiet_set:
        quiet = (QuietHours(row.quiet_start, row.quiet_end)
                 if row.quiet_start is not None and row.quiet_end is not None else None)
    return Terms(triggers, channels,
                 DEFAULT_DAILY_CAP if row.daily_cap is None else row.daily_cap, caps, quiet,
                 row.send_time, _locale(row.locale, settings), frozenset(chosen))


#: The stored terms' columns, in the order ``StoredTerms`` names them.
TERMS_COLUMNS = (MessageTerms.triggers, MessageTerms.channels, MessageTerms.daily_cap,
                 MessageTerms.channel_caps, MessageTerms.quiet_set, MessageTerms.quiet_start,
                 MessageTerms.quiet_end, MessageTerms.send_time, MessageTerms.locale)
# Built once (see prefero.db.reads): ``offer`` reads and locks the row on every offer.
_ROW = select(*TERMS_COLUMNS).where(MessageTerms.customer_id == bindparam("customer_id"))
_LOCK_ROW = _ROW.with_for_update()


def read_terms(session: Session, *, customer_id: str, settings: Settings) -> Terms:
    """The terms in force, read from the database (not from the session's identity map,
    which may hold a row another unit of work has changed since)."""
    return resolve(read(session, _ROW, {"customer_id": customer_id}).first(), settings)


def _create_row(session: Session, customer_id: str) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(MessageTerms).values(
        customer_id=customer_id, triggers={}, channels={}, channel_caps={}, quiet_set=False,
        updated_at=utcnow()).on_conflict_do_nothing(index_elements=["customer_id"]))


def _holds_sqlite_write_lock(session: Session) -> bool:
    """Whether this SQLite unit of work already holds the database's write lock: pysqlite
    opens a transaction only before a write (or ``BEGIN IMMEDIATE`` for a write session,
    see ``prefero.db.session``), and either takes the lock."""
    driver = session.connection().connection.dbapi_connection
    return bool(getattr(driver, "in_transaction", False))


def lock_terms(session: Session, *, customer_id: str, settings: Settings) -> Terms | None:
    """Take the lock that serialises one customer's offers, until the unit of work ends;
    the terms read under it, or None when nothing changed them since the caller's read.

    On PostgreSQL the terms row is read ``FOR UPDATE`` (created first when missing). SQLite
    has one writer at a time: a unit of work that already wrote (or began ``IMMEDIATE``)
    holds the lock and needs nothing more; one that has only read takes it with a write
    (creating the row, or nothing) and reads the terms again, since another writer may have
    changed them between its read and now."""
    if session.get_bind().dialect.name == "postgresql":
        found = read(session, _LOCK_ROW, {"customer_id": customer_id}).first()
        if found is None:
            _create_row(session, customer_id)
            found = read(session, _LOCK_ROW, {"customer_id": customer_id}).one()
        return resolve(found, settings)
    if _holds_sqlite_write_lock(session):
        return None
    _create_row(session, customer_id)
    return resolve(read(session, _ROW, {"customer_id": customer_id}).one(), settings)


def locked_terms(session: Session, *, customer_id: str, settings: Settings) -> Terms:
    """The terms, with the customer's terms row created if missing and locked until the unit
    of work ends (``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time anyway):
    every offer to one customer counts their day after the previous one wrote."""
    _create_row(session, customer_id)
    row = session.scalars(select(MessageTerms).where(MessageTerms.customer_id == customer_id)
                          .with_for_update().execution_options(populate_existing=True)).one()
    return resolve(row, settings)


# --------------------------------------------------------------------------- reading


def _out(session: Session, *, customer_id: str, terms: Terms, settings: Settings,
         now: datetime) -> MessageTermsOut:
    consents = current_consents(session, customer_id=customer_id, settings=settings)
    streaks = ignored_streaks(session, customer_id=customer_id, now=now)
    zone = session.scalar(select(Customer.time_zone).where(Customer.id == customer_id))
    available = configured_channels(settings)
    return MessageTermsOut(
        customer_id=customer_id,
        triggers=[TriggerTerms(trigger=t, on=terms.triggers[t],
                               default=t not in terms.chosen_triggers) for t in TRIGGERS],
        channels=[ChannelTerms(channel=c, wanted=terms.channels[c],
                               purpose=CHANNEL_PURPOSE[c],
                               consented=consents[CHANNEL_PURPOSE[c]],
                               available=c in available,
                               cap=terms.channel_caps[c],
                               effective_cap=fatigued(terms.channel_caps[c], streaks.of(c)))
                  for c in CHANNELS],
        daily_cap=terms.daily_cap,
        effective_daily_cap=fatigued(terms.daily_cap, streaks.overall),
        quiet_hours=(QuietHoursIn(start=clock(terms.quiet.start), end=clock(terms.quiet.end))
                     if terms.quiet is not None else None),
        send_time=clock(terms.send_time) if terms.send_time is not None else None,
        locale=terms.locale, time_zone=zone)


def describe_terms(session: Session, *, customer_id: str, settings: Settings,
                   now: datetime) -> MessageTermsOut:
    """As ``get_terms``, also for a visitor never seen (the shop's defaults); reads only."""
    terms = read_terms(session, customer_id=customer_id, settings=settings)
    return _out(session, customer_id=customer_id, terms=terms, settings=settings, now=now)


def get_terms(session: Session, *, customer_id: str, settings: Settings,
              now: datetime) -> MessageTermsOut:
    """The customer's terms in force (defaults filled in), with each channel's consent and
    the caps after fatigue; ``NotFound`` for a customer never seen.

    >>> get_terms(session, customer_id="c1", settings=settings, now=now).daily_cap
    ... # doctest: +SKIP
    3
    """
    require_customer(session, customer_id)
    terms = read_terms(session, customer_id=customer_id, settings=settings)
    return _out(session, customer_id=customer_id, terms=terms, settings=settings, now=now)


# --------------------------------------------------------------------------- writing



def _checked(terms: MessageTermsIn) -> tuple[QuietHours | None, int | None]:
    """The quiet hours and send time as minutes; a preferred send time inside the quiet
    hours is refused (a message could never go at it)."""
    quiet_given = "quiet_hours" in terms.model_fields_set
    quiet: QuietHours | None = DEFAULT_QUIET
    if quiet_given:
        quiet = (QuietHours(minutes(terms.quiet_hours.start), minutes(terms.quiet_hours.end))
                 if terms.quiet_hours is not None else None)
    send_time = minutes(terms.send_time) if terms.send_time is not None else None
    errors: list[FieldError] = []
    if quiet is not None and quiet.start == quiet.end:
        errors.append(FieldError(("quiet_hours", "end"),
                                 "quiet hours must end at another time than they start"))
    elif send_time is not None and quiet is not None and quiet.holds(send_time):
        errors.append(FieldError(("send_time",), "the preferred send time falls within the "
                                                 "quiet hours"))
    if errors:
        raise InvalidInput("the message terms are not usable", errors)
    return quiet, send_time


def save_terms(session: Session, *, customer_id: str, terms: MessageTermsIn,
               settings: Settings, now: datetime,
               keep_triggers: bool = False) -> MessageTermsOut:
    """Replace the customer's terms (creating the customer). Messages still waiting for a
    trigger now switched off or a channel now unwanted are cancelled at once.
    ``keep_triggers``: the trigger switches stay as stored and ``terms.triggers`` is ignored
    (the preference center's form for channels and limits, whose switches post apart).

    >>> save_terms(session, customer_id="c1", settings=settings, now=now,
    ...            terms=MessageTermsIn(daily_cap=1)).daily_cap  # doctest: +SKIP
    1
    """
    quiet, send_time = _checked(terms)
    ensure_customers(session, {customer_id: False})
    locked_terms(session, customer_id=customer_id, settings=settings)
    row = session.get(MessageTerms, customer_id)
    assert row is not None  # locked_terms created it
    if not keep_triggers:
        row.triggers = {t.value: on for t, on in terms.triggers.items()}
    row.channels = {c.value: on for c, on in terms.channels.items()}
    row.daily_cap = terms.daily_cap
    row.channel_caps = {c.value: cap for c, cap in terms.channel_caps.items()}
    row.quiet_set = "quiet_hours" in terms.model_fields_set
    row.quiet_start = quiet.start if quiet is not None else None
    row.quiet_end = quiet.end if quiet is not None else None
    row.send_time = send_time
    row.locale = terms.locale
    row.updated_at = now
    session.flush()
    resolved = resolve(row, settings)
    cancel_for(session, customer_id=customer_id, reason="trigger switched off",
               triggers=tuple(t.value for t in TRIGGERS if not resolved.triggers[t]))
    cancel_for(session, customer_id=customer_id, reason="channel not wanted",
               channels=tuple(c.value for c in CHANNELS if not resolved.channels[c]))
    return _out(session, customer_id=customer_id, terms=resolved, settings=settings, now=now)


def set_trigger(session: Session, *, customer_id: str, trigger: Trigger, on: bool,
                settings: Settings, now: datetime) -> None:
    """Switch one trigger on or off, keeping every other term (the one-click unsubscribe,
    the preference center's switches); switching off cancels its waiting messages."""
    ensure_customers(session, {customer_id: False})
    locked_terms(session, customer_id=customer_id, settings=settings)
    row = session.get(MessageTerms, customer_id)
    assert row is not None
    row.triggers = {**row.triggers, trigger.value: on}
    row.updated_at = now
    session.flush()
    if not on:
        cancel_for(session, customer_id=customer_id, reason="trigger switched off",
                   triggers=(trigger.value,))


# --------------------------------------------------------------------------- export


class MessageTermsExport(BaseModel):
    """The stored terms as the data export lists them: only what the customer chose."""

    triggers: dict[str, bool]
    channels: dict[str, bool]
    daily_cap: int | None
    channel_caps: dict[str, int]
    quiet_hours: QuietHoursIn | None
    quiet_hours_chosen: bool
    send_time: str | None
    locale: str | None
    updated_at: datetime


def exported_message_terms(session: Session, customer_id: str) -> list[MessageTermsExport]:
    """The customer's stored terms for the data export (an empty list when they never chose).

    >>> exported_message_terms(session, "c1")  # doctest: +SKIP
    []
    """
    row = session.get(MessageTerms, customer_id)
    if row is None:
        return []
    quiet = (QuietHoursIn(start=clock(row.quiet_start), end=clock(row.quiet_end))
             if row.quiet_start is not None and row.quiet_end is not None else None)
    return [MessageTermsExport(
        triggers=dict(row.triggers), channels=dict(row.channels), daily_cap=row.daily_cap,
        channel_caps=dict(row.channel_caps), quiet_hours=quiet, quiet_hours_chosen=row.quiet_set,
        send_time=clock(row.send_time) if row.send_time is not None else None,
        locale=row.locale, updated_at=row.updated_at)]
