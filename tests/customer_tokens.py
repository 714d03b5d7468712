"""Customer tokens for tests: valid, expired and tampered ones, and the header to send."""

from __future__ import annotations

import time

from prefero.auth.tokens import sign_customer_token
from prefero.config import Settings


def token_for(settings: Settings, customer_id: str, *, age_seconds: float = 0) -> str:
    """A token for ``customer_id`` signed with the settings' newest key, issued
    ``age_seconds`` ago (more than ``token_ttl_seconds`` makes it expired)."""
    return sign_customer_token(settings, customer_id, now=time.time() - age_seconds).token


def expired_token(settings: Settings, customer_id: str) -> str:
    return token_for(settings, customer_id, age_seconds=settings.token_ttl_seconds + 5)


def tampered_token(settings: Settings, customer_id: str) -> str:
    """A valid token whose payload names a different customer: the signature no longer fits."""
    token = token_for(settings, customer_id)
    payload, rest = token.split(".", 1)
    return f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{rest}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
