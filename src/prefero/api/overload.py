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

Shoppers' pages go first. API requests (``/v1/``) take at most ``api_in_flight`` of the
slots, the rest are kept for pages (and their assets), and a page that finds every slot
taken gets the next one freed before any API request waiting longer. A person waits for the
page, a shop's server for the API call: under a saturating API load a page otherwise queued
behind its worker's backlog of API calls and then shared the worker's one interpreter lock
with three of them (measured in docs/benchmarks.md). Limiting the API costs it no
throughput while its work is CPU under that lock.
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
    """``limit`` slots, of which API requests take at most ``api_limit``; a freed slot goes
    to the longest-waiting page, then to the longest-waiting API request that may have it."""

    def __init__(self, limit: int, *, api_limit: int) -> None:
        self.limit = limit
        self.api_limit = min(api_limit, limit)
        self.busy = 0
        self.api = 0
        self._pages: deque[anyio.Event] = deque()
        self._calls: deque[anyio.Event] = deque()

    def _may_enter(self, *, page: bool) -> bool:
        return self.busy < self.limit and (page or self.api < self.api_limit)

    def _take(self, *, page: bool) -> None:
        self.busy += 1
        self.api += not page

    def try_acquire(self, *, page: bool) -> bool:
        if self._may_enter(page=page) and not (self._pages if page else self._calls):
            self._take(page=page)
            return True
        return False

    async def acquire(self, *, page: bool) -> None:
        """Wait for a slot handed over by ``release``; on cancellation, give back a slot
        handed over meanwhile (or leave the queue)."""
        granted = anyio.Event()
        queue = self._pages if page else self._calls
        queue.append(granted)
        try:
            await granted.wait()
        except BaseException:
            if granted.is_set():
                self.release(page=page)
            else:
                queue.remove(granted)
            raise

    def release(self, *, page: bool) -> None:
        self.busy -= 1
        self.api -= not page
        # Each freed slot passes on at once, counted as taken, so that no newcomer can
        # slip in between.
        while True:
            if self._pages and self._may_enter(page=True):
                self._take(page=True)
                self._pages.popleft().set()
            elif self._calls and self._may_enter(page=False):
                self._take(page=False)
                self._calls.popleft().set()
            else:
                return


class AdmissionControl:
    """At most ``limit`` requests at once in the wrapped app; ``/healthz`` answered first;
    a waiting page before a waiting API call."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.limit = runtime.settings.max_in_flight
        self.wait = runtime.settings.admission_wait_seconds
        self.slots = _Slots(self.limit, api_limit=runtime.settings.api_in_flight)

    @property
    def in_flight(self) -> int:
        return self.slots.busy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == "/healthz" and scope["method"] in _LIVENESS_METHODS:
            await self._alive(scope, send)
            return
        page = not path.startswith(_API)
        if not self.slots.try_acquire(page=page):
            admitted = False
            with anyio.move_on_after(self.wait):
                await self.slots.acquire(page=page)
                admitted = True
            if not admitted:
                await self._refuse(scope, receive, send, page=page)
                return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release(page=page)

    async def _alive(self, scope: Scope, send: Send) -> None:
        body = orjson.dumps(liveness(self.runtime))
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else body})

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, *, page: bool
                      ) -> None:
        api_bound = not page and self.slots.api >= self.slots.api_limit
        what, limit = ("API requests", self.slots.api_limit) if api_bound else (
            "requests", self.limit)
        busy = Overloaded(f"this worker is busy with as many {what} as it serves at once "
                          f"({limit}); retry shortly")
        response = problem(busy.status, busy.slug, busy.title, busy.detail,
                           headers={"Retry-After": str(busy.retry_after)})
        await response(scope, receive, send)


def install_overload(app: FastAPI, runtime: Runtime) -> None:
    """Answer ``/healthz`` first and shed requests beyond ``max_in_flight`` with 503."""
    app.add_middleware(AdmissionControl, runtime=runtime)
