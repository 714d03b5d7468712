"""Rate limits per API key, per customer and per client IP, counted by the ``limits`` library.

Each request costs one counter increment in one bucket, chosen by who is calling:

=====================  ==========================  ===================  ===================
caller                 bucket                      setting              default
=====================  ==========================  ===================  ===================
an API key             its key id (``key:1a2b…``)  rate_limit_api_key   5000/second
a customer token       its subject                 rate_limit_customer  600/minute
nobody (pages, forms)  the client IP               rate_limit_anonymous 300/minute
failed authentication  the client IP               rate_limit_failed_   20/minute
                                                   auth
=====================  ==========================  ===================  ===================

Why these defaults: an API key is a shop's server, sending the traffic of all its shoppers
(a busy shop's event stream and recommendation calls), so its limit only catches a runaway
loop: thousands per second, above what one Prefero node serves anyway. A customer token is
one shopper's browser: a page view makes a handful of calls, so 600 a minute is never
reached by a person and stops a script. Anonymous pages are counted per IP (static files,
product pictures and health checks are not): 300 a minute is a page every 0.2 s. Failed
authentications are tight: after 20 in any minute from one IP, *every* /v1 request of that
IP answers 429 until the window frees up, a correct key included (else a guess that hits
would still be told apart) — 500 guesses take 25 minutes instead of a second. Behind a
proxy, list it in ``PREFERO_TRUSTED_PROXIES`` or every shopper is the proxy's one IP.

Storage: in memory, per worker process (``memory://``), unless ``PREFERO_REDIS_URL`` is set;
then every worker and every node share the counters in Redis. Per process, a client whose
requests spread over N workers gets up to N times the rate. Request buckets use a fixed
window (one O(1) increment: the hot path), failed authentications a moving window (exact:
20 means 20 in any 60 s; it is only touched by failures). When Redis cannot be reached the
limiter lets requests through and logs it: a cache outage must not take the API down.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio
from fastapi import FastAPI
from limits import RateLimitItem, parse, strategies
from limits import aio as limits_aio
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefero.api.errors import problem
from prefero.api.principal import Principal
from prefero.config import Settings
from prefero.runtime import Runtime

__all__ = [
    "RateLimitMiddleware",
    "RateLimiter",
    "client_ip",
    "install_rate_limits",
    "rate_limiter",
    "too_many_requests",
]

# Health checks must answer under any load (a load balancer probes them), and static files
# and product pictures are what a page pulls in with it (a listing shows 48 pictures, which
# counted as pages would spend a visitor's minute in six pages): none is worth a counter.
_EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
# The embeddable client is a static file too, fetched by every page of the shop.
_EXEMPT_PREFIXES = ("/static/", "/img/", "/sdk/")
# A dead Redis must not stall requests: give up on it quickly and let the request through.
_REDIS_TIMEOUT_S = 0.25
_log = logging.getLogger("prefero.api.rate_limit")


def client_ip(scope: Scope) -> str:
    """The client's address (the shopper's, behind a trusted proxy; see ``api.proxies``).

    >>> client_ip({"client": ("203.0.113.7", 5123)}), client_ip({"client": None})
    ('203.0.113.7', 'unknown')
    """
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """The parsed rates of the settings."""

    failed_auth: RateLimitItem
    api_key: RateLimitItem
    customer: RateLimitItem
    anonymous: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> RatePolicy:
        return cls(failed_auth=parse(settings.rate_limit_failed_auth),
                   api_key=parse(settings.rate_limit_api_key),
                   customer=parse(settings.rate_limit_customer),
                   anonymous=parse(settings.rate_limit_anonymous))


class _Backend(Protocol):
    async def hit(self, item: RateLimitItem, ids: tuple[str, ...], *, exact: bool) -> bool: ...

    async def test(self, item: RateLimitItem, ids: tuple[str, ...], *, exact: bool) -> bool: ...

    async def reset_at(self, item: RateLimitItem, ids: tuple[str, ...], *,
                       exact: bool) -> float: ...

    async def aclose(self) -> None: ...


class _MemoryBackend:
    """Counters in this process. The synchronous strategies are called directly: a dict
    update under a lock, no I/O, so no reason to leave the event loop."""

    def __init__(self) -> None:
        storage = MemoryStorage()
        self._fixed = strategies.FixedWindowRateLimiter(storage)
        self._moving = strategies.MovingWindowRateLimiter(storage)

    def _pick(self, exact: bool) -> strategies.RateLimiter:
        return self._moving if exact else self._fixed

    async def hit(self, item: RateLimitItem, ids: tuple[str, ...], *, exact: bool) -> bool:
        return self._pick(exact).hit(item, *ids)

    async def test(self, item: RateLimitItem, ids: tuple[str, ...], *, exact: bool) -> bool:
        return self._pick(exact).test(item, *ids)

    async def reset_at(self, item: RateLimitItem, ids: tuple[str, ...], *,
                       exact: bool) -> float:
        return self._pick(exact).get_window_stats(item, *ids).reset_time

    async def aclose(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _OnLoop:
    fixed: limits_aio.strategies.RateLimiter
    moving: limits_aio.strategies.RateLimiter
    pool: redis.asyncio.ConnectionPool


class _RedisBackend:
    """Counters in Redis, shared by every worker, through redis-py's asyncio client.

    An asyncio Redis connection belongs to the event loop that opened it, so each loop gets
    its own client (a server has one loop per worker; tests may start several)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _OnLoop] = (
            weakref.WeakKeyDictionary())

    def _on_loop(self) -> _OnLoop:
        loop = asyncio.get_running_loop()
        found = self._per_loop.get(loop)
        if found is None:
            # Our own pool, so that shutdown can close its connections (limits has no close).
            pool = redis.asyncio.ConnectionPool.from_url(
                self._url, socket_timeout=_REDIS_TIMEOUT_S,
                socket_connect_timeout=_REDIS_TIMEOUT_S)
            # connection_pool is a documented option; limits types the options as scalars.
            storage = storage_from_string("async+" + self._url, implementation="redispy",
                                          key_prefix="prefero", wrap_exceptions=True,
                                          connection_pool=pool)  # type: ignore[arg-type]
            assert isinstance(storage, limits_aio.storage.Storage)
            found = _OnLoop(limits_aio.strategies.FixedWindowRateLimiter(storage),
                            limits_aio.strategies.MovingWindowRateLimiter(storage), pool)
            self._per_loop[loop] = found
        return found

    def _pick(self, exact: bool) -> limits_aio.strategies.RateLimiter:
        found = self._on_loop()
        return found.moving if exact else found.fixed

    async def aclose(self) -> None:
        found = self._per_loop.pop(asyncio.get_running_loop(), None)
        if found is not None:
            await found.pool.disconnect()

    async def hit(self, item: RateLimitItem, ids: tuple[str, ...], *, exact: bool) -> bool:
        return await self._pick(exact).hit(item, *ids)

    async def test(self, item: RateLimitItem, ids: tuple[str, ...], *, exact: bool) -> bool:
        return await self._pick(exact).test(item, *ids)

    async def reset_at(self, item: RateLimitItem, ids: tuple[str, ...], *,
                       exact: bool) -> float:
        return (await self._pick(exact).get_window_stats(item, *ids)).reset_time


class RateLimiter:
    """The buckets and their rates; answers "may this go ahead, and if not, for how long"."""

    def __init__(self, settings: Settings) -> None:
        self.policy = RatePolicy.from_settings(settings)
        self._backend: _Backend = (_RedisBackend(settings.redis_url) if settings.redis_url
                                   else _MemoryBackend())
        self._warned_at = -math.inf

    async def aclose(self) -> None:
        """Close this event loop's connections to the limit storage (at shutdown)."""
        await self._backend.aclose()

    def _storage_down(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:  # once a minute, not once a request
            self._warned_at = now
            _log.warning("rate limits not enforced: the limit storage failed (%s)", exc)

    async def _retry_after(self, item: RateLimitItem, ids: tuple[str, ...], *,
                           exact: bool) -> int:
        try:
            reset = await self._backend.reset_at(item, ids, exact=exact)
        except StorageError:
            reset = time.time() + item.get_expiry()
        return max(1, math.ceil(reset - time.time()))

    async def hit(self, item: RateLimitItem, *ids: str, exact: bool = False) -> int | None:
        """Count one request in the bucket ``ids``: None when it may go ahead, else the
        seconds until it may be retried."""
        try:
            allowed = await self._backend.hit(item, ids, exact=exact)
        except StorageError as exc:
            self._storage_down(exc)
            return None
        return None if allowed else await self._retry_after(item, ids, exact=exact)

    async def exhausted(self, item: RateLimitItem, *ids: str, exact: bool = False
                        ) -> int | None:
        """Like :meth:`hit` without counting: the seconds to wait when the bucket is full."""
        try:
            allowed = await self._backend.test(item, ids, exact=exact)
        except StorageError as exc:
            self._storage_down(exc)
            return None
        return None if allowed else await self._retry_after(item, ids, exact=exact)

    async def auth_blocked(self, ip: str) -> int | None:
        """Seconds this IP must wait because of its failed authentications, or None."""
        return await self.exhausted(self.policy.failed_auth, "failed-auth", ip, exact=True)

    async def auth_failed(self, ip: str) -> None:
        """Count a failed authentication of this IP."""
        await self.hit(self.policy.failed_auth, "failed-auth", ip, exact=True)

    def bucket(self, principal: Principal | None, ip: str
               ) -> tuple[RateLimitItem, tuple[str, ...], str]:
        """The rate, the bucket and, for the answer, who the bucket belongs to.

        >>> limiter = RateLimiter(Settings())
        >>> limiter.bucket(None, "203.0.113.7")[1:]
        (('ip', '203.0.113.7'), 'client address')
        """
        if principal is None:
            return self.policy.anonymous, ("ip", ip), "client address"
        if principal.customer_id is not None:
            return self.policy.customer, ("customer", principal.customer_id), "customer"
        return self.policy.api_key, ("key", principal.actor), "API key"


def too_many_requests(retry_after: int, detail: str) -> Response:
    """The 429 answer, with ``Retry-After`` in seconds."""
    return problem(429, "rate-limited", "Too many requests",
                   f"{detail}; retry in {retry_after} s",
                   headers={"Retry-After": str(retry_after)})


class RateLimitMiddleware:
    """Counts each request in its bucket; 429 problem+json with ``Retry-After`` past the
    limit. Runs after the pre-body authentication, which leaves the caller on
    ``scope["state"]["principal"]``."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing(receive), send)
            return
        path = scope.get("path", "")
        if (scope["type"] != "http" or path in _EXEMPT_PATHS
                or path.startswith(_EXEMPT_PREFIXES)):
            await self.app(scope, receive, send)
            return
        found = scope.get("state", {}).get("principal")
        principal = found if isinstance(found, Principal) else None
        item, ids, owner = self.limiter.bucket(principal, client_ip(scope))
        retry_after = await self.limiter.hit(item, *ids)
        if retry_after is not None:
            answer = too_many_requests(retry_after, f"more than {item} for this {owner}")
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)


    def _closing(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.limiter.aclose()
            return message

        return wrapped


def rate_limiter(app: FastAPI, runtime: Runtime) -> RateLimiter | None:
    """The app's one limiter (made on first use), or None with ``rate_limits`` off. The
    pre-body authentication counts failures in it too."""
    if not runtime.settings.rate_limits:
        return None
    found = getattr(app.state, "rate_limiter", None)
    if not isinstance(found, RateLimiter):
        found = RateLimiter(runtime.settings)
        app.state.rate_limiter = found
    return found


def install_rate_limits(app: FastAPI, runtime: Runtime) -> None:
    """Count requests per key, customer and IP (nothing when ``rate_limits`` is off)."""
    limiter = rate_limiter(app, runtime)
    if limiter is not None:
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
