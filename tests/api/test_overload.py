"""Admission control: beyond max_in_flight a request waits briefly, then gets 503 problem+json
with Retry-After; /healthz is answered before any of it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from prefero.api.overload import AdmissionControl, _Slots
from prefero.config import Settings
from prefero.runtime import Runtime


def _runtime(tmp_path: Path) -> Runtime:
    return Runtime(Settings(data_dir=tmp_path, max_in_flight=1, admission_wait_seconds=0.05))


def test_a_full_worker_answers_503_at_once_and_healthz_still_answers(tmp_path: Path) -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        entered.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    runtime = _runtime(tmp_path)
    app = AdmissionControl(slow, runtime=runtime)

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = asyncio.create_task(client.get("/v1/search?q=x"))
            await entered.wait()
            busy = app.in_flight
            refused = await asyncio.wait_for(client.get("/v1/search?q=y"), 1.0)
            alive = await asyncio.wait_for(client.get("/healthz"), 1.0)
            release.set()
            return await first, refused, alive, busy

    try:
        first, refused, alive, busy = asyncio.run(scenario())
    finally:
        runtime.close()
    assert busy == 1
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["type"].endswith("/overloaded")
    assert alive.status_code == 200
    assert alive.json()["status"] == "ok"
    assert first.status_code == 200  # the admitted request was never disturbed
    assert app.in_flight == 0  # its slot came back


def test_a_request_waiting_briefly_gets_the_freed_slot(tmp_path: Path) -> None:
    async def quick(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.01)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    runtime = _runtime(tmp_path)
    app = AdmissionControl(quick, runtime=runtime)

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = await asyncio.gather(client.get("/a"), client.get("/b"))
            return [answer.status_code for answer in answers]

    try:
        # One slot, two requests: the second waits 10 ms of the 50 ms it may, then runs.
        assert asyncio.run(scenario()) == [204, 204]
    finally:
        runtime.close()


class _Held:
    """An app that records the paths it serves and holds ``/v1/held`` until released."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered.append(scope["path"])
        if scope["path"] == "/v1/held":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _admitted(app: AdmissionControl,
              scenario: Callable[[httpx.AsyncClient], Awaitable[list[int]]]) -> list[int]:
    """Runs ``scenario`` with a client of ``app``; the statuses it returns."""

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await scenario(client)

    try:
        return asyncio.run(run())
    finally:
        app.runtime.close()


def test_a_waiting_page_gets_the_freed_slot_before_a_waiting_api_call(tmp_path: Path) -> None:
    held = _Held()
    app = AdmissionControl(held, runtime=Runtime(Settings(
        data_dir=tmp_path, max_in_flight=1, admission_wait_seconds=2)))

    async def scenario(client: httpx.AsyncClient) -> list[int]:
        first = asyncio.create_task(client.get("/v1/held"))
        await asyncio.sleep(0.01)
        api = asyncio.create_task(client.get("/v1/recommendations"))
        await asyncio.sleep(0.02)  # the API call queues first
        page = asyncio.create_task(client.get("/search"))
        await asyncio.sleep(0.02)
        held.release.set()
        return [answer.status_code for answer in await asyncio.gather(first, api, page)]

    assert _admitted(app, scenario) == [204, 204, 204]
    assert held.entered == ["/v1/held", "/search", "/v1/recommendations"]
    assert app.in_flight == 0


def test_a_waiter_that_gives_up_leaves_no_slot_behind(tmp_path: Path) -> None:
    held = _Held()
    app = AdmissionControl(held, runtime=_runtime(tmp_path))

    async def scenario(client: httpx.AsyncClient) -> list[int]:
        first = asyncio.create_task(client.get("/v1/held"))
        await asyncio.sleep(0.01)
        refused = await asyncio.gather(client.get("/page"), client.get("/v1/x"))
        held.release.set()
        after = await client.get("/again")
        return [(await first).status_code, *(r.status_code for r in refused),
                after.status_code]

    assert _admitted(app, scenario) == [204, 503, 503, 204]
    assert app.in_flight == 0


def test_slots_beyond_api_in_flight_are_kept_for_pages(tmp_path: Path) -> None:
    held = _Held()
    app = AdmissionControl(held, runtime=Runtime(Settings(
        data_dir=tmp_path, max_in_flight=2, api_in_flight=1, admission_wait_seconds=2)))

    async def scenario(client: httpx.AsyncClient) -> list[int]:
        first = asyncio.create_task(client.get("/v1/held"))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(client.get("/v1/waits"))
        await asyncio.sleep(0.01)
        page = await asyncio.wait_for(client.get("/p/1"), 1.0)  # the kept slot
        assert held.entered == ["/v1/held", "/p/1"]  # the second API call still waits
        held.release.set()
        return [page.status_code, (await first).status_code, (await second).status_code]

    assert _admitted(app, scenario) == [204, 204, 204]
    assert held.entered == ["/v1/held", "/p/1", "/v1/waits"]
    assert app.in_flight == 0


def test_a_refusal_names_the_limit_that_applied(tmp_path: Path) -> None:
    held = _Held()
    app = AdmissionControl(held, runtime=Runtime(Settings(
        data_dir=tmp_path, max_in_flight=2, api_in_flight=1, admission_wait_seconds=0.02)))

    async def page_held(scope: Scope, receive: Receive, send: Send) -> None:
        await held.release.wait()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    details: list[str] = []

    async def scenario(client: httpx.AsyncClient) -> list[int]:
        first = asyncio.create_task(client.get("/v1/held"))  # the one API slot
        await asyncio.sleep(0.01)
        refused_api = await client.get("/v1/more")
        app.app = page_held  # from here on every request holds its slot
        page = asyncio.create_task(client.get("/p/1"))  # the worker's last slot
        await asyncio.sleep(0.01)
        refused_page = await client.get("/p/2")
        details.extend(answer.json()["detail"] for answer in (refused_api, refused_page))
        held.release.set()
        return [(await first).status_code, refused_api.status_code, (await page).status_code,
                refused_page.status_code]

    assert _admitted(app, scenario) == [204, 503, 204, 503]
    assert "API requests" in details[0] and "(1)" in details[0]
    assert "API requests" not in details[1] and "(2)" in details[1]


def test_a_slot_handed_to_a_waiter_cancelled_before_it_ran_passes_on() -> None:
    """The slot a release hands over is not lost when its waiter is cancelled (a client gone,
    the admission wait over) before it resumes: it goes to the next waiter, or back."""

    async def scenario() -> tuple[int, int, bool]:
        slots = _Slots(1, api_limit=1)
        assert slots.try_acquire(page=False)
        first = asyncio.create_task(slots.acquire(page=False))
        second = asyncio.create_task(slots.acquire(page=True))
        await asyncio.sleep(0)  # both wait now
        slots.release(page=False)  # handed to the page that waits
        second.cancel()  # ... which is cancelled before it runs again
        await asyncio.gather(second, return_exceptions=True)
        await asyncio.wait_for(first, 1.0)  # so the API call that waited gets it
        busy_with_first = slots.busy
        slots.release(page=False)
        return busy_with_first, slots.busy, slots.try_acquire(page=True)

    assert asyncio.run(scenario()) == (1, 0, True)
