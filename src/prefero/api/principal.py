"""Who is calling: an API key, a customer token, or a storefront session.

The authentication dependency puts the caller's ``Principal`` on ``request.state.principal``;
the audit log, the rate limiter and the customer-scoped routes read it from there, so that
there is one answer to "who is this" per request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from starlette.requests import HTTPConnection

__all__ = ["Principal", "PrincipalKind", "Scope", "key_id", "principal_of"]

Scope = Literal["admin", "ingest", "read", "token"]
PrincipalKind = Literal["key", "customer_token", "session"]


def key_id(key: str) -> str:
    """The public name of an API key: the first 8 hex characters of its SHA-256.

    It names the key in the audit log and in rate-limit buckets without revealing it.

    >>> key_id("demo-admin-key")
    'ac5bb352'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller.

    ``actor`` is what the audit log records: ``key:<key id>`` for an API key,
    ``customer:<id>`` for a customer token or a storefront session. ``customer_id`` is set
    when the caller *is* a customer and may then touch that customer's data only.
    """

    kind: PrincipalKind
    actor: str
    scopes: frozenset[Scope] = frozenset()
    customer_id: str | None = None

    @property
    def is_customer(self) -> bool:
        return self.customer_id is not None


def principal_of(connection: HTTPConnection) -> Principal | None:
    """The principal the authentication step stored on the request, if any."""
    found = getattr(connection.state, "principal", None)
    return found if isinstance(found, Principal) else None
