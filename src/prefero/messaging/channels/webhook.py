"""Push and the shop's own sender: the message POSTed as signed JSON (httpx).

``Idempotency-Key: <dedup key>`` lets the receiver drop a redelivery after a worker crash.
``Prefero-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (the scheme
Stripe's webhooks use) proves the body came from Prefero and is recent: a receiver
recomputes the HMAC with the shared ``webhook_secret``, compares it in constant time, and
refuses a timestamp far from its clock, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from prefero.messaging.channels.base import DeliveryFailed, RefusedForGood
from prefero.messaging.outbox import Claimed

__all__ = ["SIGNATURE_HEADER", "WebhookSender", "body_of", "sign", "verify"]

SIGNATURE_HEADER = "Prefero-Signature"


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``.

    >>> sign(b"{}", secret="s", timestamp=1).startswith("t=1,v1=")
    True
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(body: bytes, header: str, *, secret: str, now: float,
           tolerance_seconds: float = 300.0) -> bool:
    """What a receiver checks (used by the tests and the benchmark's receiver).

    >>> header = sign(b"{}", secret="s", timestamp=100)
    >>> verify(b"{}", header, secret="s", now=120), verify(b"{ }", header, secret="s", now=120)
    (True, False)
    >>> verify(b"{}", header, secret="s", now=1000)
    False
    """
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = sign(body, secret=secret, timestamp=timestamp).rpartition("v1=")[2]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def body_of(message: Claimed) -> bytes:
    """The JSON the receiver gets: who, what, why, in which language, and the rendered
    payload (subject, body, why, links, unsubscribe_url)."""
    document: dict[str, Any] = {
        "id": message.dedup_key,
        "customer_id": message.customer_id,
        "channel": message.channel,
        "trigger": message.trigger,
        "subject_key": message.subject_key,
        "locale": message.locale,
        "message": message.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()


class WebhookSender:
    """POSTs to one URL (the shop's push sender or its own sender). A 2xx is delivered; a
    408, 429 or 5xx (or no answer) is retried; any other 4xx is the message refused for
    good. Redirects are not followed: a signed body goes only where it was configured to."""

    def __init__(self, *, url: str, secret: str, timeout_seconds: float,
                 client: httpx.Client | None = None) -> None:
        self._url = url
        self._secret = secret
        self._client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def deliver(self, message: Claimed) -> None:
        body = body_of(message)
        headers = {"Content-Type": "application/json",
                   "Idempotency-Key": message.dedup_key,
                   SIGNATURE_HEADER: sign(body, secret=self._secret,
                                          timestamp=int(time.time()))}
        try:
            response = self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"POST {self._url}: {exc!r}") from exc
        if response.is_success:
            return
        detail = f"POST {self._url}: HTTP {response.status_code} {response.text[:300]}"
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise DeliveryFailed(detail)
        raise RefusedForGood(detail)

    def close(self) -> None:
        self._client.close()
