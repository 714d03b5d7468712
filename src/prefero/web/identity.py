"""Who is browsing: a signed session cookie holds the customer id — a demo persona after
sign-in, else an anonymous visitor id. Pages never take a customer id from the request, so
a session can reach only its own customer's data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.requests import Request

from prefero.customers.models import ANONYMOUS_PREFIX

__all__ = ["ANONYMOUS_PREFIX", "Visitor", "exchange_sign_in", "sign_in", "sign_out", "visitor"]

# When a one-time exchange signed this session in (epoch seconds): such a session ends with
# the customer's tokens (revocation, erasure) and after ``exchange_session_seconds``.
SIGNED_IN_AT = "signed_in_at"


@dataclass(frozen=True)
class Visitor:
    customer_id: str
    signed_in: bool


def visitor(request: Request) -> Visitor:
    """The session's visitor, creating an anonymous id on the first page."""
    session = request.session
    customer_id = session.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id:
        customer_id = f"{ANONYMOUS_PREFIX}{uuid.uuid4().hex}"
        session["customer_id"] = customer_id
        session["signed_in"] = False
    return Visitor(customer_id=customer_id, signed_in=bool(session.get("signed_in")))


def sign_in(request: Request, customer_id: str, *, at: float | None = None) -> None:
    """Sign the session in as ``customer_id``; ``at`` (epoch seconds) marks a sign-in by the
    one-time exchange, which the web-wide session check then holds to the customer's token
    revocations and erasure."""
    request.session["customer_id"] = customer_id
    request.session["signed_in"] = True
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
