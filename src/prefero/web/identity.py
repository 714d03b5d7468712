"""Who is browsing: a signed session cookie holds the customer id — a demo persona after
sign-in, else an anonymous visitor id. Pages never take a customer id from the request, so
a session can reach only its own customer's data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.requests import Request

from prefero.customers.models import ANONYMOUS_PREFIX

__all__ = ["ANONYMOUS_PREFIX", "Visitor", "exchange_sign_in", "sign_in", "sign_out",
           "switch_profile", "visitor"]

# When a one-time exchange signed this session in (epoch seconds): such a session ends with
# the customer's tokens (revocation, erasure) and after ``exchange_session_seconds``.
SIGNED_IN_AT = "signed_in_at"


# The household profile the signed-in account shops for (prefero.customers.households):
# its id and the customer row that holds its preferences. Absent: the account's own.
PROFILE_KEY = "profile"
PROFILE_SUBJECT = "profile_subject"


@dataclass(frozen=True)
class Visitor:
    """``customer_id`` is whose preferences the pages use: the active household profile's
    row, so recommendations, search, quizzes and the preference center follow the profile.
    ``account_id`` is the account holder: consent, the data export, erasure and sign-out act
    on it (the same id when no other profile is active)."""

    customer_id: str
    signed_in: bool
    account_id: str = ""
    profile_id: str = "main"

    def __post_init__(self) -> None:
        if not self.account_id:
            object.__setattr__(self, "account_id", self.customer_id)


def visitor(request: Request) -> Visitor:
    """The session's visitor, creating an anonymous id on the first page."""
    session = request.session
    customer_id = session.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id:
        customer_id = f"{ANONYMOUS_PREFIX}{uuid.uuid4().hex}"
        session["customer_id"] = customer_id
        session["signed_in"] = False
    signed_in = bool(session.get("signed_in"))
    subject, key = session.get(PROFILE_SUBJECT), session.get(PROFILE_KEY)
    if signed_in and isinstance(subject, str) and subject and isinstance(key, str) and key:
        return Visitor(customer_id=subject, signed_in=True, account_id=customer_id,
                       profile_id=key)
    return Visitor(customer_id=customer_id, signed_in=signed_in)


def switch_profile(request: Request, *, profile_id: str, subject_id: str) -> None:
    """Shop for the account's profile ``profile_id`` (whose row is ``subject_id``) from the
    next page on; the account's own profile when ``subject_id`` is the account."""
    if subject_id == request.session.get("customer_id"):
        request.session.pop(PROFILE_KEY, None)
        request.session.pop(PROFILE_SUBJECT, None)
        return
    request.session[PROFILE_KEY] = profile_id
    request.session[PROFILE_SUBJECT] = subject_id


def sign_in(request: Request, customer_id: str, *, at: float | None = None) -> None:
    """Sign the session in as ``customer_id``; ``at`` (epoch seconds) marks a sign-in by the
    one-time exchange, which the web-wide session check then holds to the customer's token
    revocations and erasure."""
    request.session["customer_id"] = customer_id
    request.session["signed_in"] = True
    # A new sign-in shops for the account's own profile.
    request.session.pop(PROFILE_KEY, None)
    request.session.pop(PROFILE_SUBJECT, None)
    if at is not None:
        request.session[SIGNED_IN_AT] = at


def exchange_sign_in(request: Request) -> tuple[str, float] | None:
    """The customer and sign-in time of a session the exchange signed in, else None."""
    customer_id = request.session.get("customer_id")
    at = request.session.get(SIGNED_IN_AT)
    if not isinstance(customer_id, str) or not isinstance(at, int | float):
        return None
    return customer_id, float(at)


def sign_out(request: Request) -> None:
    request.session.clear()
