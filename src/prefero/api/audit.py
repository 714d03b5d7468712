"""The route dependency that writes the audit log: ``Depends(audited("customer.erase",
target=("customer", "customer_id")))`` in a route's ``dependencies``, after the scope check.

The entry goes into the request's unit of work (``DbSession``), so it commits with the
route's own writes and rolls back with them: a request that fails (validation, 404, any
error) leaves no entry; one that succeeds always has one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request

from prefero.api.deps import DbSession
from prefero.api.principal import principal_of
from prefero.audit.service import record

__all__ = ["audited"]


def audited(action: str, *, target: tuple[str, str] | None = None
            ) -> Callable[..., Coroutine[Any, Any, None]]:
    """A dependency recording ``action`` by the request's principal; ``target`` names the kind
    of record and the path parameter holding its id, e.g. ``("product", "product_id")``.

    >>> dependencies = [Depends(require("admin")), Depends(audited("catalog.import"))]
    ... # doctest: +SKIP
    """

    # async: it only adds an object to the session, no I/O, so no worker-thread hop.
    async def write_entry(request: Request, session: DbSession) -> None:
        principal = principal_of(request)
        kind, value = None, None
        if target is not None:
            kind = target[0]
            raw = request.path_params.get(target[1])
            value = None if raw is None else str(raw)
        record(session, actor=principal.actor if principal is not None else None,
               action=action, target_kind=kind, target=value,
               client=request.client.host if request.client is not None else None)

    return write_entry
