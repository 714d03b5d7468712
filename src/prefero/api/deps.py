"""Dependencies shared by the routes: the runtime, a unit-of-work session, API-key scopes."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Literal

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from prefero.errors import Forbidden, Unauthorized
from prefero.runtime import Runtime

__all__ = ["DbSession", "Rt", "Scope", "get_runtime", "require"]

Scope = Literal["admin", "ingest", "read"]
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


Rt = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: Rt) -> Iterator[Session]:
    with runtime.session() as session:
        yield session


# scope="function": the unit of work commits when the route returns and *before* the
# response is sent, so a 2xx always means the write is durable (and a failed commit
# becomes an error answer instead of a lost acknowledged write).
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def _scopes_of(runtime: Runtime, key: str) -> set[Scope]:
    settings = runtime.settings
    # compare_digest keeps the comparison time independent of how much of a key matches.
    if hmac.compare_digest(key.encode(), settings.admin_key.encode()):
        return {"admin", "ingest", "read"}
    scopes: set[Scope] = set()
    if any(hmac.compare_digest(key.encode(), k.encode()) for k in settings.ingest_keys):
        scopes |= {"ingest", "read"}
    if any(hmac.compare_digest(key.encode(), k.encode()) for k in settings.read_keys):
        scopes.add("read")
    return scopes


def require(scope: Scope) -> Callable[..., Coroutine[None, None, None]]:
    """A dependency that lets the request through only with a key holding ``scope``."""

    # async: no I/O inside, and FastAPI would otherwise hop to a worker thread per request.
    async def check(runtime: Rt, key: Annotated[str | None, Security(_api_key_header)]
                    ) -> None:
        if not key:
            raise Unauthorized("send an API key in the X-API-Key header")
        scopes = _scopes_of(runtime, key)
        if not scopes:
            raise Unauthorized("the API key is not known")
        if scope not in scopes:
            raise Forbidden(f"this endpoint needs the '{scope}' scope")

    return check
