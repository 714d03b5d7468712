"""Issuing and revoking customer tokens (and refusing those of erased customers), and the
one-time codes that turn a token response into a preference-center session. No HTTP here:
the API and the web routes call these.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.auth.models import ExchangeCode, TokenRevocation
from prefero.auth.tokens import TokenClaims, sign_customer_token
from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.privacy.models import ErasureReceipt
from prefero.privacy.service import subject_hash

__all__ = [
    "EXCHANGE_CODE_TTL",
    "EXCHANGE_PATH",
    "RevocationOut",
    "TokenOut",
    "credential_ended",
    "exchange_code_usable",
    "is_revoked",
    "issue_token",
    "redeem_exchange_code",
    "revoke_tokens",
]

EXCHANGE_PATH = "/session/exchange"
# Long enough for a redirect and a slow page load, short enough that a code copied out of a
# log or a history entry is useless.
EXCHANGE_CODE_TTL = timedelta(seconds=120)


class TokenOut(BaseModel):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime
    exchange_url: str = Field(
        description="Open once, within two minutes, to enter the preference center signed "
                    "in as this customer (it sets the session cookie). It carries a one-time "
                    "code, not the token.")


class RevocationOut(BaseModel):
    customer_id: str
    revoked_before: datetime = Field(
        description="Every token of this customer issued before this time is refused.")


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def issue_token(session: Session, *, customer_id: str, settings: Settings,
                now: datetime | None = None) -> TokenOut:
    """Sign a token for ``customer_id`` and store a one-time exchange code for it."""
    now = now or utcnow()
    issued = sign_customer_token(settings, customer_id, now=now.timestamp())
    code = secrets.token_urlsafe(32)
    # Expired codes that were never used go on the way: the table stays tiny.
    session.execute(delete(ExchangeCode).where(ExchangeCode.expires_at < now))
    session.add(ExchangeCode(code_hash=_hash(code), customer_id=customer_id,
                             expires_at=now + EXCHANGE_CODE_TTL))
    session.flush()
    return TokenOut(token=issued.token, expires_at=issued.expires_at,
                    exchange_url=f"{EXCHANGE_PATH}?{urlencode({'code': code})}")


def revoke_tokens(session: Session, *, customer_id: str, now: datetime | None = None
                  ) -> RevocationOut:
    """Refuse every token (and unused exchange code) issued to ``customer_id`` until now."""
    now = now or utcnow()
    row = session.get(TokenRevocation, customer_id, with_for_update=True)
    if row is None:
        try:
            # A savepoint: two revocations at once may both find no row; the loser updates.
            with session.begin_nested():
                session.add(TokenRevocation(customer_id=customer_id, not_before=now))
        except IntegrityError:
            row = session.get(TokenRevocation, customer_id, with_for_update=True,
                              populate_existing=True)
    if row is not None:
        row.not_before = max(row.not_before, now)
    session.execute(delete(ExchangeCode).where(ExchangeCode.customer_id == customer_id))
    session.flush()
    return RevocationOut(customer_id=customer_id, revoked_before=now)


def credential_ended(session: Session, *, customer_id: str, issued_at: float,
                     settings: Settings) -> bool:
    """Whether a credential of ``customer_id`` issued at ``issued_at`` (epoch seconds: a
    token's ``iat``, an exchange session's sign-in time) no longer counts: the customer's
    tokens were revoked later, or the customer was erased later.

    Erasure sweeps the revocation row with everything else naming the id, so it is the
    erasure receipt (a keyed hash of the id, and the time) that keeps an erased customer's
    earlier tokens dead; a token issued after the erasure (a returning customer) still works.
    One statement, two indexed reads.

    >>> credential_ended(session, customer_id="c1", issued_at=0.0, settings=settings)
    ... # doctest: +SKIP
    False
    """
    revoked = (select(TokenRevocation.not_before)
               .where(TokenRevocation.customer_id == customer_id).scalar_subquery())
    erased = (select(func.max(ErasureReceipt.erased_at))
              .where(ErasureReceipt.subject_hash
                     == subject_hash(customer_id, key=settings.erasure_key))
              .scalar_subquery())
    row = session.execute(select(revoked, erased)).one()
    return any(moment is not None and issued_at < moment.timestamp() for moment in row)


def is_revoked(session: Session, claims: TokenClaims, *, settings: Settings) -> bool:
    """Whether the customer's tokens were revoked, or the customer erased, after this token
    was issued (``credential_ended``)."""
    return credential_ended(session, customer_id=claims.customer_id,
                            issued_at=claims.issued_at, settings=settings)


def exchange_code_usable(session: Session, *, code: str, now: datetime | None = None
                         ) -> bool:
    """Whether ``code`` is known, unused and unexpired, without consuming it: the page that
    asks the visitor to continue is shown only for a code that would work.

    >>> exchange_code_usable(session, code="never-issued")  # doctest: +SKIP
    False
    """
    if not code or len(code) > 200:
        return False
    now = now or utcnow()
    expires_at = session.scalar(select(ExchangeCode.expires_at)
                                .where(ExchangeCode.code_hash == _hash(code)))
    return expires_at is not None and expires_at > now


def redeem_exchange_code(session: Session, *, code: str, now: datetime | None = None
                         ) -> str | None:
    """The customer a valid code was issued for, consuming the code; None when the code is
    unknown, already used or expired.

    The row is deleted in the same statement that reads it, so two requests racing with
    one code cannot both win.
    """
    if not code or len(code) > 200:
        return None
    now = now or utcnow()
    found = session.execute(
        delete(ExchangeCode).where(ExchangeCode.code_hash == _hash(code))
        .returning(ExchangeCode.customer_id, ExchangeCode.expires_at)
    ).first()
    session.flush()
    if found is None or found.expires_at <= now:
        return None
    return str(found.customer_id)
