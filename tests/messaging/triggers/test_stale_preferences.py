"""stale_preference: one offer per stale value per window, worded as the shopper reads it;
fresh values, dismissals and anonymous visitors are never asked; the policy decides consent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from trigger_shop import NOW, Recorder

from factories import add_products, consent, customer, product
from prefero.customers.confirmation import confirm_values
from prefero.customers.models import Preference
from prefero.messaging.kinds import Trigger
from prefero.messaging.models import OutboxMessage
from prefero.messaging.scanners import registered
from prefero.messaging.terms_models import MessageTerms
from prefero.messaging.triggers import stale_preferences
from prefero.runtime import Runtime

DAY = timedelta(days=1)


def _shop(runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [product("bar", category="Groceries > Snacks", brand="H&M")])
        customer(session, "c1", likes=[("brand", "h&m", 0.8)],
                 never=[("allergens", "gluten")], sizes=[("Fashion > Kids", "eu 28")],
                 dismissed=["bar"])
        customer(session, "fresh", likes=[("brand", "h&m", 0.8)])
        anonymous = customer(session, "anon-1", likes=[("brand", "h&m", 0.8)])
        anonymous.anonymous = True
    _confirmed(runtime, NOW - 400 * DAY)  # past the default windows (365; kids' sizes 120)
    _confirmed(runtime, NOW - 10 * DAY, who="fresh")


def _confirmed(runtime: Runtime, at: datetime, *, who: str | None = None) -> None:
    statement = update(Preference).values(confirmed_at=at)
    if who is not None:
        statement = statement.where(Preference.customer_id == who)
    with runtime.session() as session:
        session.execute(statement)


def _window(occasion: str) -> str:
    """The window number of a reminder's occasion ("<confirmed at>#<window>")."""
    return occasion.rsplit("#", 1)[1]


def _scan(runtime: Runtime, at: datetime = NOW) -> int:
    with runtime.session() as session:
        return stale_preferences.scan(session, at, runtime.settings)


def test_each_stale_value_is_offered_once_per_window(runtime: Runtime,
                                                     offers: Recorder) -> None:
    _shop(runtime)
    assert _scan(runtime) == 3
    assert offers.who() == ["c1", "c1", "c1"]
    assert {(o.trigger, o.subject_key, _window(o.occasion)) for o in offers.offers} == {
        (Trigger.STALE_PREFERENCE, "preference:like:brand:h&m", "1"),
        (Trigger.STALE_PREFERENCE, "preference:never:allergens:gluten", "1"),
        # 400 days: three whole windows of 120 days have passed.
        (Trigger.STALE_PREFERENCE, "preference:size:Fashion > Kids:eu 28", "3")}
    offers.clear()
    assert _scan(runtime, NOW + DAY) == 0  # the same windows: nothing again
    # At 480 days the size enters its next window; the others are still in theirs.
    assert _scan(runtime, NOW + 81 * DAY) == 1
    assert [(o.subject_key, _window(o.occasion)) for o in offers.offers] == [
        ("preference:size:Fashion > Kids:eu 28", "4")]


def test_the_wording_is_the_shopper_s(runtime: Runtime, offers: Recorder) -> None:
    _shop(runtime)
    with runtime.session() as session:
        session.add(MessageTerms(customer_id="c1", locale="pl"))
    _scan(runtime)
    said = {o.params["kind"]: o.params for o in offers.offers}
    assert (said["like"]["facet"], said["like"]["value"]) == ("Marka", "H&M")
    assert said["never"]["value"] == "nigdy gluten"
    assert said["size"]["value"] == "EU 28"
    assert said["size"]["facet"].startswith("Rozmiar (")
    assert {p["months"] for p in said.values()} == {"13"}


def test_a_confirmed_value_is_not_asked_about_until_its_window_passes(
        runtime: Runtime, offers: Recorder) -> None:
    _shop(runtime)
    with runtime.session() as session:
        confirm_values(session, customer_id="c1", now=NOW, values=None)
    assert _scan(runtime) == 0
    assert _scan(runtime, NOW + 121 * DAY) == 1  # the child's size first
    assert offers.who() == ["c1"]
    offers.clear()
    # A year on: the like and the rule, the size once more (for its current window only,
    # though two have begun since), and the other customer's like.
    assert _scan(runtime, NOW + 366 * DAY) == 4
    assert offers.who() == ["c1", "c1", "c1", "fresh"]
    assert sorted(_window(o.occasion) for o in offers.offers) == ["1", "1", "1", "3"]


def test_a_value_stale_again_after_its_reconfirmation_is_a_new_occasion(
        runtime: Runtime, offers: Recorder) -> None:
    _shop(runtime)
    _scan(runtime)
    first = {o.subject_key: o.occasion for o in offers.offers}
    offers.clear()
    with runtime.session() as session:
        confirm_values(session, customer_id="c1", now=NOW, values=None)
    _scan(runtime, NOW + 366 * DAY)
    again = {o.subject_key: o.occasion for o in offers.offers if o.customer_id == "c1"}
    like = "preference:like:brand:h&m"
    # Both are its first stale window, yet the outbox must not take the second for the first.
    assert _window(first[like]) == _window(again[like]) == "1"
    assert first[like] != again[like]


def test_the_policy_decides_whether_it_goes(runtime: Runtime) -> None:
    _shop(runtime)
    assert "stale_preference" in registered()
    assert _scan(runtime) == 3
    with runtime.session() as session:  # no consent to any channel: nothing queued
        assert session.scalars(select(OutboxMessage)).all() == []
    with runtime.session() as session:
        consent(session, "c1", "marketing_inbox", True)
    assert _scan(runtime, NOW + 81 * DAY) == 1
    with runtime.session() as session:
        queued = session.scalars(select(OutboxMessage)).all()
        assert [(m.channel, m.trigger) for m in queued] == [("inbox", "stale_preference")]
        assert "EU 28" in str(queued[0].payload)
