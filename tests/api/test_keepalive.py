"""Each kept-alive connection is closed after ``requests_per_connection`` requests."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from prefero.api.keepalive import KeepAliveLimit


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"connection", b"keep-alive")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _connection(app: KeepAliveLimit, port: int) -> list[bytes]:
    """The response's Connection header values for one request on connection ``port``."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/",
                             "client": ("127.0.0.1", port), "headers": []}
    asyncio.run(app(scope, receive, send))
    return [value for name, value in sent[0]["headers"] if name == b"connection"]


def test_every_nth_response_on_a_connection_closes_it_and_the_count_restarts() -> None:
    app = KeepAliveLimit(_ok, limit=3)
    closes = [_connection(app, 5000) for _ in range(7)]
    # The close replaces the app's own header: one Connection header, never two.
    assert closes == [[b"keep-alive"], [b"keep-alive"], [b"close"],
                      [b"keep-alive"], [b"keep-alive"], [b"close"], [b"keep-alive"]]


def test_connections_are_counted_apart() -> None:
    app = KeepAliveLimit(_ok, limit=2)
    assert _connection(app, 1) == [b"keep-alive"]
    assert _connection(app, 2) == [b"keep-alive"]
    assert _connection(app, 1) == [b"close"]
    assert _connection(app, 2) == [b"close"]
    assert app.served == {}  # closed connections are forgotten
