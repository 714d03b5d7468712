"""A kept-alive connection serves at most ``requests_per_connection`` requests, then closes.

Several workers share one listening socket, and a connection belongs to the worker that
accepted it for as long as it lives. Shops call the API from a few pooled, kept-alive
connections, so whichever worker happened to accept those carried most of the load: in the
soak (docs/benchmarks.md) one worker burnt 2.3 times the CPU of the other and shed 503s while
its neighbour idled. Closing a connection now and then makes the client open a new one, and
the worker that accepts it is the one whose event loop is free: the load evens itself out
at the cost of one TCP handshake per ``requests_per_connection`` requests.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefero.runtime import Runtime

__all__ = ["KeepAliveLimit", "install_keepalive_limit"]

# Connections whose count is remembered; past this the memory is simply cleared (a count
# that restarts only postpones one close).
_TRACKED = 4096


class KeepAliveLimit:
    """Adds ``Connection: close`` to every ``limit``-th response on a connection."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        # (client address, client port) names one open connection.
        self.served: dict[tuple[str, int], int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not client:
            await self.app(scope, receive, send)
            return
        peer = (client[0], client[1])
        count = self.served.get(peer, 0) + 1
        if count < self.limit:
            if len(self.served) >= _TRACKED:
                self.served.clear()
            self.served[peer] = count
            await self.app(scope, receive, send)
            return
        self.served.pop(peer, None)

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)


def install_keepalive_limit(app: FastAPI, runtime: Runtime) -> None:
    """Close each connection after ``requests_per_connection`` requests (0: never)."""
    limit = runtime.settings.requests_per_connection
    if limit > 0:
        app.add_middleware(KeepAliveLimit, limit=limit)
