"""Staff accounts, for administrators: the list, adding an account, changing a role,
disabling and enabling. Every change goes through ``prefero.staff.service``, which audits it
under the administrator's name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession
from prefero.errors import Conflict, InvalidInput, NotFound, PreferoError
from prefero.i18n.catalogues import N_
from prefero.staff.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from prefero.staff.roles import ROLE_NAMES, ROLES
from prefero.staff.schemas import StaffOut
from prefero.staff.service import add_staff, list_staff, normal_email, set_disabled, set_role
from prefero.web.dashboard.access import require
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="staff", path="/dashboard/staff", label=N_("Staff accounts"),
                        role="admin", order=90))
router = APIRouter()
Admin = Annotated[StaffOut, Depends(require("admin"))]

# What a refused field reads as on the page (the service's own messages are for the API
# and the command line, in English).
_FIELD_WORDS = {
    "email": N_("Enter an e-mail address such as name@example.com."),
    "password": N_("The password must have between {min} and {max} characters."),
    "role": N_("Choose one of the roles."),
}
_TAKEN = N_("Another account has this e-mail address.")
_NOT_FOUND = N_("There is no such account.")
_NOT_YOURSELF = N_("You cannot disable your own account or lower your own role.")


def _errors(exc: PreferoError, t: Translator) -> dict[str, str]:
    if isinstance(exc, Conflict):
        return {"email": t(_TAKEN)}
    if isinstance(exc, NotFound):
        return {"form": t(_NOT_FOUND)}
    found = {}
    for error in exc.errors:
        field = str(error.loc[0]) if error.loc else "form"
        found[field] = t(_FIELD_WORDS.get(field, N_("Check this field.")),
                         min=t.number(MIN_PASSWORD_LENGTH), max=t.number(MAX_PASSWORD_LENGTH))
    return found


def _page(request: Request, staff: StaffOut, session: DbSession, *, status_code: int = 200,
          errors: dict[str, str] | None = None, email: str = "", role: str = "marketer"
          ) -> Response:
    t = translator(language_of(request))
    return dashboard_page(
        request, "dashboard/staff.html", staff=staff, page=PAGE, status_code=status_code,
        accounts=list_staff(session), errors=errors or {}, email=email, chosen_role=role,
        roles=[(role, t(ROLE_NAMES[role])) for role in ROLES],
        min_length=MIN_PASSWORD_LENGTH)


@router.get(PAGE.path)
def staff_list(request: Request, staff: Admin, session: DbSession) -> Response:
    return _page(request, staff, session)


@router.post(PAGE.path)
def staff_add(request: Request, staff: Admin, session: DbSession,
              email: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
              password: Annotated[str, Form()] = "") -> Response:
    t = translator(language_of(request))
    try:
        added = add_staff(session, email=email, role=role, password=password,
                          actor=staff.actor)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return _page(request, staff, session, status_code=422, errors=_errors(exc, t),
                     email=email.strip()[:254], role=role)
    flash(request, N_("Account {email} added."), email=added.email)
    return RedirectResponse(PAGE.path, status_code=303)


def _not_yourself(request: Request, staff: StaffOut, session: DbSession, email: str
                  ) -> Response | None:
    if normal_email(email) == staff.email:
        t = translator(language_of(request))
        return _page(request, staff, session, status_code=422, errors={"form": t(_NOT_YOURSELF)})
    return None


@router.post(f"{PAGE.path}/role")
def staff_role(request: Request, staff: Admin, session: DbSession,
               email: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "") -> Response:
    refused = _not_yourself(request, staff, session, email)
    if refused is not None:
        return refused
    try:
        changed = set_role(session, email=email, role=role, actor=staff.actor)
    except (InvalidInput, NotFound) as exc:
        session.rollback()
        return _page(request, staff, session, status_code=422,
                     errors=_errors(exc, translator(language_of(request))))
    flash(request, N_("{email} is now: {role}."), email=changed.email,
          role=translator(language_of(request))(ROLE_NAMES[changed.role]))
    return RedirectResponse(PAGE.path, status_code=303)


@router.post(f"{PAGE.path}/disabled")
def staff_disabled(request: Request, staff: Admin, session: DbSession,
                   email: Annotated[str, Form()] = "",
                   disabled: Annotated[str, Form()] = "") -> Response:
    refused = _not_yourself(request, staff, session, email)
    if refused is not None:
        return refused
    if disabled not in ("true", "false"):
        t = translator(language_of(request))
        return _page(request, staff, session, status_code=422,
                     errors={"form": t(N_("Check this field."))})
    try:
        changed = set_disabled(session, email=email, disabled=disabled == "true",
                               actor=staff.actor)
    except NotFound as exc:
        session.rollback()
        return _page(request, staff, session, status_code=422,
                     errors=_errors(exc, translator(language_of(request))))
    flash(request, N_("Account {email} disabled.") if changed.disabled
          else N_("Account {email} enabled."), email=changed.email)
    return RedirectResponse(PAGE.path, status_code=303)
