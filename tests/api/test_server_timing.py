"""Every answer says how long the server worked on it (``Server-Timing: app;dur=…``): API
answers, pages, and the answers the middleware gives before any route (401, 404)."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from prefero.api.server_timing import ServerTiming, server_time_ms


def test_api_answers_pages_and_refusals_carry_the_server_time(client: TestClient) -> None:
    for path, status, headers in (("/v1/recommendations", 200, {}),
                                  ("/", 200, {}),
                                  ("/v1/recommendations", 401, {"X-API-Key": ""}),
                                  ("/no-such-page", 404, {})):
        answer = client.get(path, headers=headers)
        assert answer.status_code == status, path
        took = server_time_ms(answer.headers.get("server-timing"))
        assert took is not None and took >= 0, (path, answer.headers.get("server-timing"))


def test_the_time_runs_until_the_answer_starts() -> None:
    """A handler that waits 50 ms before answering is reported as about that long (the
    event loop may wake a clock tick early)."""

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.05)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[Message] = []

    async def record(message: Message) -> None:
        sent.append(message)

    async def nothing() -> Message:
        return {"type": "http.request", "body": b""}

    asyncio.run(ServerTiming(slow)({"type": "http"}, nothing, record))
    headers = dict(sent[0]["headers"])
    took = server_time_ms(headers[b"server-timing"].decode())
    assert took is not None and took >= 45.0
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}
