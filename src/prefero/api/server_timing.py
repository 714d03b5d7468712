"""``Server-Timing: app;dur=…`` on every response: how long this process worked on the
request before it began to answer, in milliseconds.

Browsers show it beside each request (developer tools, Resource Timing's ``serverTiming``),
so a shop sees its pages' server time apart from the network's; ``prefero bench http``'s
page probe reads it to report the server time of search and product pages under load next
to the time to their last byte, which also counts the queue in front of the workers.

The clock starts when the request reaches the application (after the server parsed it) and
stops at the response's first message; a page is rendered in full before that, so its time
is the whole of its work, the wait for an admission slot (``prefero.api.overload``)
included: the worker's own queue is part of what it makes a shopper wait. Only the total is
sent: no breakdown tells a client more about the request path than it can time itself.
"""

from __future__ import annotations

import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServerTiming", "install_server_timing", "server_time_ms"]

HEADER = b"server-timing"


class ServerTiming:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000.0
                message = {**message, "headers": [
                    *message.get("headers", ()), (HEADER, b"app;dur=%.1f" % took)]}
            await send(message)

        await self.app(scope, receive, send_with_timing)


def server_time_ms(header: str | None) -> float | None:
    """The ``app`` duration of a ``Server-Timing`` header, if it names one.

    >>> server_time_ms("db;dur=2, app;dur=12.5")
    12.5
    >>> server_time_ms(None) is None, server_time_ms("app") is None
    (True, True)
    """
    for metric in (header or "").split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if name != "app":
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "dur":
                try:
                    return float(value)
                except ValueError:
                    return None
    return None


def install_server_timing(app: FastAPI) -> None:
    """Outermost, so that the time covers every middleware of ours too."""
    app.add_middleware(ServerTiming)
