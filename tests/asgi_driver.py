"""Drive an ASGI app with a request body that is produced lazily and counted as it is pulled,
to prove what the server reads (TestClient reads a streamed body whole before the app runs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.types import ASGIApp, Message

__all__ = ["Answer", "CountingBody", "call"]


class CountingBody:
    """``size`` bytes of ``fill`` in ``chunk``-sized pieces, never allocated whole; ``pulled``
    is how many bytes the application has asked for so far."""

    def __init__(self, size: int, *, fill: bytes = b"x", chunk: int = 1 << 16) -> None:
        self.size = size
        self.pulled = 0
        self._piece = (fill * (chunk // len(fill) + 1))[:chunk]

    def __iter__(self) -> Iterator[bytes]:
        left = self.size
        while left > 0:
            piece = self._piece[:left]
            left -= len(piece)
            self.pulled += len(piece)
            yield piece


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return orjson.loads(self.body)


async def _call(app: ASGIApp, method: str, path: str, headers: dict[str, str],
                body: Iterable[bytes], client: tuple[str, int]) -> Answer:
    pieces = iter(body)
    answer = Answer(0)
    finished = False

    async def receive() -> Message:
        nonlocal finished
        if finished:
            return {"type": "http.disconnect"}
        try:
            return {"type": "http.request", "body": next(pieces), "more_body": True}
        except StopIteration:
            finished = True
            return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            assert answer.status == 0, "two responses"
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")

    route, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": route, "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "", "server": ("testserver", 80), "client": client,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await app(scope, receive, send)
    return answer


def call(app: ASGIApp, method: str, path: str, *, headers: dict[str, str] | None = None,
         body: Iterable[bytes] = (), client: tuple[str, int] = ("198.51.100.1", 4000)
         ) -> Answer:
    """One request, answered synchronously; the body is pulled only as the app asks."""
    return asyncio.run(_call(app, method, path, dict(headers or {}), body, client))
