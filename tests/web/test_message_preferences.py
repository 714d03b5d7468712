"""The preference center's "Messages" section: every trigger with its switch, the channels
with their consent, the caps, quiet hours, and what was sent and why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from message_terms_shop import customer, drop, offered
from prefero.api.app import create_app
from prefero.messaging.kinds import Channel, Trigger
from prefero.messaging.schedule import QuietHours
from prefero.messaging.terms import read_terms
from prefero.runtime import Runtime
from webforms import submit


def test_the_section_shows_the_terms_and_a_switch_changes_one_trigger(
        runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as browser:
        page = browser.get("/preferences")
        assert page.status_code == 200
        assert 'id="messages"' in page.text and "Price drops" in page.text
        assert "Quiet hours: from 21:00 to 08:00" in page.text
        answer = submit(browser, "/preferences/messages/trigger",
                        {"trigger": "abandoned_cart", "on": "true"}, html=page.text,
                        follow_redirects=True)
        assert answer.status_code == 200
        assert "Messages on: Cart reminders." in answer.text
        bad = submit(browser, "/preferences/messages/trigger",
                     {"trigger": "spam", "on": "true"}, html=page.text)
        assert bad.status_code == 422
        polish = browser.get("/preferences", headers={"Accept-Language": "pl"})
        assert "Godziny ciszy: od 21:00 do 08:00" in polish.text


def test_the_history_says_why_each_message_was_sent(runtime: Runtime) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        offered(session, drop("c1"), datetime(2026, 12, 6, 11, 0, tzinfo=UTC), s)
        assert read_terms(session, customer_id="c1", settings=s).triggers[Trigger.PRICE_DROP]
    with TestClient(create_app(runtime=runtime)) as browser:
        submit(browser, "/login", {"customer_id": "c1"}, page="/login")
        page = browser.get("/preferences")
    assert "price-drop messages are on" in page.text


def _signed_in(runtime: Runtime, browser: TestClient) -> None:
    with runtime.session() as session:
        customer(session, runtime.settings, "c1")
    submit(browser, "/login", {"customer_id": "c1"}, page="/login")


def _form(**changes: str) -> dict[str, str]:
    """The Messages form as the page posts it with the defaults, then ``changes``."""
    values = {"channel-email": "on", "channel-push": "on", "channel-inbox": "on",
              "channel-webhook": "on", "cap-email": "1", "cap-push": "2", "cap-inbox": "5",
              "cap-webhook": "1", "daily_cap": "3", "quiet": "on", "quiet_start": "21:00",
              "quiet_end": "08:00", "send_time": "", "locale": "en"}
    values.update(changes)
    return {key: value for key, value in values.items() if value != "-"}


def test_the_form_sets_channels_caps_quiet_hours_send_time_and_language(
        runtime: Runtime) -> None:
    s = runtime.settings
    with TestClient(create_app(runtime=runtime)) as browser:
        _signed_in(runtime, browser)
        page = browser.get("/preferences")
        assert 'id="messages-terms"' in page.text
        switched = submit(browser, "/preferences/messages/trigger",
                          {"trigger": "abandoned_cart", "on": "true"}, html=page.text,
                          follow_redirects=False)
        assert switched.status_code == 303
        answer = submit(browser, "/preferences/messages/terms", _form(**{
            "channel-push": "-", "cap-inbox": "2", "daily_cap": "4", "quiet_start": "22:30",
            "quiet_end": "7:00", "send_time": "18:00", "locale": "pl"}), html=page.text,
            follow_redirects=True)
        assert answer.status_code == 200
        assert "Your message settings are saved." in answer.text
        assert 'id="messages-cap-inbox"' in answer.text and 'value="2"' in answer.text
    with runtime.session() as session:
        terms = read_terms(session, customer_id="c1", settings=s)
    assert terms.channels[Channel.PUSH] is False and terms.channels[Channel.EMAIL] is True
    assert terms.channel_caps[Channel.INBOX] == 2 and terms.daily_cap == 4
    assert terms.quiet == QuietHours(22 * 60 + 30, 7 * 60)
    assert terms.send_time == 18 * 60 and terms.locale == "pl"
    # The switch posted apart is kept: the form carries no triggers.
    assert terms.triggers[Trigger.ABANDONED_CART] is True


def test_no_quiet_hours_is_a_choice(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as browser:
        _signed_in(runtime, browser)
        page = browser.get("/preferences")
        submit(browser, "/preferences/messages/terms",
               _form(quiet="-", quiet_start="", quiet_end=""), html=page.text)
        assert "No quiet hours." in browser.get("/preferences").text
    with runtime.session() as session:
        assert read_terms(session, customer_id="c1", settings=runtime.settings).quiet is None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"cap-email": "21"}, "messages-cap-email", "Enter a whole number from 0 to 20."),
    ({"daily_cap": "-1"}, "messages-daily-cap", "Enter a whole number from 0 to 20."),
    ({"daily_cap": "1e6"}, "messages-daily-cap", "Enter a whole number from 0 to 20."),
    ({"quiet_start": "25:00"}, "messages-quiet-start", "Enter a time of day like 21:00."),
    ({"quiet_end": "21:00"}, "messages-quiet-end",
     "Quiet hours must end at another time than they start."),
    ({"send_time": "noon"}, "messages-send-time",
     "Enter a time of day like 18:00, or leave it empty."),
    ({"send_time": "23:00"}, "messages-send-time",
     "This time falls within your quiet hours; choose a time outside them."),
    ({"locale": "xx"}, "messages-locale", "Choose one of the listed languages."),
])
def test_bad_input_names_the_field_and_changes_nothing(
        runtime: Runtime, changes: dict[str, str], field: str, message: str) -> None:
    with TestClient(create_app(runtime=runtime)) as browser:
        _signed_in(runtime, browser)
        page = browser.get("/preferences")
        answer = submit(browser, "/preferences/messages/terms",
                        {**_form(**changes), "cap-inbox": "4"}, html=page.text)
        assert answer.status_code == 422
        assert f'id="{field}-error"' in answer.text and message in answer.text
        # What was typed comes back, so nothing has to be typed again.
        assert 'value="4"' in answer.text
        polish = submit(browser, "/preferences/messages/terms", _form(**changes),
                        html=page.text, headers={"Accept-Language": "pl"})
        assert polish.status_code == 422 and message not in polish.text
    with runtime.session() as session:
        terms = read_terms(session, customer_id="c1", settings=runtime.settings)
    assert terms.channel_caps[Channel.INBOX] == 5  # the shop's default: nothing saved


def test_the_form_needs_the_pages_csrf_token(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime)) as browser:
        browser.get("/preferences")
        answer = browser.post("/preferences/messages/terms", data=_form(daily_cap="1"),
                              headers={"Origin": str(browser.base_url).rstrip("/")})
        assert answer.status_code == 403
