"""Body-size limits per route family, enforced while the body streams in.

A pure ASGI middleware, so nothing has parsed (or even buffered) the body yet: a declared
``Content-Length`` over the limit is refused before one byte is read, and a body without
one (chunked) is counted message by message and refused the moment it passes the limit. The
rest of it is never pulled from the socket.

Families: event batches (``/v1/events``, ``/v1/events/ga4``) get
``max_events_body_bytes``, the catalogue feed upload ``max_import_body_bytes`` (it is
streamed to a temporary file, never held whole), and every other request — API writes,
quiz definitions, the storefront's forms — ``max_body_bytes``. The larger families are for
the shop's API keys only: a customer token (the authentication gate, which runs first, leaves
the principal on ``scope["state"]``) gets ``max_body_bytes`` on every route, so a shopper's
browser cannot make the server read 8 MB before the route's 403 or its own few events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefero.api.errors import problem
from prefero.api.principal import Principal
from prefero.config import Settings
from prefero.runtime import Runtime

__all__ = ["BodyLimitMiddleware", "BodyLimits", "BodyTooLarge", "install_body_limit"]

EVENT_PATHS = frozenset({"/v1/events", "/v1/events/ga4"})
IMPORT_PATHS = frozenset({"/v1/catalog/import"})

_log = logging.getLogger("prefero.api.body_limit")


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The largest body, in bytes, of each route family.

    >>> limits = BodyLimits(default=1024, events=4096, imports=1 << 30)
    >>> limits.for_path("/v1/events/ga4"), limits.for_path("/preferences")
    (('PREFERO_MAX_EVENTS_BODY_BYTES', 4096), ('PREFERO_MAX_BODY_BYTES', 1024))
    >>> limits.for_path("/v1/events", customer=True)
    ('PREFERO_MAX_BODY_BYTES', 1024)
    """

    default: int
    events: int
    imports: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(default=settings.max_body_bytes, events=settings.max_events_body_bytes,
                   imports=settings.max_import_body_bytes)

    def for_path(self, path: str, *, customer: bool = False) -> tuple[str, int]:
        """The setting that governs ``path`` (named as its environment variable) and its
        value; for a ``customer`` (token) caller always the ordinary one."""
        if customer:
            return "PREFERO_MAX_BODY_BYTES", self.default
        if path in EVENT_PATHS:
            return "PREFERO_MAX_EVENTS_BODY_BYTES", self.events
        if path in IMPORT_PATHS:
            return "PREFERO_MAX_IMPORT_BODY_BYTES", self.imports
        return "PREFERO_MAX_BODY_BYTES", self.default


class BodyTooLarge(Exception):
    """Raised into the application from ``receive`` once the body passed its limit; the
    413 has already been sent by then."""


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


async def _too_large(scope: Scope, receive: Receive, send: Send, *, setting: str,
                     limit: int) -> None:
    response = problem(
        413, "body-too-large", "Body too large",
        f"the body of {scope['path']} may hold at most {limit} bytes ({setting})",
        [{"loc": ["body"], "msg": f"at most {limit} bytes"}],
        # The unread rest of the body is still on the connection: closing it is the only way
        # to be sure it is never read as the next request.
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse bodies over their family's limit with 413 problem+json, before parsing."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        principal = scope.get("state", {}).get("principal")
        customer = isinstance(principal, Principal) and principal.is_customer
        setting, limit = self.limits.for_path(scope["path"], customer=customer)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, setting=setting, limit=limit)
            return
        received = 0
        started = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        answered = True
                        await _too_large(scope, receive, send, setting=setting, limit=limit)
                    raise BodyTooLarge(f"the body passed {limit} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the application's answer to the aborted read; the 413 went out
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not answered:
                raise
            # Whatever the application made of the aborted read (FastAPI wraps it in a 400),
            # the client already has its 413.
            _log.debug("body over %d bytes refused on %s", limit, scope["path"])


def install_body_limit(app: FastAPI, runtime: Runtime) -> None:
    """Add the body limits of ``runtime.settings`` to ``app``."""
    app.add_middleware(BodyLimitMiddleware, limits=BodyLimits.from_settings(runtime.settings))
