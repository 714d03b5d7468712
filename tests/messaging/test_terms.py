"""The customer's terms for messages: the shop's defaults, saving and reading them back,
refusals that name the field and change nothing, switches that cancel what waits, the data
export, and the lock an offer takes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import ValidationError

from message_terms_shop import customer, drop, every_channel, offered, outbox, terms
from prefero.errors import InvalidInput, NotFound
from prefero.messaging.kinds import CHANNELS, TRIGGERS, Channel, Trigger
from prefero.messaging.schedule import QuietHours, clock
from prefero.messaging.terms import (
    DEFAULT_CHANNEL_CAPS,
    DEFAULT_DAILY_CAP,
    DEFAULT_QUIET,
    DEFAULT_TRIGGERS,
    MAX_CAP,
    MessageTermsIn,
    exported_message_terms,
    get_terms,
    lock_terms,
    read_terms,
    save_terms,
    set_trigger,
)
from prefero.messaging.terms_models import MessageTerms
from prefero.runtime import Runtime

NOON = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def test_a_customer_who_never_chose_has_the_shops_defaults(runtime: Runtime) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
        out = get_terms(session, customer_id="c1", settings=s, now=NOON)
        assert exported_message_terms(session, "c1") == []
        with pytest.raises(NotFound):
            get_terms(session, customer_id="nobody", settings=s, now=NOON)
    assert {t.trigger: t.on for t in out.triggers} == DEFAULT_TRIGGERS
    assert all(t.default for t in out.triggers)
    # Behaviour-inferred triggers wait until asked for.
    assert not DEFAULT_TRIGGERS[Trigger.ABANDONED_CART]
    assert {c.channel: c.cap for c in out.channels} == DEFAULT_CHANNEL_CAPS
    assert out.daily_cap == DEFAULT_DAILY_CAP
    assert out.quiet_hours is not None
    assert (out.quiet_hours.start, out.quiet_hours.end) == (clock(DEFAULT_QUIET.start),
                                                             clock(DEFAULT_QUIET.end))
    assert out.send_time is None and out.locale == s.messages_language
    # Every channel is wanted; consent decides: only the inbox's was given here.
    assert {c.channel: (c.wanted, c.consented) for c in out.channels} == {
        Channel.EMAIL: (True, False), Channel.PUSH: (True, False),
        Channel.INBOX: (True, True), Channel.WEBHOOK: (True, False)}
    # This shop set up no sender: only the inbox can carry anything.
    assert [c.channel for c in out.channels if c.available] == [Channel.INBOX]
    with runtime.session() as session:
        everything = get_terms(session, customer_id="c1", settings=every_channel(s), now=NOON)
    assert all(c.available for c in everything.channels)


def test_saved_terms_read_back_and_fields_left_out_are_the_defaults(runtime: Runtime) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
        terms(session, "c1", s, NOON, triggers={"abandoned_cart": True}, channels={"push": False},
              daily_cap=5, channel_caps={"inbox": 0}, quiet_hours={"start": "22:30",
                                                                      "end": "06:15"},
              send_time="19:45", locale="pl")
        saved = read_terms(session, customer_id="c1", settings=s)
        terms(session, "c1", s, NOON, quiet_hours=None)
        bare = read_terms(session, customer_id="c1", settings=s)
        (export,) = exported_message_terms(session, "c1")
    assert saved.triggers[Trigger.ABANDONED_CART] and saved.chosen_triggers == {
        Trigger.ABANDONED_CART}
    assert not saved.channels[Channel.PUSH] and saved.channels[Channel.EMAIL]
    assert saved.daily_cap == 5 and saved.channel_caps[Channel.INBOX] == 0
    assert saved.channel_caps[Channel.EMAIL] == DEFAULT_CHANNEL_CAPS[Channel.EMAIL]
    assert saved.quiet == QuietHours(22 * 60 + 30, 6 * 60 + 15)
    assert saved.send_time == 19 * 60 + 45 and saved.locale == "pl"
    # A second save replaces the first: what it leaves out is the default again, and
    # ``quiet_hours: null`` is a choice of its own (none at all).
    assert bare.quiet is None and bare.daily_cap == DEFAULT_DAILY_CAP
    assert bare.triggers == DEFAULT_TRIGGERS and bare.locale == s.messages_language
    assert export.quiet_hours is None and export.quiet_hours_chosen


@pytest.mark.parametrize(("values", "loc"), [
    ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, ("quiet_hours", "end")),
    ({"send_time": "23:30"}, ("send_time",)),  # inside the default 21:00–08:00
    ({"quiet_hours": {"start": "09:00", "end": "17:00"}, "send_time": "12:00"},
     ("send_time",)),
])
def test_terms_that_could_never_send_are_refused_with_the_field(
        runtime: Runtime, values: dict[str, Any], loc: tuple[str, ...]) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
        with pytest.raises(InvalidInput) as refused:
            save_terms(session, customer_id="c1", settings=s, now=NOON,
                       terms=MessageTermsIn.model_validate(values))
        assert [e.loc for e in refused.value.errors] == [loc]
        assert session.get(MessageTerms, "c1") is None  # nothing stored


@pytest.mark.parametrize(("values", "loc"), [
    ({"daily_cap": MAX_CAP + 1}, ("daily_cap",)),
    ({"daily_cap": -1}, ("daily_cap",)),
    ({"channel_caps": {"email": MAX_CAP + 1}}, ("channel_caps",)),
    ({"channel_caps": {"sms": 1}}, ("channel_caps", "sms", "[key]")),
    ({"triggers": {"spam": True}}, ("triggers", "spam", "[key]")),
    ({"quiet_hours": {"start": "24:00", "end": "08:00"}}, ("quiet_hours", "start")),
    ({"send_time": "7pm"}, ("send_time",)),
    ({"locale": "de"}, ("locale",)),
    ({"colour": "red"}, ("colour",)),
])
def test_bad_terms_are_refused_by_the_shape(values: dict[str, Any],
                                            loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        MessageTermsIn.model_validate(values)
    assert [tuple(e["loc"]) for e in refused.value.errors()] == [loc]


def test_switching_off_cancels_what_waits_and_keeps_every_other_term(
        runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1", consents=("marketing_inbox", "marketing_email"))
        terms(session, "c1", s, NOON, daily_cap=6, channel_caps={"email": 3, "inbox": 3},
              quiet_hours=None)
        offered(session, drop("c1", product="a"), NOON, s)
        offered(session, drop("c1", product="b", trigger=Trigger.BACK_IN_STOCK), NOON, s)
        set_trigger(session, customer_id="c1", trigger=Trigger.PRICE_DROP, on=False,
                    settings=s, now=NOON)
        after = read_terms(session, customer_id="c1", settings=s)
        rows = {(r.trigger, r.channel): (r.status, r.last_error)
                for r in outbox(session, "c1")}
        assert after.daily_cap == 6 and after.quiet is None
        assert not after.triggers[Trigger.PRICE_DROP]
        assert rows[("price_drop", "inbox")] == ("cancelled", "trigger switched off")
        assert rows[("back_in_stock", "inbox")] == ("pending", None)
        # A channel no longer wanted cancels its own waiting messages, whatever the trigger.
        terms(session, "c1", s, NOON, channels={"email": False}, quiet_hours=None)
        statuses = {(r.trigger, r.channel): (r.status, r.last_error)
                    for r in outbox(session, "c1")}
        assert statuses[("back_in_stock", "email")] == ("cancelled", "channel not wanted")
        assert statuses[("back_in_stock", "inbox")] == ("pending", None)


def test_the_form_keeps_the_trigger_switches(runtime: Runtime) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
        set_trigger(session, customer_id="c1", trigger=Trigger.REPLENISHMENT, on=True,
                    settings=s, now=NOON)
        save_terms(session, customer_id="c1", settings=s, now=NOON, keep_triggers=True,
                   terms=MessageTermsIn(daily_cap=1, triggers={Trigger.REPLENISHMENT: False}))
        kept = read_terms(session, customer_id="c1", settings=s)
    assert kept.triggers[Trigger.REPLENISHMENT] and kept.daily_cap == 1


def test_an_offer_takes_the_lock_once_per_unit_of_work(runtime: Runtime) -> None:
    """SQLite has one writer: the first write of a unit of work takes the lock (and reads the
    terms again, which another writer may have changed since); later offers hold it.
    PostgreSQL locks the customer's terms row, creating it when missing."""
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
    postgres = runtime.engine.dialect.name == "postgresql"
    with runtime.session() as session:
        first = lock_terms(session, customer_id="c1", settings=s)
        again = lock_terms(session, customer_id="c1", settings=s)
        assert first is not None and first.daily_cap == DEFAULT_DAILY_CAP
        assert (again is not None) if postgres else (again is None)
        assert session.get(MessageTerms, "c1") is not None


_minute = st.integers(0, 24 * 60 - 1).map(clock)


@st.composite
def terms_in(draw: st.DrawFn) -> MessageTermsIn:
    values: dict[str, Any] = {
        "triggers": draw(st.dictionaries(st.sampled_from(TRIGGERS), st.booleans())),
        "channels": draw(st.dictionaries(st.sampled_from(CHANNELS), st.booleans())),
        "channel_caps": draw(st.dictionaries(st.sampled_from(CHANNELS),
                                             st.integers(0, MAX_CAP))),
        "daily_cap": draw(st.none() | st.integers(0, MAX_CAP)),
        "locale": draw(st.sampled_from([None, "en", "pl"])),
    }
    if draw(st.booleans()):
        values["quiet_hours"] = draw(st.none() | st.fixed_dictionaries(
            {"start": _minute, "end": _minute}))
    if draw(st.booleans()):
        values["send_time"] = draw(_minute)
    return MessageTermsIn.model_validate(values)


@hsettings(max_examples=40, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wanted=terms_in())
def test_any_terms_are_saved_as_given_or_refused_whole(runtime: Runtime,
                                                       wanted: MessageTermsIn) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
        before = read_terms(session, customer_id="c1", settings=s)
        try:
            out = save_terms(session, customer_id="c1", terms=wanted, settings=s, now=NOON)
        except InvalidInput:
            session.rollback()
            assert read_terms(session, customer_id="c1", settings=s) == before
            return
    assert {t.trigger: t.on for t in out.triggers} == {
        t: wanted.triggers.get(t, DEFAULT_TRIGGERS[t]) for t in TRIGGERS}
    assert {c.channel: c.cap for c in out.channels} == {
        c: wanted.channel_caps.get(c, DEFAULT_CHANNEL_CAPS[c]) for c in CHANNELS}
    assert {c.channel: c.wanted for c in out.channels} == {
        c: wanted.channels.get(c, True) for c in CHANNELS}
    assert out.daily_cap == (DEFAULT_DAILY_CAP if wanted.daily_cap is None
                             else wanted.daily_cap)
    assert out.locale == (wanted.locale or s.messages_language)
    assert out.send_time == wanted.send_time
    if "quiet_hours" in wanted.model_fields_set:
        assert out.quiet_hours == wanted.quiet_hours
    quiet = out.quiet_hours
    if quiet is not None and out.send_time is not None:
        # Never a preferred time nobody could send at.
        start, end, at = (int(x[:2]) * 60 + int(x[3:]) for x in
                          (quiet.start, quiet.end, out.send_time))
        assert not QuietHours(start, end).holds(at)
