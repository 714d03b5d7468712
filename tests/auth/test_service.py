"""Issuing, revoking and exchanging customer tokens against the database (both engines)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from prefero.auth.service import (
    EXCHANGE_CODE_TTL,
    credential_ended,
    exchange_code_usable,
    is_revoked,
    issue_token,
    redeem_exchange_code,
    revoke_tokens,
)
from prefero.auth.tokens import verify_customer_token
from prefero.db.base import utcnow
from prefero.privacy.models import ErasureReceipt
from prefero.privacy.service import subject_hash
from prefero.runtime import Runtime


def _code(exchange_url: str) -> str:
    return parse_qs(urlsplit(exchange_url).query)["code"][0]


def test_an_exchange_code_works_once(runtime: Runtime) -> None:
    with runtime.session() as s:
        issued = issue_token(s, customer_id="c-1", settings=runtime.settings)
    code = _code(issued.exchange_url)
    assert code not in issued.token and issued.token not in issued.exchange_url
    with runtime.session() as s:
        # Looking does not consume: the page asking to continue checks the code first.
        assert exchange_code_usable(s, code=code)
        assert exchange_code_usable(s, code=code)
    with runtime.session() as s:
        assert redeem_exchange_code(s, code=code) == "c-1"
    with runtime.session() as s:
        assert redeem_exchange_code(s, code=code) is None
        assert not exchange_code_usable(s, code=code)


def test_an_expired_or_unknown_code_is_refused(runtime: Runtime) -> None:
    with runtime.session() as s:
        issued = issue_token(s, customer_id="c-1", settings=runtime.settings)
    later = utcnow() + EXCHANGE_CODE_TTL + timedelta(seconds=1)
    with runtime.session() as s:
        assert redeem_exchange_code(s, code=_code(issued.exchange_url), now=later) is None
        assert redeem_exchange_code(s, code="never-issued") is None
        assert redeem_exchange_code(s, code="") is None


def test_revocation_covers_earlier_tokens_and_unused_codes(runtime: Runtime) -> None:
    settings = runtime.settings
    with runtime.session() as s:
        before = issue_token(s, customer_id="c-1", settings=settings)
        other = issue_token(s, customer_id="c-2", settings=settings)
    with runtime.session() as s:
        revoke_tokens(s, customer_id="c-1")
        revoke_tokens(s, customer_id="c-1")  # repeating is harmless
    with runtime.session() as s:
        after = issue_token(s, customer_id="c-1", settings=settings)
    with runtime.session() as s:
        assert is_revoked(s, verify_customer_token(settings, before.token), settings=settings)
        assert not is_revoked(s, verify_customer_token(settings, after.token), settings=settings)
        assert not is_revoked(s, verify_customer_token(settings, other.token), settings=settings)
        assert redeem_exchange_code(s, code=_code(before.exchange_url)) is None
        assert redeem_exchange_code(s, code=_code(other.exchange_url)) == "c-2"


def test_an_erasure_receipt_ends_earlier_tokens_only(runtime: Runtime) -> None:
    """Erasure deletes the revocation row with the rest of the customer's rows; the receipt
    (a keyed hash of the id and the time) is what refuses the tokens issued before it."""
    settings = runtime.settings
    with runtime.session() as s:
        before = issue_token(s, customer_id="c-1", settings=settings)
        other = issue_token(s, customer_id="c-2", settings=settings)
        s.add(ErasureReceipt(subject_hash=subject_hash("c-1", key=settings.erasure_key),
                             erased_at=utcnow() + timedelta(seconds=1)))
    after = (utcnow() + timedelta(seconds=2)).timestamp()  # a returning customer's sign-in
    with runtime.session() as s:
        claims = verify_customer_token(settings, before.token)
        assert is_revoked(s, claims, settings=settings)
        assert not is_revoked(s, verify_customer_token(settings, other.token),
                              settings=settings)
        assert not credential_ended(s, customer_id="c-1", issued_at=after, settings=settings)
        # Keyed: under another erasure key the receipt names nobody.
        other_key = settings.model_copy(update={"erasure_key": "another-erasure-key"})
        assert not is_revoked(s, claims, settings=other_key)
