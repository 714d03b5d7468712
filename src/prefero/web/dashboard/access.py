"""Who is signed in to the dashboard, and what their role lets them do: the dependencies
every dashboard route declares. Checked on the server for every request; the menu only
mirrors them.

``Staff`` (a route parameter) is the signed-in account; without a valid session the request
ends in ``SignInNeeded`` (the frame sends the browser to the sign-in page).
``Depends(require("marketer"))`` in a route's ``dependencies`` refuses a lower role with
``RoleRefused`` (403) before the route runs.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from prefero.runtime import Runtime
from prefero.staff.roles import Role, allows
from prefero.staff.schemas import StaffOut
from prefero.staff.service import get_staff
from prefero.web.dashboard.session import StaffSession, read_cookie, write_cookie

__all__ = ["RoleRefused", "SignInNeeded", "Staff", "current_staff", "require", "signed_in"]


class SignInNeeded(Exception):
    """No valid staff session: none, forged, expired, or its account disabled or given a
    new password since."""


class RoleRefused(Exception):
    """The signed-in account's role is below what the route needs; nothing ran."""

    def __init__(self, staff: StaffOut, needed: Role) -> None:
        super().__init__(f"{staff.role} may not do what needs {needed}")
        self.staff = staff
        self.needed = needed


def _account(runtime: Runtime, found: StaffSession) -> StaffOut | None:
    with runtime.session() as session:
        staff = get_staff(session, found.staff_id)
    if staff is None or staff.disabled:
        return None
    if staff.sessions_valid_from.timestamp() > found.signed_in_at:
        return None
    return staff


async def signed_in(request: Request) -> tuple[StaffSession, StaffOut] | None:
    """The request's staff session and its account, when both are valid; the cookie is
    left as it is."""
    runtime: Runtime = request.app.state.runtime
    found = read_cookie(request, runtime.settings)
    if found is None:
        return None
    # One read by primary key, off the event loop.
    staff = await run_in_threadpool(_account, runtime, found)
    return None if staff is None else (found, staff)


async def current_staff(request: Request, response: Response) -> StaffOut:
    """The signed-in account; renews the cookie, so the idle time starts again."""
    found = await signed_in(request)
    if found is None:
        raise SignInNeeded()
    write_cookie(response, request, request.app.state.runtime.settings, found[0])
    request.state.staff = found[1]
    return found[1]


Staff = Annotated[StaffOut, Depends(current_staff)]


def require(role: Role) -> Callable[..., Coroutine[Any, Any, StaffOut]]:
    """A dependency admitting accounts of ``role`` or above.

    >>> router.post("/dashboard/segments", dependencies=[Depends(require("marketer"))])
    ... # doctest: +SKIP
    """

    async def check(staff: Staff) -> StaffOut:
        if not allows(staff.role, role):
            raise RoleRefused(staff, role)
        return staff

    # What the route needs, readable from its dependencies (the role tests list them).
    check.needed_role = role  # type: ignore[attr-defined]
    return check
