"""Authentication before the body is read.

Every ``/v1/`` operation needs an API key or a customer token, and both are in the headers,
so a request without a valid one is answered 401 before a byte of its body is pulled off
the connection: a 117 MB body without a key costs the server nothing, and junk without a
key gets 401, not a parse error. The principal found is left on ``scope["state"]`` (so
``request.state.principal``) for the rate limiter and the routes.

Failed authentications are counted per client IP (``rate_limit_failed_auth``): past the
limit every ``/v1/`` request of that IP answers 429, so keys cannot be guessed at speed.
Only what could be a guess counts: an unknown API key, a token with a bad signature or
format, or no credential at all. A validly signed but expired customer token is no guess
(many shoppers behind one NAT may hold expired tokens at once, and counting them would
answer the shop's own key from that address 429), and a revoked one passes this step.

What this step does *not* decide: scopes (403) and customer-token revocation, which need
the route and the database; the route dependencies in ``api.deps`` do.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from prefero.api.auth import authenticate, refusal
from prefero.api.errors import problem
from prefero.api.rate_limit import RateLimiter, client_ip, rate_limiter, too_many_requests
from prefero.errors import InvalidToken, TokenExpired
from prefero.runtime import Runtime

__all__ = ["AuthGateMiddleware", "install_auth_gate"]

GATED_PREFIX = "/v1/"


def _is_preflight(scope: Scope, headers: Headers) -> bool:
    # A CORS preflight never carries credentials; the CORS layer answers it.
    return scope["method"] == "OPTIONS" and "access-control-request-method" in headers


class AuthGateMiddleware:
    """401 problem+json for a ``/v1/`` request without a valid key or token, unread."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime, limiter: RateLimiter | None) -> None:
        self.app = app
        self.runtime = runtime
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(GATED_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if _is_preflight(scope, headers):
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope)
        if self.limiter is not None:
            retry_after = await self.limiter.auth_blocked(ip)
            if retry_after is not None:
                answer = too_many_requests(
                    retry_after, "too many failed authentications from this client address")
                await answer(scope, receive, send)
                return
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization")
        principal = authenticate(self.runtime, api_key=api_key, authorization=authorization)
        if principal is None:
            error = refusal(self.runtime.settings, api_key=api_key,
                            authorization=authorization)
            if self.limiter is not None and not isinstance(error, TokenExpired):
                await self.limiter.auth_failed(ip)
            challenge = {"WWW-Authenticate": "Bearer"} if isinstance(error, InvalidToken) \
                else None
            answer = problem(error.status, error.slug, error.title, error.detail,
                             headers=challenge)
            await answer(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def install_auth_gate(app: FastAPI, runtime: Runtime) -> None:
    """Authenticate ``/v1/`` requests from their headers before anything reads the body."""
    app.add_middleware(AuthGateMiddleware, runtime=runtime,
                       limiter=rate_limiter(app, runtime))
