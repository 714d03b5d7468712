"""Dependencies shared by the routes: the runtime, a unit-of-work session, and who may call
(API-key scopes, customer tokens)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from prefero.api.auth import authenticate, refusal, token_claims
from prefero.api.params import CustomerId
from prefero.api.principal import Principal, Scope, principal_of
from prefero.auth.service import is_revoked
from prefero.auth.tokens import TokenClaims
from prefero.errors import FieldError, Forbidden, InvalidToken
from prefero.i18n.languages import LANGUAGES, negotiate
from prefero.runtime import Runtime

__all__ = [
    "ApiKey",
    "Bearer",
    "DbSession",
    "Language",
    "Rt",
    "Scope",
    "WriteSession",
    "customer_or_key",
    "get_runtime",
    "get_session",
    "get_write_session",
    "own_customer",
    "own_id",
    "require",
]

_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="ApiKey",
    description="The shop's server-to-server key; its scopes (admin, ingest, read, token) "
                "decide what it may call.")
_bearer = HTTPBearer(
    auto_error=False, scheme_name="CustomerToken", bearerFormat="signed customer token",
    description="A short-lived customer token from POST /v1/customers/{customer_id}/tokens: "
                "it reaches only that customer's own data, on the endpoints that list it.")
# The scope a route needs is passed as the security requirement's "scopes", so OpenAPI (3.1
# allows role names for any scheme) documents it: {"ApiKey": ["read"]}.
ApiKey = Annotated[str | None, Security(_api_key_header)]
# Declared so that OpenAPI documents the bearer scheme on the routes a customer may call; the
# header itself is read (and verified) by ``authenticate``.
Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


Rt = Annotated[Runtime, Depends(get_runtime)]


async def request_language(accept_language: Annotated[str | None, Header(
        max_length=500,
        description=f"The shopper's languages; texts meant for shoppers are worded in the "
                    f"highest-ranked of {', '.join(LANGUAGES)} (q-values honoured), else "
                    f"English.")] = None) -> str:
    return negotiate(accept_language)


Language = Annotated[str, Depends(request_language)]


# Methods that only read; every other one may write and so declares it (see Runtime.session).
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _unit_of_work(request: Request, runtime: Runtime, *, write: bool) -> Iterator[Session]:
    """The request's one unit of work. Whichever session dependency is resolved first opens
    it; a later one gets the same session (the audit entry commits with the route's writes).
    A write asked for after a read session was opened is a programming error."""
    opened: tuple[Session, bool] | None = getattr(request.state, "unit_of_work", None)
    if opened is not None:
        if write and not opened[1]:
            raise RuntimeError("WriteSession must be resolved before DbSession on a route "
                               "that reads first (put it in an earlier dependency)")
        yield opened[0]
        return
    with runtime.session(write=write) as session:
        request.state.unit_of_work = (session, write)
        try:
            yield session
        finally:
            del request.state.unit_of_work


def get_session(request: Request, runtime: Rt) -> Iterator[Session]:
    yield from _unit_of_work(request, runtime, write=request.method not in _READS)


def get_write_session(request: Request, runtime: Rt) -> Iterator[Session]:
    yield from _unit_of_work(request, runtime, write=True)


# scope="function": the unit of work commits when the route returns and *before* the
# response is sent, so a 2xx always means the write is durable (and a failed commit
# becomes an error answer instead of a lost acknowledged write).
DbSession = Annotated[Session, Depends(get_session, scope="function")]
# For a route that writes although its method reads (a GET that records an audit entry or
# consumes a one-time code): on SQLite it takes the writer lock and BEGIN IMMEDIATE up
# front, so its write cannot fail with SQLITE_BUSY_SNAPSHOT after its reads.
WriteSession = Annotated[Session, Depends(get_write_session, scope="function")]


def _identify(request: Request, runtime: Runtime, api_key: str | None) -> Principal:
    """The caller, stored on ``request.state.principal``; 401 when no credential verifies.
    The authentication gate in front of ``/v1/`` has usually found it already."""
    principal = principal_of(request)
    if principal is not None:
        return principal
    authorization = request.headers.get("authorization")
    principal = authenticate(runtime, api_key=api_key, authorization=authorization)
    if principal is None:
        raise refusal(runtime.settings, api_key=api_key, authorization=authorization)
    request.state.principal = principal
    return principal


def _revoked(runtime: Runtime, claims: TokenClaims) -> bool:
    with runtime.session() as session:
        return is_revoked(session, claims, settings=runtime.settings)


async def _refuse_revoked(request: Request, runtime: Runtime) -> None:
    claims = token_claims(runtime.settings, request.headers.get("authorization"))
    # A database read: off the event loop, like every other query.
    if claims is None or await run_in_threadpool(_revoked, runtime, claims):
        raise InvalidToken("the customer token has been revoked")


def require(scope: Scope) -> Callable[..., Coroutine[None, None, None]]:
    """A dependency that lets the request through only with an API key holding ``scope``.

    A customer token is refused (403) here: these endpoints are the shop's, not a shopper's.
    """

    # async: no I/O inside, and FastAPI would otherwise hop to a worker thread per request.
    async def check(request: Request, runtime: Rt,
                    key: str | None = Security(_api_key_header, scopes=[scope])) -> None:
        principal = _identify(request, runtime, key)
        if principal.is_customer:
            raise Forbidden(f"a customer token cannot call this endpoint; it needs an API key "
                            f"with the '{scope}' scope")
        if scope not in principal.scopes:
            raise Forbidden(f"this endpoint needs the '{scope}' scope")

    return check


def customer_or_key(scope: Scope) -> Callable[..., Coroutine[None, None, Principal]]:
    """An API key holding ``scope``, or a valid, unrevoked customer token.

    The route then keeps a customer to their own id with ``own_id`` (the id is in the body
    or the query). Use ``own_customer`` when the id is in the path.
    """

    async def check(request: Request, runtime: Rt, _bearer: Bearer,
                    key: str | None = Security(_api_key_header, scopes=[scope])) -> Principal:
        principal = _identify(request, runtime, key)
        if principal.is_customer:
            await _refuse_revoked(request, runtime)
        elif scope not in principal.scopes:
            raise Forbidden(f"this endpoint needs the '{scope}' scope")
        return principal

    return check


def own_customer(scope: Scope) -> Callable[..., Coroutine[None, None, Principal]]:
    """For ``/v1/customers/{customer_id}/...``: an API key holding ``scope``, or the customer
    token of that very customer (another customer's token: 403)."""

    async def check(request: Request, runtime: Rt, customer_id: CustomerId, _bearer: Bearer,
                    key: str | None = Security(_api_key_header, scopes=[scope])) -> Principal:
        principal = _identify(request, runtime, key)
        if principal.is_customer:
            await _refuse_revoked(request, runtime)
            if principal.customer_id != customer_id:
                raise Forbidden("a customer token reaches only its own customer's data")
        elif scope not in principal.scopes:
            raise Forbidden(f"this endpoint needs the '{scope}' scope")
        return principal

    return check


def own_id(principal: Principal, customer_id: str | None, *,
           loc: tuple[str | int, ...]) -> str | None:
    """The customer id a request may act for: a key acts for anyone (``customer_id`` as
    given); a customer token for its subject only (an omitted id means the subject, any
    other id is a 403 naming the field at ``loc``).

    >>> own_id(Principal(kind="customer_token", actor="customer:a", customer_id="a"), None,
    ...        loc=("query", "customer_id"))
    'a'
    """
    if not principal.is_customer:
        return customer_id
    if customer_id is None or customer_id == principal.customer_id:
        return principal.customer_id
    raise Forbidden("a customer token reaches only its own customer's data",
                    [FieldError(loc, "not the customer this token was issued to")])
