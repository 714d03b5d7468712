"""The route dependency that writes the audit log: ``Depends(audited("customer.erase",
target=("customer", "customer_id")))`` in a route's ``dependencies``, after the scope check.

The entry goes into the request's unit of work, so it commits with the route's own writes
and rolls back with them: a request that fails (validation, 404, any error) leaves no entry;
one that succeeds always has one. That unit of work is a write session (``WriteSession``)
even on a GET, since the entry is a write.

A route that reads its body itself (a raw or spooled upload) passes that dependency as
``body``: it is resolved first, so the unit of work, and with it SQLite's write lock, opens
only once the whole body has arrived; a slow upload holds up no other writer.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request
from fastapi.params import Depends as DependsMarker
from sqlalchemy.orm import Session

from prefero.api.deps import get_write_session
from prefero.api.principal import principal_of
from prefero.audit.service import record

__all__ = ["audited", "record_request"]


# The same dependency as ``WriteSession``: FastAPI resolves it once per request.
_SESSION = Depends(get_write_session, scope="function")


def record_request(session: Session, request: Request, *, actor: str | None, action: str,
                   target_kind: str | None, target: str | None) -> None:
    """Add one audit entry for ``request``: the caller's address as the proxy-aware
    middleware resolved it. The API's ``audited`` and the preference center's forms both
    record through here."""
    record(session, actor=actor, action=action, target_kind=target_kind, target=target,
           client=request.client.host if request.client is not None else None)


def audited(action: str, *, target: tuple[str, str] | None = None,
            body: DependsMarker | None = None) -> Callable[..., Coroutine[Any, Any, None]]:
    """A dependency recording ``action`` by the request's principal; ``target`` names the kind
    of record and the path parameter holding its id, e.g. ``("product", "product_id")``;
    ``body`` is the dependency that reads the route's body (the very marker the route's
    parameter uses), resolved before the unit of work opens.

    >>> dependencies = [Depends(require("admin")), Depends(audited("catalog.import"))]
    ... # doctest: +SKIP
    """

    def write(request: Request, session: Session) -> None:
        principal = principal_of(request)
        kind, value = None, None
        if target is not None:
            kind = target[0]
            raw = request.path_params.get(target[1])
            value = None if raw is None else str(raw)
        record_request(session, request,
                       actor=principal.actor if principal is not None else None,
                       action=action, target_kind=kind, target=value)

    # async: it only adds an object to the session, no I/O, so no worker-thread hop.
    # Parameters resolve in order: the body (when given) before the session.
    if body is None:
        async def write_entry(request: Request, session: Session = _SESSION) -> None:
            write(request, session)

        return write_entry

    async def write_entry_after_body(request: Request, _body: object = body,
                                     session: Session = _SESSION) -> None:
        write(request, session)

    return write_entry_after_body
