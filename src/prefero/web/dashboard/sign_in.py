"""Signing in to the dashboard and out of it.

A sign-in is refused, with the same words whatever the reason (no such account, wrong
password, disabled account), and every attempt is audited. Repeated failures are stopped by
the app's rate limiter: per e-mail address (``rate_limit_staff_sign_in``) and per client
address (``rate_limit_failed_auth``, which the API's key checks count too).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form
from limits import parse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.rate_limit import rate_limiter
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.staff.schemas import StaffOut
from prefero.staff.service import normal_email, sign_in, sign_in_blocked, signed_out
from prefero.web.dashboard.access import signed_in
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.render import dashboard_page
from prefero.web.dashboard.session import StaffSession, clear_cookie, read_cookie, write_cookie
from prefero.web.i18n import language_of, translator

__all__ = ["router", "safe_next"]

router = APIRouter()

SIGN_IN = "/dashboard/sign-in"
_REFUSED = N_("The e-mail address or the password is not right, or the account is disabled.")
_BLOCKED = N_("Too many failed sign-ins. Try again in {minutes} min.")
_TITLE = N_("Sign in to the dashboard")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a dashboard address of this site, else the overview
    (never another site: ``//evil.example`` or ``/dashboard\\..`` are refused).

    >>> safe_next("/dashboard/quizzes"), safe_next("//evil.example/dashboard"), safe_next(None)
    ('/dashboard/quizzes', '/dashboard', '/dashboard')
    >>> safe_next("/dashboard/sign-in"), safe_next("/dashboardx"), safe_next("/dashboard/\\\\x")
    ('/dashboard', '/dashboard', '/dashboard')
    """
    if (not target or not (target == "/dashboard" or target.startswith("/dashboard/"))
            or target.startswith(SIGN_IN) or "\\" in target or "//" in target
            or any(ch.isspace() or ord(ch) < 32 for ch in target) or len(target) > 500):
        return "/dashboard"
    return target


def _form(request: Request, *, status_code: int = 200, error: str | None = None,
          email: str = "", next_page: str = "/dashboard",
          headers: dict[str, str] | None = None) -> Response:
    response = dashboard_page(request, "dashboard/sign_in.html", staff=None, page=None,
                              title=_TITLE, status_code=status_code, error=error,
                              email=email, next_page=safe_next(next_page))
    if headers:
        response.headers.update(headers)
    return response


@router.get(SIGN_IN)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if read_cookie(request, request.app.state.runtime.settings) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, next_page=next or "/dashboard")


def _attempt(runtime: Runtime, *, email: str, password: str, client: str | None
             ) -> StaffOut | None:
    with runtime.session(write=True) as session:
        return sign_in(session, email=email, password=password, client=client)


def _blocked(runtime: Runtime, *, email: str, client: str | None) -> None:
    with runtime.session(write=True) as session:
        sign_in_blocked(session, email=email, client=client)


@router.post(SIGN_IN)
async def sign_in_submit(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/dashboard",
) -> Response:
    runtime: Runtime = request.app.state.runtime
    client = request.client.host if request.client is not None else None
    address = normal_email(email)[:254]
    shown = email.strip()[:254]
    limiter = rate_limiter(request.app, runtime)
    per_address = parse(runtime.settings.rate_limit_staff_sign_in)
    if limiter is not None:
        wait = (await limiter.auth_blocked(client or "unknown")
                or await limiter.exhausted(per_address, "staff-sign-in", address, exact=True))
        if wait is not None:
            await run_in_threadpool(_blocked, runtime, email=address, client=client)
            t = translator(language_of(request))
            return _form(request, status_code=429, email=shown, next_page=next,
                         error=t(_BLOCKED, minutes=t.number(max(1, -(-wait // 60)))),
                         headers={"Retry-After": str(wait)})
    staff = await run_in_threadpool(_attempt, runtime, email=address, password=password,
                                    client=client)
    if staff is None:
        if limiter is not None:
            await limiter.auth_failed(client or "unknown")
            await limiter.hit(per_address, "staff-sign-in", address, exact=True)
        t = translator(language_of(request))
        return _form(request, status_code=401, error=t(_REFUSED), email=shown, next_page=next)
    # A new token for the signed-in session: one read before the sign-in is worth nothing.
    request.session.pop("csrf", None)
    response = RedirectResponse(safe_next(next), status_code=303)
    write_cookie(response, request, runtime.settings,
                 StaffSession(staff_id=staff.id, signed_in_at=time.time()))
    return response


def _sign_out(runtime: Runtime, staff: StaffOut, client: str | None) -> None:
    with runtime.session(write=True) as session:
        signed_out(session, staff=staff, client=client)


@router.post("/dashboard/sign-out")
async def sign_out(request: Request) -> Response:
    # Not the ``Staff`` dependency: it would renew the very cookie this answer deletes.
    runtime: Runtime = request.app.state.runtime
    found = await signed_in(request)
    if found is not None:
        await run_in_threadpool(_sign_out, runtime, found[1],
                                request.client.host if request.client is not None else None)
    flash(request, N_("You signed out."))
    response = RedirectResponse(SIGN_IN, status_code=303)
    clear_cookie(response, request, runtime.settings)
    return response
