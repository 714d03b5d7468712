"""Who is browsing: a signed session cookie holds the customer id — a demo persona after
sign-in, else an anonymous visitor id. Pages never take a customer id from the request, so
a session can reach only its own customer's data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.requests import Request

__all__ = ["ANONYMOUS_PREFIX", "Visitor", "sign_in", "sign_out", "visitor"]

ANONYMOUS_PREFIX = "anon-"


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


def sign_in(request: Request, customer_id: str) -> None:
    request.session["customer_id"] = customer_id
    request.session["signed_in"] = True


def sign_out(request: Request) -> None:
    request.session.clear()
