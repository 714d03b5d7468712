"""Sessions opened by the one-time exchange end with the customer's tokens.

The exchange turns a customer token into a session cookie that would otherwise outlive the
token by far. So before every page route a session the exchange signed in is signed out
when the customer's tokens were revoked (``DELETE /v1/customers/{id}/tokens``, the shop's
sign-out) or the customer was erased after the sign-in, and when it is older than
``exchange_session_seconds``. Other sessions (anonymous visitors, demo personas) cost
nothing here: no database read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from prefero.auth.service import credential_ended
from prefero.runtime import Runtime
from prefero.web.identity import exchange_sign_in, sign_out

__all__ = ["end_stale_sessions"]


def _ended(runtime: Runtime, customer_id: str, signed_in_at: float) -> bool:
    with runtime.session() as session:
        return credential_ended(session, customer_id=customer_id, issued_at=signed_in_at,
                                settings=runtime.settings)


def end_stale_sessions(runtime: Runtime) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A page-route dependency that signs out an exchange session whose customer's tokens
    were revoked, or who was erased, after it signed in, or that is past its lifetime. The
    route then sees an anonymous visitor."""
    lifetime = runtime.settings.exchange_session_seconds

    async def check(request: Request) -> None:
        found = exchange_sign_in(request)
        if found is None:
            return
        customer_id, signed_in_at = found
        # One read by primary key (and one by the receipts' index), off the event loop.
        if (time.time() - signed_in_at > lifetime
                or await run_in_threadpool(_ended, runtime, customer_id, signed_in_at)):
            sign_out(request)

    return check
