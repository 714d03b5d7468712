"""The staff session: a cookie of its own, apart from the shopper's.

It is signed with the shop's session secret under a salt of its own (itsdangerous), so a
shopper's session cookie can never pass for a staff session nor the other way round; it
holds the account's id and the sign-in time, nothing else. The cookie is HttpOnly,
SameSite=Strict (no other site's link or form carries it), limited to ``/dashboard``, and
Secure when the settings say the site is served over HTTPS or the request came over HTTPS.

It ends after ``staff_session_idle_seconds`` without a request (each request signs it
afresh) and ``staff_session_seconds`` after the sign-in whatever happens; it also ends when
the account is disabled or its password changed after the sign-in (the account's
``sessions_valid_from``), which the access check reads on every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from prefero.config import Settings

__all__ = ["COOKIE", "PATH", "StaffSession", "clear_cookie", "read_cookie", "write_cookie"]

COOKIE = "prefero_staff"
PATH = "/dashboard"
_SALT = "prefero.dashboard.staff-session"


@dataclass(frozen=True)
class StaffSession:
    """Who signed in (the account's id) and when (epoch seconds)."""

    staff_id: int
    signed_in_at: float


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret, salt=_SALT)


def read_cookie(request: Request, settings: Settings, *, now: float | None = None
                ) -> StaffSession | None:
    """The session the request's cookie holds, or None when it is missing, forged, idle for
    too long or past its lifetime."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=settings.staff_session_idle_seconds)
    except BadSignature:  # also SignatureExpired: idle for too long
        return None
    if not isinstance(data, dict):
        return None
    staff_id, signed_in_at = data.get("id"), data.get("at")
    if (not isinstance(staff_id, int) or isinstance(staff_id, bool)
            or not isinstance(signed_in_at, int | float)):
        return None
    now = time.time() if now is None else now
    if now - signed_in_at > settings.staff_session_seconds:
        return None
    return StaffSession(staff_id=staff_id, signed_in_at=float(signed_in_at))


def _secure(request: Request, settings: Settings) -> bool:
    return settings.session_cookie_secure or request.url.scheme == "https"


def write_cookie(response: Response, request: Request, settings: Settings,
                 session: StaffSession) -> None:
    """Set (or renew, restarting the idle time) the session's cookie on ``response``."""
    value = _serializer(settings).dumps({"id": session.staff_id, "at": session.signed_in_at})
    # No max_age: the cookie goes with the browser; the signature's age decides expiry.
    response.set_cookie(COOKIE, value, path=PATH, httponly=True, samesite="strict",
                        secure=_secure(request, settings))


def clear_cookie(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict",
                           secure=_secure(request, settings))
