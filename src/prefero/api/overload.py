"""Admission control and liveness, as a pure ASGI middleware in front of everything else.

``/healthz`` is answered here, before any other middleware, dependency, thread or database
connection is involved: it says the process and its event loop are alive, within
milliseconds, under any load.

Every other request takes one of ``max_in_flight`` slots of this worker process. When all
are taken it waits at most ``admission_wait_seconds`` for one and is otherwise answered 503
problem+json with ``Retry-After``: an overloaded worker says so at once instead of queueing
requests until clients give up. The limit stays below the thread pool (40 threads) and the
database pool is sized from it, so an admitted request never waits for either behind
requests that wait in turn (the stall measured in docs/benchmarks.md, "Never stall").

Shoppers' pages go first. A request outside the API (``/v1/``) that finds every slot taken
gets the next one freed before any API call waiting longer: a person is waiting for the
page, a shop's server for the API call, and under a saturating API load a page otherwise
queued behind a worker's whole backlog of API calls (measured in docs/benchmarks.md).
"""

from __future__ import annotations

from collections import deque

import anyio
import orjson
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from prefero.api.errors import problem
from prefero.api.routes.health import liveness
from prefero.errors import Overloaded
from prefero.runtime import Runtime

__all__ = ["AdmissionControl", "install_overload"]

_LIVENESS_METHODS = frozenset({"GET", "HEAD"})
#: Where the API's routes begin: everything else (pages, their assets) is a shopper's.
_API = "/v1/"


class _Slots:
    """``limit`` slots; a freed slot goes to the longest-waiting first-class waiter, then
    to the longest-waiting other one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.free = limit
        self._waiting: tuple[deque[anyio.Event], deque[anyio.Event]] = (deque(), deque())

    def try_acquire(self) -> bool:
        if self.free > 0:
            self.free -= 1
            return True
        return False

    async def acquire(self, *, first: bool) -> None:
        """Wait for a slot handed over by ``release``; on cancellation, give back a slot
        handed over meanwhile (or leave the queue)."""
        granted = anyio.Event()
        queue = self._waiting[0 if first else 1]
        queue.append(granted)
        try:
            await granted.wait()
        except BaseException:
            if granted.is_set():
                self.release()
            else:
                queue.remove(granted)
            raise

    def release(self) -> None:
        for queue in self._waiting:
            if queue:
                queue.popleft().set()  # the slot passes on without ever being free
                return
        self.free += 1


class AdmissionControl:
    """At most ``limit`` requests at once in the wrapped app; ``/healthz`` answered first;
    a waiting page before a waiting API call."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.limit = runtime.settings.max_in_flight
        self.wait = runtime.settings.admission_wait_seconds
        self.slots = _Slots(self.limit)

    @property
    def in_flight(self) -> int:
        return self.limit - self.slots.free

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == "/healthz" and scope["method"] in _LIVENESS_METHODS:
            await self._alive(scope, send)
            return
        if not self.slots.try_acquire():
            admitted = False
            with anyio.move_on_after(self.wait):
                await self.slots.acquire(first=not path.startswith(_API))
                admitted = True
            if not admitted:
                await self._refuse(scope, receive, send)
                return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()

    async def _alive(self, scope: Scope, send: Send) -> None:
        body = orjson.dumps(liveness(self.runtime))
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else body})

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        busy = Overloaded(f"this worker is serving its maximum of {self.limit} requests; "
                          f"retry shortly")
        response = problem(busy.status, busy.slug, busy.title, busy.detail,
                           headers={"Retry-After": str(busy.retry_after)})
        await response(scope, receive, send)


def install_overload(app: FastAPI, runtime: Runtime) -> None:
    """Answer ``/healthz`` first and shed requests beyond ``max_in_flight`` with 503."""
    app.add_middleware(AdmissionControl, runtime=runtime)
