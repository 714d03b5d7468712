"""One-click unsubscribe: the confirmation page, the RFC 8058 POST without a session or CSRF
token, and bad or expired links that change nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from message_terms_shop import customer, drop, offered, outbox
from prefero.api.app import create_app
from prefero.messaging.kinds import Trigger
from prefero.messaging.terms import read_terms
from prefero.messaging.unsubscribe import sign_unsubscribe
from prefero.runtime import Runtime

LATE = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # quiet hours in Warsaw: the row waits


def test_one_click_stops_the_trigger_and_cancels_its_waiting_messages(
        runtime: Runtime) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1", zone="Europe/Warsaw")
        (row,) = offered(session, drop("c1"), LATE, s)
        url = row.payload["unsubscribe_url"].removeprefix(s.messages_base_url)
    with TestClient(create_app(runtime=runtime)) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and "Price drops" in page.text
        with runtime.session() as session:  # looking changes nothing
            assert read_terms(session, customer_id="c1", settings=s).triggers[
                Trigger.PRICE_DROP]
        # What a mail client sends: no cookie, no CSRF token, another origin.
        done = browser.post(url, data={"List-Unsubscribe": "One-Click"},
                            headers={"Origin": "https://mail.example"})
    assert done.status_code == 200 and "unsubscribe-done" in done.text
    with runtime.session() as session:
        terms = read_terms(session, customer_id="c1", settings=s)
        assert not terms.triggers[Trigger.PRICE_DROP]
        assert terms.triggers[Trigger.BACK_IN_STOCK]
        assert [r.status for r in outbox(session, "c1")] == ["cancelled"]


def test_a_forged_or_expired_link_changes_nothing(runtime: Runtime) -> None:
    s = runtime.settings
    with runtime.session() as session:
        customer(session, s, "c1")
    old = sign_unsubscribe(s, customer_id="c1", trigger=Trigger.PRICE_DROP,
                           now=time.time() - (s.unsubscribe_link_days + 1) * 86_400)
    good = sign_unsubscribe(s, customer_id="c1", trigger=Trigger.PRICE_DROP)
    with TestClient(create_app(runtime=runtime)) as browser:
        for token in (old, good[:-3] + "AAA", "", "x" * 50):
            answer = browser.post(f"/messages/unsubscribe?token={token}")
            assert answer.status_code == 400
            assert "Nothing was changed" in answer.text
        polish = browser.get(f"/messages/unsubscribe?token={old}",
                             headers={"Accept-Language": "pl"})
        assert "Link wygasł" in polish.text
    with runtime.session() as session:
        assert read_terms(session, customer_id="c1", settings=s).triggers[Trigger.PRICE_DROP]
