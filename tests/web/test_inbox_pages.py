"""The storefront's inbox: the header counts unread messages, the page lists what was
delivered to the account's inbox (subject, body, why, product links, unsubscribe), opening
one marks it read, and another customer's message stays out of reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from factories import add_products, product
from outbox_rows import queue
from prefero.messaging.models import OutboxMessage
from prefero.runtime import Runtime
from webforms import me, shopper

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAYLOAD = {"subject": "Cheaper now: Green tea", "body": "Green tea is down to 9 zł.",
           "why": "You asked to hear about price drops on items you like.",
           "links": ["/p/tea"], "unsubscribe_url": "/messages/unsubscribe?token=t1"}


def _deliver(runtime: Runtime, customer_id: str, *, count: int, prefix: str) -> list[int]:
    with runtime.session(write=True) as session:
        ids = queue(session, customer_id=customer_id, count=count, at=NOW, prefix=prefix,
                    payload=PAYLOAD)
        for minute, message_id in enumerate(ids):
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status="sent", sent_at=NOW + timedelta(minutes=minute)))
    return ids


@pytest.fixture
def web(client: TestClient, runtime: Runtime) -> TestClient:
    with runtime.session(write=True) as session:
        add_products(session, [product("tea", category="Groceries > Tea",
                                       title="Sencha green tea")])
    return shopper(client)


def test_the_inbox_lists_messages_and_the_header_counts_the_unread(
        web: TestClient, runtime: Runtime) -> None:
    assert "No messages yet" in web.get("/inbox").text
    ids = _deliver(runtime, me(web), count=2, prefix="a")
    html = web.get("/inbox").text
    assert 'id="inbox-link"' in html and "2 unread messages" in html
    for text in ("Cheaper now: Green tea", "Green tea is down to 9 zł.",
                 "You asked to hear about price drops", 'href="/p/tea"', "Sencha green tea",
                 'href="/messages/unsubscribe?token=t1"'):
        assert text in html
    # Newest first.
    assert html.index(f'data-message-id="{ids[1]}"') < html.index(f'data-message-id="{ids[0]}"')


def test_opening_a_message_marks_it_read(web: TestClient, runtime: Runtime) -> None:
    ids = _deliver(runtime, me(web), count=2, prefix="a")
    opened = web.get(f"/inbox/{ids[0]}")
    assert opened.status_code == 200
    assert '<h1 id="message-subject">Cheaper now: Green tea</h1>' in opened.text
    assert "1 unread message" in web.get("/inbox").text
    with runtime.session() as session:
        row = session.get(OutboxMessage, ids[0])
        assert row is not None and row.engaged_at is not None


def test_another_customers_message_cannot_be_opened(web: TestClient, runtime: Runtime) -> None:
    [theirs] = _deliver(runtime, "someone-else", count=1, prefix="b")
    answer = web.get(f"/inbox/{theirs}")
    assert answer.status_code == 404
    assert "Cheaper now" not in answer.text
    with runtime.session() as session:
        row = session.get(OutboxMessage, theirs)
        assert row is not None and row.engaged_at is None


def test_the_inbox_speaks_polish(web: TestClient, runtime: Runtime) -> None:
    _deliver(runtime, me(web), count=3, prefix="a")
    web.cookies.set("lang", "pl")
    html = web.get("/inbox").text
    assert "Twoje wiadomości" in html and "3 nieprzeczytane wiadomości" in html
    assert "Dlaczego to dostajesz" in html
