"""Push and the shop's own sender against a real HTTP receiver started by the test: the
idempotency key, the HMAC signature, and which answers are retried."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from prefero.bench.message_receivers import free_port, http_receiver
from prefero.messaging.channels import DeliveryFailed, RefusedForGood
from prefero.messaging.channels.webhook import SIGNATURE_HEADER, WebhookSender, sign, verify
from prefero.messaging.outbox import Claimed

SECRET = "s" * 40
KEY = "b" * 64
PAYLOAD: dict[str, Any] = {"subject": "Back in stock", "body": "Zielona herbata wróciła.",
                           "why": "You asked", "links": [], "unsubscribe_url": "u"}


def _claimed() -> Claimed:
    return Claimed(id=7, attempt=1, dedup_key=KEY, customer_id="c-1", channel="webhook",
                   trigger="back_in_stock", subject_key="tea", locale="pl", payload=PAYLOAD,
                   lease_until=datetime(2026, 12, 1, tzinfo=UTC))


def test_the_receiver_gets_signed_json_with_the_idempotency_key() -> None:
    with http_receiver(SECRET) as receiver:
        sender = WebhookSender(url=receiver.url, secret=SECRET, timeout_seconds=5)
        sender.deliver(_claimed())
        sender.close()
    assert receiver.bad_signatures == 0
    assert receiver.keys == {KEY: 1}
    [headers] = receiver.headers
    assert headers["Idempotency-Key"] == KEY
    assert headers["Content-Type"] == "application/json"
    body = receiver.bodies[KEY]
    assert body["message"] == PAYLOAD and body["customer_id"] == "c-1"
    assert (body["trigger"], body["locale"], body["id"]) == ("back_in_stock", "pl", KEY)


def test_a_receiver_with_another_secret_refuses_and_the_message_is_not_retried() -> None:
    with http_receiver("another secret entirely, 40 characters") as receiver:
        sender = WebhookSender(url=receiver.url, secret=SECRET, timeout_seconds=5)
        with pytest.raises(RefusedForGood, match="HTTP 401"):
            sender.deliver(_claimed())
    assert receiver.bad_signatures == 1 and not receiver.keys


def test_a_5xx_or_no_answer_is_retried() -> None:
    with http_receiver(SECRET, fail_first=1) as receiver:
        sender = WebhookSender(url=receiver.url, secret=SECRET, timeout_seconds=5)
        with pytest.raises(DeliveryFailed, match="HTTP 503") as raised:
            sender.deliver(_claimed())
        assert not isinstance(raised.value, RefusedForGood)
        sender.deliver(_claimed())  # back up: delivered
    assert receiver.keys == {KEY: 1}
    silent = WebhookSender(url=f"http://127.0.0.1:{free_port()}/", secret=SECRET,
                           timeout_seconds=2)
    with pytest.raises(DeliveryFailed):
        silent.deliver(_claimed())


def test_the_signature_covers_the_body_and_the_time() -> None:
    body = json.dumps({"a": 1}).encode()
    now = int(time.time())
    header = sign(body, secret=SECRET, timestamp=now)
    assert verify(body, header, secret=SECRET, now=now)
    assert not verify(body + b" ", header, secret=SECRET, now=now)
    assert not verify(body, header, secret=SECRET + "x", now=now)
    assert not verify(body, header, secret=SECRET, now=now + 3600)  # a replay, later
    assert not verify(body, "v1=deadbeef", secret=SECRET, now=now)
    assert SIGNATURE_HEADER == "Prefero-Signature"
