"""The customer's terms for messages in a real browser: the preference center's Messages
section switches a trigger off, sets quiet hours and a cap (and says precisely what is wrong
with a bad value), shows what was sent and why, and a message's one-click unsubscribe link
stops its kind. In English and in Polish, with screenshots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dashboard_browser import serious
from message_terms_shop import customer, drop, offered
from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.messaging.kinds import Channel, Trigger
from prefero.messaging.terms import read_terms
from prefero.runtime import Runtime

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("PREFERO_SHOTS_DIR", "/tmp/shots_B2"))


@pytest.fixture
def runtime_of(live_server: str, tmp_path: Path) -> Iterator[Runtime]:
    """A second runtime on the live server's database (its SQLite file), for arranging data
    the way a trigger would."""
    runtime = Runtime(Settings(mode="demo", data_dir=tmp_path / "data",
                               admin_key="e2e-admin-key",
                               messages_base_url=live_server))
    try:
        yield runtime
    finally:
        runtime.close()


def _shot(page: Page, name: str, *, section: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if section:
        page.locator("#messages").screenshot(path=str(SHOTS / f"{name}.png"))
    else:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _visitor(page: Page) -> str:
    return page.locator("#known code").first.inner_text().strip()


def _a_sent_message(runtime: Runtime, customer_id: str) -> str:
    """A price drop offered to the customer an hour ago (consent for the inbox given); the
    path and query of its unsubscribe link."""
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, customer_id)
        (row,) = offered(session, drop(customer_id), utcnow() - timedelta(hours=1), s)
    return str(row.payload["unsubscribe_url"]).removeprefix(s.messages_base_url)


def _messages_in(page: Page, server: str) -> None:
    page.goto(server + "/preferences")
    expect(page.locator("#messages-terms")).to_be_visible()


def test_the_customer_sets_their_terms_and_sees_why_a_message_came(
        live_server: str, runtime_of: Runtime, page: Page) -> None:
    _messages_in(page, live_server)
    # Switch a trigger off.
    page.locator("#trigger-back_in_stock").click()
    expect(page.locator("#pc-status")).to_contain_text("Messages off: Back in stock.")
    cid = _visitor(page)
    unsubscribe = _a_sent_message(runtime_of, cid)

    # Quiet hours and a cap.
    page.goto(live_server + "/preferences")
    page.locator("#messages-quiet-start").fill("22:30")
    page.locator("#messages-quiet-end").fill("07:00")
    page.locator("#messages-cap-inbox").fill("2")
    page.locator("#messages-daily-cap").fill("4")
    page.locator("#messages-save").click()
    expect(page.locator("#pc-status")).to_contain_text("Your message settings are saved.")
    expect(page.locator("#messages")).to_contain_text("Quiet hours: from 22:30 to 07:00.")
    expect(page.locator("#messages-cap-inbox")).to_have_value("2")
    with runtime_of.session() as session:
        terms = read_terms(session, customer_id=cid, settings=runtime_of.settings)
    assert not terms.triggers[Trigger.BACK_IN_STOCK]
    assert terms.channel_caps[Channel.INBOX] == 2
    assert terms.daily_cap == 4 and terms.quiet is not None and terms.quiet.start == 22 * 60 + 30

    # The history: what was sent, and why.
    history = page.locator(".pc-message-history")
    expect(history).to_contain_text("Trail shoe")
    expect(history).to_contain_text("price-drop messages are on")
    page.goto(live_server + "/preferences")  # without the notice over the section
    _shot(page, "messages_en")
    assert serious(page) == []

    # A preferred send time inside the quiet hours is refused at its field; nothing changes.
    page.locator("#messages-send-time").fill("23:00")
    page.locator("#messages-cap-inbox").fill("3")
    page.locator("#messages-save").click()
    error = page.locator("#messages-send-time-error")
    expect(error).to_have_text(
        "This time falls within your quiet hours; choose a time outside them.")
    expect(page.locator("#messages-send-time")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#messages-cap-inbox")).to_have_value("3")  # kept as typed
    _shot(page, "messages_error_en")
    assert serious(page) == []
    with runtime_of.session() as session:
        assert read_terms(session, customer_id=cid,
                          settings=runtime_of.settings).send_time is None

    # The message's one-click unsubscribe link stops price drops, and only them.
    page.goto(live_server + unsubscribe)
    expect(page.locator("#unsubscribe-what")).to_contain_text("Price drops")
    _shot(page, "unsubscribe_en", section=False)
    page.locator("#unsubscribe-confirm").click()
    expect(page.locator("#unsubscribe-done")).to_contain_text("Price drops")
    _shot(page, "unsubscribed_en", section=False)
    with runtime_of.session() as session:
        after = read_terms(session, customer_id=cid, settings=runtime_of.settings)
    assert not after.triggers[Trigger.PRICE_DROP]
    assert after.triggers[Trigger.NEW_FROM_FOLLOWED] and after.daily_cap == 4


def test_the_section_and_the_unsubscribe_page_speak_polish(
        live_server: str, runtime_of: Runtime, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pl-PL")
    try:
        page = context.new_page()
        _messages_in(page, live_server)
        page.locator("#trigger-abandoned_cart").click()
        expect(page.locator("#pc-status")).to_contain_text("Wiadomości włączone")
        cid = _visitor(page)
        page.goto(live_server + "/preferences")
        # (A cap over 20 the browser refuses itself: the field says min 0, max 20.)
        page.locator("#messages-quiet-start").fill("22:00")
        page.locator("#messages-quiet-end").fill("22:00")
        page.locator("#messages-save").click()
        expect(page.locator("#messages-quiet-end-error")).to_have_text(
            "Godziny ciszy muszą kończyć się o innej porze, niż się zaczynają.")
        _shot(page, "messages_error_pl")
        page.locator("#messages-quiet-end").fill("07:00")
        page.locator("#messages-locale").select_option("pl")
        page.locator("#messages-save").click()
        expect(page.locator("#pc-status")).to_contain_text("Ustawienia wiadomości zostały")
        unsubscribe = _a_sent_message(runtime_of, cid)
        page.goto(live_server + "/preferences")
        expect(page.locator(".pc-message-history")).to_contain_text("Trail shoe kosztuje")
        expect(page.locator("#messages")).to_contain_text("Godziny ciszy")
        expect(page.locator(".pc-message-history")).to_contain_text("Dostajesz tę wiadomość")
        _shot(page, "messages_pl")
        page.goto(live_server + unsubscribe)
        expect(page.locator("#unsubscribe-what")).to_contain_text("Obniżki cen")
        _shot(page, "unsubscribe_pl", section=False)
        page.locator("#unsubscribe-confirm").click()
        expect(page.locator("#unsubscribe-done")).to_be_visible()
        _shot(page, "unsubscribed_pl", section=False)
    finally:
        context.close()
