"""The messaging policy: consent, switches, caps per local day, quiet hours, the preferred
send time, fatigue, staleness, deduplication and the language of the payload."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from message_terms_shop import customer, drop, every_channel, offered, outbox, terms
from prefero.customers.consent import record_consent
from prefero.customers.schemas import ConsentIn
from prefero.messaging.kinds import Trigger
from prefero.messaging.models import OutboxMessage
from prefero.runtime import Runtime

WARSAW = ZoneInfo("Europe/Warsaw")
# Sunday 6 December 2026, 12:00 in Warsaw: outside the default quiet hours (21:00–08:00).
NOON = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def test_nothing_goes_without_consent_and_each_consented_channel_gets_one(
        runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "none", zone="Europe/Warsaw", consents=())
        customer(session, s, "two", zone="Europe/Warsaw",
                 consents=("marketing_inbox", "marketing_email"))
        assert offered(session, drop("none"), NOON, s) == []
        rows = offered(session, drop("two"), NOON, s)
        assert sorted(r.channel for r in rows) == ["email", "inbox"]
        assert all(r.status == "pending" and r.send_at == NOON for r in rows)


def test_a_channel_this_shop_cannot_deliver_by_is_never_queued(runtime: Runtime) -> None:
    inbox_only = runtime.settings.model_copy(update={
        "smtp_host": None, "mailbox_dir": None, "push_url": None, "webhook_url": None})
    with runtime.session() as session:
        customer(session, inbox_only, "c1", consents=(
            "marketing_inbox", "marketing_email", "marketing_push", "marketing_webhook"))
        customer(session, inbox_only, "c2", consents=("marketing_email",))
        assert [r.channel for r in offered(session, drop("c1"), NOON, inbox_only)] == ["inbox"]
        assert offered(session, drop("c2"), NOON, inbox_only) == []
        everything = every_channel(runtime.settings)
        assert sorted(r.channel for r in offered(session, drop("c1", "70.00"), NOON,
                                                 everything)) == [
            "email", "inbox", "push", "webhook"]


def test_a_trigger_off_by_default_waits_until_switched_on(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    cart = drop("c1", trigger=Trigger.ABANDONED_CART)
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        assert offered(session, cart, NOON, s) == []
        terms(session, "c1", s, NOON, triggers={"abandoned_cart": True})
        assert [r.trigger for r in offered(session, cart, NOON, s)] == ["abandoned_cart"]


def test_an_unwanted_channel_is_left_out_even_with_consent(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1", consents=("marketing_inbox", "marketing_email"))
        terms(session, "c1", s, NOON, channels={"email": False})
        assert [r.channel for r in offered(session, drop("c1"), NOON, s)] == ["inbox"]


def test_a_message_offered_in_quiet_hours_waits_for_their_end(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    late = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 23:30 in Warsaw
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        (row,) = offered(session, drop("c1"), late, s)
        assert row.send_at.astimezone(WARSAW) == datetime(2026, 12, 7, 8, 0, tzinfo=WARSAW)


def test_the_preferred_send_time_is_kept(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        terms(session, "c1", s, NOON, send_time="18:00")
        (first,) = offered(session, drop("c1", "80.00"), NOON, s)
        evening = datetime(2026, 12, 6, 18, 30, tzinfo=UTC)  # 19:30 in Warsaw
        (second,) = offered(session, drop("c1", "70.00"), evening, s)
    assert first.send_at.astimezone(WARSAW) == datetime(2026, 12, 6, 18, 0, tzinfo=WARSAW)
    assert second.send_at.astimezone(WARSAW) == datetime(2026, 12, 7, 18, 0, tzinfo=WARSAW)


def test_a_preferred_time_the_clock_skips_goes_as_much_later_as_the_clock_jumped(
        runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # 02:00 → 03:00 in Warsaw tonight
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        terms(session, "c1", s, saturday, quiet_hours=None, send_time="02:30")
        (row,) = offered(session, drop("c1"), saturday, s)
    assert row.send_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time


def test_over_the_cap_a_message_moves_to_the_next_day_then_is_dropped_with_a_reason(
        runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        terms(session, "c1", s, NOON, daily_cap=1)
        rows = [offered(session, drop("c1", product=f"p{i}"), NOON, s)[0] for i in range(4)]
    days = [r.send_at.astimezone(WARSAW).date().isoformat() for r in rows[:3]]
    # A price drop stays worth reading for two more days.
    assert days == ["2026-12-06", "2026-12-07", "2026-12-08"]
    assert rows[1].send_at.astimezone(WARSAW).hour == 8  # the first minute after quiet hours
    assert rows[3].status == "cancelled"
    assert rows[3].payload["dropped"] == "cap"
    assert "stale" in (rows[3].last_error or "")


def test_days_are_counted_in_the_customers_time_zone(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    # 23:00 and 00:30 on Kiritimati (UTC+14) are two calendar days there, one in UTC.
    before = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    after = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)
    with runtime.session() as session:
        customer(session, s, "c1", zone="Pacific/Kiritimati")
        terms(session, "c1", s, before, daily_cap=1, quiet_hours=None)
        (first,) = offered(session, drop("c1", product="a"), before, s)
        (second,) = offered(session, drop("c1", product="b"), after, s)
    assert first.send_at == before
    assert second.send_at == after


def test_withdrawn_consent_cancels_waiting_messages_on_the_next_offer(
        runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    late = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        offered(session, drop("c1", product="a"), late, s)
        record_consent(session, customer_id="c1", settings=s,
                       consent=ConsentIn(purpose="marketing_inbox", granted=False))
        assert offered(session, drop("c1", product="b"), late, s) == []
        (row,) = outbox(session, "c1")
        assert row.status == "cancelled" and "withdrawn" in (row.last_error or "")


def test_the_same_occasion_is_queued_once(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1")
        assert len(offered(session, drop("c1"), NOON, s)) == 1
        assert offered(session, drop("c1"), NOON + timedelta(hours=1), s) == []
        assert len(outbox(session, "c1")) == 1


def _sent(session: object, customer_id: str, at: datetime, *, engaged: bool, n: int,
          channel: str = "inbox") -> None:
    for i in range(n):
        session.add(OutboxMessage(  # type: ignore[attr-defined]
            dedup_key=f"{customer_id}-{channel}-{at.isoformat()}-{i}".ljust(64, "x")[:64],
            customer_id=customer_id, channel=channel, trigger="price_drop",
            subject_key="old", status="sent", send_at=at, next_attempt_at=at, created_at=at,
            sent_at=at + timedelta(minutes=i), engaged_at=at if engaged else None))


def test_ignored_messages_halve_the_cap_and_opening_one_restores_it(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    week_ago = NOON - timedelta(days=7)
    with runtime.session() as session:
        customer(session, s, "tired", zone="Europe/Warsaw")
        terms(session, "tired", s, NOON, daily_cap=10, channel_caps={"inbox": 4})
        _sent(session, "tired", week_ago, engaged=False, n=3)
        rows = [offered(session, drop("tired", product=f"p{i}"), NOON, s)[0]
                for i in range(3)]
        today = [r for r in rows if r.send_at.astimezone(WARSAW).date() == NOON.date()]
        assert len(today) == 2  # 4 halved
        customer(session, s, "back", zone="Europe/Warsaw")
        terms(session, "back", s, NOON, daily_cap=10, channel_caps={"inbox": 4})
        _sent(session, "back", week_ago, engaged=False, n=3)
        _sent(session, "back", week_ago + timedelta(days=1), engaged=True, n=1)
        rows = [offered(session, drop("back", product=f"p{i}"), NOON, s)[0]
                for i in range(4)]
        assert all(r.send_at == NOON for r in rows)


def test_channels_that_report_no_openings_are_never_judged_ignored(runtime: Runtime) -> None:
    # E-mails carry no tracking pixel: three e-mails nobody reported opening are not three
    # ignored messages, and neither the e-mail cap nor the overall cap comes down.
    s = every_channel(runtime.settings)
    week_ago = NOON - timedelta(days=7)
    with runtime.session() as session:
        customer(session, s, "mailed", zone="Europe/Warsaw")
        terms(session, "mailed", s, NOON, daily_cap=10, channel_caps={"inbox": 4})
        _sent(session, "mailed", week_ago, engaged=False, n=6, channel="email")
        rows = [offered(session, drop("mailed", product=f"p{i}"), NOON, s)[0]
                for i in range(4)]
        assert all(r.send_at == NOON for r in rows)


def test_the_payload_is_worded_in_the_customers_language(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1")
        terms(session, "c1", s, NOON, locale="pl")
        (row,) = offered(session, drop("c1"), NOON, s)
    assert row.locale == "pl"
    assert row.payload["subject"] == "Trail shoe kosztuje teraz 79,00\xa0zł"
    assert row.payload["why"].startswith("Dostajesz tę wiadomość")
    assert row.payload["links"] == [f"{s.messages_base_url}/p/p1"]
    assert "/messages/unsubscribe?token=" in row.payload["unsubscribe_url"]


def test_a_burst_of_concurrent_offers_to_one_customer_keeps_the_cap(runtime: Runtime) -> None:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        terms(session, "c1", s, NOON, daily_cap=3, channel_caps={"inbox": 3})
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            with runtime.session(write=True) as session:
                offered(session, drop("c1", product=f"p{i}"), NOON, s)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with runtime.session() as session:
        rows = outbox(session, "c1")
    per_day: dict[object, int] = {}
    for row in rows:
        if row.status == "pending":
            day = row.send_at.astimezone(WARSAW).date()
            per_day[day] = per_day.get(day, 0) + 1
    assert len(rows) == 8
    assert per_day and max(per_day.values()) <= 3
