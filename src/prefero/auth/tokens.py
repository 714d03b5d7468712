"""Signed customer tokens: what a shop hands its signed-in customer's browser.

A token names one customer (``sub``), carries a random id (``jti``) and its issue time, and
is signed with the newest of ``Settings.token_keys``; every listed key verifies, so a key can
be rotated without signing anybody out. Verifying needs no database; revocation (a "not
before" time per customer) is checked by the caller that holds a session.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from prefero.config import Settings
from prefero.errors import InvalidToken, TokenExpired

__all__ = ["IssuedToken", "TokenClaims", "sign_customer_token", "verify_customer_token"]

# The salt names the purpose, so a value signed for anything else with the same key (a
# session cookie, an exchange code) never passes as a customer token.
SALT = "prefero.customer-token.v1"


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says: whose it is, its id, and when it was issued (epoch s)."""

    customer_id: str
    jti: str
    issued_at: float


@dataclass(frozen=True)
class IssuedToken:
    token: str
    claims: TokenClaims
    expires_at: datetime


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be fixed, so tests can mint and check expired
    tokens without sleeping."""

    def __init__(self, *args: Any, now: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(time.time() if self._now is None else self._now)


@lru_cache(maxsize=32)
def _serializer(keys: tuple[str, ...], now: float | None) -> URLSafeTimedSerializer:
    # itsdangerous signs with the *last* key of the list and verifies with every one; our
    # setting lists the newest first, hence the reversal.
    return URLSafeTimedSerializer(list(reversed(keys)), salt=SALT, signer=_ClockSigner,
                                  signer_kwargs={"now": now})


def _keys(settings: Settings) -> tuple[str, ...]:
    if not settings.token_keys:
        raise InvalidToken("customer tokens are not configured (PREFERO_TOKEN_KEYS is empty)")
    return tuple(settings.token_keys)


def sign_customer_token(settings: Settings, customer_id: str, *,
                        now: float | None = None) -> IssuedToken:
    """Sign a token for ``customer_id``, valid for ``settings.token_ttl_seconds``.

    >>> s = Settings(token_keys=["k1"])
    >>> issued = sign_customer_token(s, "c1")
    >>> verify_customer_token(s, issued.token).customer_id
    'c1'
    """
    issued_at = time.time() if now is None else now
    claims = TokenClaims(customer_id=customer_id, jti=secrets.token_urlsafe(12),
                         issued_at=issued_at)
    payload = {"sub": claims.customer_id, "jti": claims.jti, "iat": claims.issued_at}
    token = _serializer(_keys(settings), now).dumps(payload)
    # Expiry is counted from the signer's whole-second timestamp, so state that one.
    expires = int(issued_at) + settings.token_ttl_seconds
    return IssuedToken(token=str(token), claims=claims,
                       expires_at=datetime.fromtimestamp(expires, UTC))


def verify_customer_token(settings: Settings, token: str, *,
                          now: float | None = None) -> TokenClaims:
    """The claims of a valid, unexpired token signed by one of ``settings.token_keys``.

    Raises ``InvalidToken`` (401) for a tampered or unknown-key token, its subclass
    ``TokenExpired`` for an expired one.

    >>> verify_customer_token(Settings(token_keys=["k1"]), "forged")
    Traceback (most recent call last):
    ...
    prefero.errors.InvalidToken: the customer token is not valid
    """
    try:
        payload = _serializer(_keys(settings), now).loads(
            token, max_age=settings.token_ttl_seconds)
    except SignatureExpired:
        raise TokenExpired("the customer token has expired") from None
    except BadSignature:
        raise InvalidToken("the customer token is not valid") from None
    return _claims(payload)


def _claims(payload: Any) -> TokenClaims:
    if not isinstance(payload, dict):
        raise InvalidToken("the customer token is not valid")
    sub, jti, iat = payload.get("sub"), payload.get("jti"), payload.get("iat")
    if not (isinstance(sub, str) and sub and isinstance(jti, str)
            and isinstance(iat, int | float)):
        raise InvalidToken("the customer token is not valid")
    return TokenClaims(customer_id=sub, jti=jti, issued_at=float(iat))

