"""A household profile's messages go to its account holder, under the holder's terms: one
person has one inbox, one set of caps and quiet hours, and hears about the same product's
price drop once, whichever of their profiles watches it."""

from __future__ import annotations

from datetime import UTC, datetime

from message_terms_shop import customer, drop, every_channel, offered, outbox, terms
from prefero.customers.household_schemas import ProfileIn
from prefero.customers.households import create_profile, subject_for
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.runtime import Runtime

NOON = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def _household(runtime: Runtime) -> str:
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        customer(session, s, "ala", zone="Europe/Warsaw")
        create_profile(session, owner_id="ala",
                       profile=ProfileIn(profile_id="kids", name="Kids", kind="child"))
        return subject_for(session, owner_id="ala", profile_id="kids")


def test_a_profiles_message_lands_in_the_account_holders_inbox(runtime: Runtime) -> None:
    kids = _household(runtime)
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        terms(session, "ala", s, NOON, daily_cap=1, channel_caps={"inbox": 1})
        [first] = offered(session, drop(kids, product="p1"), NOON, s)
        [second] = offered(session, drop("ala", product="p2"), NOON, s)
        assert outbox(session, kids) == []
        assert [row.customer_id for row in outbox(session, "ala")] == ["ala", "ala"]
    # The holder's cap of one a day covers the profile's message too.
    assert first.send_at == NOON
    assert second.send_at > NOON


def test_the_same_news_for_two_profiles_is_one_message(runtime: Runtime) -> None:
    kids = _household(runtime)
    s = every_channel(runtime.settings)
    with runtime.session() as session:
        assert len(offered(session, drop(kids, product="p1"), NOON, s)) == 1
        assert offered(session, drop("ala", product="p1"), NOON, s) == []


def test_each_profiles_own_stale_value_is_its_own_message(runtime: Runtime) -> None:
    kids = _household(runtime)
    s = every_channel(runtime.settings)

    def stale(who: str) -> MessageOffer:
        return MessageOffer(customer_id=who, trigger=Trigger.STALE_PREFERENCE,
                            subject_key="preference:size:Fashion > Kids:110",
                            occasion="2025-01-01T00:00:00+00:00#1",
                            params={"facet": "Size", "value": "110"})

    with runtime.session() as session:
        terms(session, "ala", s, NOON, triggers={"stale_preference": True})
        assert len(offered(session, stale(kids), NOON, s)) == 1
        assert len(offered(session, stale("ala"), NOON, s)) == 1
        subjects = sorted(row.subject_key for row in outbox(session, "ala"))
    assert subjects == [f"{kids}/preference:size:Fashion > Kids:110",
                        "preference:size:Fashion > Kids:110"]
