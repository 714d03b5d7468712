"""Signed customer tokens without a database: round trip, expiry, tampering, key rotation."""

from __future__ import annotations

import time

import pytest

from prefero.auth.tokens import sign_customer_token, verify_customer_token
from prefero.config import Settings
from prefero.errors import InvalidToken

OLD, NEW = "old-token-key-0123456789", "new-token-key-0123456789"


def _settings(*keys: str, ttl: int = 900) -> Settings:
    return Settings(token_keys=list(keys), token_ttl_seconds=ttl)


def test_a_token_names_its_customer_and_expires_after_the_ttl() -> None:
    settings = _settings(NEW, ttl=60)
    now = time.time()
    issued = sign_customer_token(settings, "c-1", now=now)
    claims = verify_customer_token(settings, issued.token, now=now + 59)
    assert claims.customer_id == "c-1"
    assert claims.jti and claims.issued_at == pytest.approx(now)
    assert issued.expires_at.timestamp() == int(now) + 60
    with pytest.raises(InvalidToken, match="expired"):
        verify_customer_token(settings, issued.token, now=now + 61)


def test_each_token_has_its_own_id() -> None:
    settings = _settings(NEW)
    first, second = (sign_customer_token(settings, "c-1") for _ in range(2))
    assert first.token != second.token
    assert first.claims.jti != second.claims.jti


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: "x" + t[1:],  # payload changed
    lambda t: t.split(".")[0],  # signature cut off
    lambda t: "",
])
def test_a_tampered_token_is_refused(mangle: object) -> None:
    settings = _settings(NEW)
    token = sign_customer_token(settings, "c-1").token
    assert callable(mangle)
    with pytest.raises(InvalidToken, match="not valid"):
        verify_customer_token(settings, mangle(token))


def test_a_token_signed_by_an_unknown_key_is_refused() -> None:
    token = sign_customer_token(_settings("someone-elses-key"), "c-1").token
    with pytest.raises(InvalidToken):
        verify_customer_token(_settings(NEW, OLD), token)


def test_a_token_of_another_purpose_with_the_same_key_is_refused() -> None:
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer(NEW, salt="prefero.session").dumps(
        {"sub": "c-1", "jti": "x", "iat": time.time()})
    with pytest.raises(InvalidToken):
        verify_customer_token(_settings(NEW), str(forged))


def test_rotation_the_newest_key_signs_and_every_listed_key_verifies() -> None:
    before = sign_customer_token(_settings(OLD), "c-1").token
    rotated = _settings(NEW, OLD)  # a new key in front, the old one still listed
    assert verify_customer_token(rotated, before).customer_id == "c-1"
    after = sign_customer_token(rotated, "c-1").token
    # Signed with NEW: verifies with NEW alone, not with OLD alone.
    assert verify_customer_token(_settings(NEW), after).customer_id == "c-1"
    with pytest.raises(InvalidToken):
        verify_customer_token(_settings(OLD), after)
    # The old key dropped: tokens it signed stop working.
    with pytest.raises(InvalidToken):
        verify_customer_token(_settings(NEW), before)


def test_no_signing_key_configured_refuses_to_sign_and_to_verify() -> None:
    with pytest.raises(InvalidToken):
        sign_customer_token(_settings(), "c-1")
    with pytest.raises(InvalidToken):
        verify_customer_token(_settings(), "anything")
