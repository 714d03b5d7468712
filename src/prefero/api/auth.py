"""Authentication: who is calling, from the headers alone.

``authenticate`` is pure and fast (no database, no body), so the request-limit middleware
can call it before a body is read, and the route dependencies in ``deps`` call it again to
decide. Revocation of customer tokens needs the database and is checked by the customer
route dependency, not here.
"""

from __future__ import annotations

import hmac

from prefero.api.principal import Principal, Scope, key_id
from prefero.auth.tokens import TokenClaims, verify_customer_token
from prefero.config import Settings
from prefero.errors import InvalidToken, Unauthorized
from prefero.runtime import Runtime

__all__ = [
    "ADMIN_SCOPES",
    "authenticate",
    "bearer_token",
    "key_scopes",
    "refusal",
    "token_claims",
]

ADMIN_SCOPES: frozenset[Scope] = frozenset({"admin", "ingest", "read", "token"})


def _matches(key: bytes, candidates: list[str]) -> bool:
    # compare_digest keeps the time independent of how much of a key matches; every
    # candidate is compared (no early exit) so the time does not tell which list matched.
    found = False
    for candidate in candidates:
        found |= hmac.compare_digest(key, candidate.encode())
    return found


def key_scopes(settings: Settings, key: str) -> frozenset[Scope]:
    """The scopes an API key holds (empty for an unknown key).

    >>> sorted(key_scopes(Settings(admin_key="a", read_keys=["r"]), "r"))
    ['read']
    >>> key_scopes(Settings(admin_key="a"), "nope")
    frozenset()
    """
    raw = key.encode()
    if hmac.compare_digest(raw, settings.admin_key.encode()):
        return ADMIN_SCOPES
    scopes: set[Scope] = set()
    if _matches(raw, settings.token_issuer_keys):
        scopes.add("token")
    if _matches(raw, settings.ingest_keys):
        scopes |= {"ingest", "read"}
    if _matches(raw, settings.read_keys):
        scopes.add("read")
    return frozenset(scopes)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None.

    >>> bearer_token("Bearer abc"), bearer_token("Basic abc"), bearer_token(None)
    ('abc', None, None)
    """
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return value


def token_claims(settings: Settings, authorization: str | None) -> TokenClaims | None:
    """The claims of a valid bearer token, or None (no bearer token, or an invalid one)."""
    token = bearer_token(authorization)
    if token is None:
        return None
    try:
        return verify_customer_token(settings, token)
    except InvalidToken:
        return None


def authenticate(runtime: Runtime, *, api_key: str | None,
                 authorization: str | None) -> Principal | None:
    """The caller named by an API key or a customer token; None when neither verifies.

    A known API key wins; otherwise a valid, unexpired customer token in ``Authorization:
    Bearer``. Revocation is *not* checked here (it needs the database).
    """
    settings = runtime.settings
    if api_key:
        scopes = key_scopes(settings, api_key)
        if scopes:
            return Principal(kind="key", actor=f"key:{key_id(api_key)}", scopes=scopes)
    claims = token_claims(settings, authorization)
    if claims is not None:
        return Principal(kind="customer_token", actor=f"customer:{claims.customer_id}",
                         customer_id=claims.customer_id)
    return None


def refusal(settings: Settings, *, api_key: str | None, authorization: str | None
            ) -> Unauthorized:
    """Why a request with these headers is not authenticated: one wording for the gate in
    front of ``/v1/`` and for the route dependencies.

    >>> refusal(Settings(), api_key="guess", authorization=None).detail
    'the API key is not known'
    """
    token = bearer_token(authorization)
    if token is not None and not api_key:
        try:
            verify_customer_token(settings, token)
        except InvalidToken as exc:
            return exc  # expired, or not valid: it says which
        return InvalidToken("the customer token is not valid")
    if api_key:
        return Unauthorized("the API key is not known")
    return Unauthorized("send an API key in the X-API-Key header (or, where a customer may "
                        "call, a customer token as Authorization: Bearer)")
