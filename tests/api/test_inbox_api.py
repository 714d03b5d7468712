"""The inbox API: delivered inbox messages only, newest first, paged by cursor, the unread
count, marking read, and the customer's own token reaching only its own inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from customer_tokens import bearer, token_for
from outbox_rows import queue
from prefero.messaging.models import OutboxMessage
from prefero.runtime import Runtime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _delivered(runtime: Runtime, *, customer_id: str, count: int, prefix: str,
               channel: str = "inbox") -> list[int]:
    """``count`` messages delivered a minute apart (the last newest)."""
    with runtime.session(write=True) as session:
        ids = queue(session, customer_id=customer_id, count=count, at=NOW, prefix=prefix,
                    channel=channel, payload={
                        "subject": "Cheaper now", "body": "Tea is down to 9 zł.",
                        "why": "You asked to hear about price drops on items you like.",
                        "links": ["/products/tea-1"],
                        "unsubscribe_url": "/messages/unsubscribe?token=t"})
        for minute, message_id in enumerate(ids):
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status="sent", sent_at=NOW + timedelta(minutes=minute)))
    return ids


def test_the_inbox_lists_delivered_messages_newest_first_in_pages(
        client: TestClient, runtime: Runtime) -> None:
    ids = _delivered(runtime, customer_id="c1", count=5, prefix="a")
    _delivered(runtime, customer_id="c1", count=1, prefix="e", channel="email")
    with runtime.session(write=True) as session:  # queued, not delivered yet: not shown
        queue(session, customer_id="c1", at=NOW, prefix="q")
    _delivered(runtime, customer_id="c2", count=2, prefix="b")
    first = client.get("/v1/customers/c1/inbox", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert page["unread"] == 5
    item = page["items"][0]
    assert item["why"].startswith("You asked") and item["links"] == ["/products/tea-1"]
    assert item["unsubscribe_url"] == "/messages/unsubscribe?token=t"
    assert item["read_at"] is None
    seen = [i["id"] for i in page["items"]]
    while page["next_cursor"]:
        page = client.get("/v1/customers/c1/inbox",
                          params={"limit": 2, "cursor": page["next_cursor"]}).json()
        seen += [i["id"] for i in page["items"]]
    assert seen == ids[::-1]


def test_reading_a_message_marks_it_once_and_lowers_the_unread_count(
        client: TestClient, runtime: Runtime) -> None:
    ids = _delivered(runtime, customer_id="c1", count=2, prefix="a")
    read = client.post(f"/v1/customers/c1/inbox/{ids[0]}/read")
    assert read.status_code == 200, read.text
    first_time = read.json()["read_at"]
    assert first_time is not None
    again = client.post(f"/v1/customers/c1/inbox/{ids[0]}/read").json()
    assert again["read_at"] == first_time
    assert client.get("/v1/customers/c1/inbox").json()["unread"] == 1


def test_another_customers_message_is_not_found(client: TestClient, runtime: Runtime) -> None:
    _delivered(runtime, customer_id="c1", count=1, prefix="a")
    [other] = _delivered(runtime, customer_id="c2", count=1, prefix="b")
    answer = client.post(f"/v1/customers/c1/inbox/{other}/read")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    with runtime.session() as session:
        row = session.get(OutboxMessage, other)
        assert row is not None and row.engaged_at is None


def test_a_customer_token_reads_its_own_inbox_only(client: TestClient,
                                                   runtime: Runtime) -> None:
    _delivered(runtime, customer_id="c1", count=1, prefix="a")
    _delivered(runtime, customer_id="c2", count=1, prefix="b")
    own = bearer(token_for(runtime.settings, "c1"))
    assert client.get("/v1/customers/c1/inbox", headers={**own, "X-API-Key": ""}
                      ).status_code == 200
    assert client.get("/v1/customers/c2/inbox", headers={**own, "X-API-Key": ""}
                      ).status_code == 403


def test_bad_paging_is_refused_with_the_field_named(client: TestClient,
                                                    runtime: Runtime) -> None:
    _delivered(runtime, customer_id="c1", count=1, prefix="a")
    for params, loc in (({"cursor": "not-a-cursor"}, ["query", "cursor"]),
                        ({"limit": 0}, ["query", "limit"]),
                        ({"limit": 1000}, ["query", "limit"])):
        answer = client.get("/v1/customers/c1/inbox", params=params)
        assert answer.status_code == 422, answer.text
        assert loc in [error["loc"] for error in answer.json()["errors"]]
    assert client.post("/v1/customers/c1/inbox/abc/read").status_code == 422
