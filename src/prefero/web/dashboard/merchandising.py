"""The merchandising editor: the shop's rules (pin, boost, bury, hide) in staff's words, and,
for marketers and administrators, adding, editing and deleting them (a deletion asks first).

The rules live in ``prefero.merchandising.service``, which checks them; this module only
translates between the form and the service (``rule_form``) and words the list
(``rule_words``). A refused form comes back with each wrong field named beside it and
nothing stored; every change is in the audit log under the staff member's name
(``merchandising.rules.add`` / ``.write`` / ``.delete``, as the API records them).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.analytics.reasons import placement_label
from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt
from prefero.errors import InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.merchandising.schemas import ALL_PLACEMENTS, Rule, RuleIn
from prefero.merchandising.service import (
    MAX_RULES,
    add_rule,
    delete_rule,
    get_rule,
    list_rules,
    update_rule,
)
from prefero.runtime import Runtime
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import dashboard_page
from prefero.web.dashboard.rule_form import ACTIONS, RuleForm, field_of, form_of, read_form
from prefero.web.dashboard.rule_words import ACTION_NAMES, rule_row
from prefero.web.i18n import Translator, language_of, translator
from prefero.web.preference_words import Words, page_words
from prefero.web.time_zones import zone_label

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="merchandising", path="/dashboard/merchandising",
                        label=N_("Merchandising"), role="read_only", order=55))
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]

_ACTION_HINTS = {
    "pin": N_("Shows one of the products at a slot of the row."),
    "boost": N_("Moves the products up, by the strength."),
    "bury": N_("Moves the products down, by the strength."),
    "hide": N_("Never shows the products there, in lists and searches too."),
}
_TOO_MANY = N_("The shop keeps at most {n} rules: delete one first.")
_CHECK = N_("Check this field.")
_EDIT = N_("Edit a merchandising rule")
_DELETE = N_("Delete a merchandising rule")
_GONE = N_("No such rule")
_LARGEST_ID = 2**31 - 1


def _zone(runtime: Runtime) -> tuple[tzinfo, str]:
    """The shop's time zone (``PREFERO_CONTENT_TIME_ZONE``: the one its content slots keep
    time by) and its IANA name; UTC when it names none the system knows."""
    name = runtime.settings.content_time_zone
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return UTC, "UTC"


def _zone_name(name: str, language: str) -> str:
    return "UTC" if name == "UTC" else zone_label(name, language)


def _rule_id(text: str) -> int | None:
    """A rule id from the address; None for anything that cannot be one."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= _LARGEST_ID else None


def _stored(session: Session, rule_id: str) -> Rule | None:
    """The rule the address names; None when there is none (or it cannot be an id)."""
    number = _rule_id(rule_id)
    try:
        return None if number is None else get_rule(session, number)
    except NotFound:
        return None


def _form_context(words: Words, runtime: Runtime) -> dict[str, Any]:
    """What the rule form offers: the actions, the shop's facets, the places."""
    t = words.t
    schema = runtime.facet_schema
    facets = sorted(((facet.name, words.facet(facet.name)) for facet in schema.facets
                     if facet.type != "numeric"), key=lambda pair: pair[1].casefold())
    return {
        "actions": [(code, t(ACTION_NAMES[code]), t(_ACTION_HINTS[code])) for code in ACTIONS],
        "facets": facets,
        "places": [(code, placement_label(code, words.language)) for code in ALL_PLACEMENTS],
    }


def _list_page(request: Request, staff: StaffOut, session: DbSession, runtime: Runtime, *,
               form: RuleForm | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    words = page_words(request, session, runtime)
    zone, _name = _zone(runtime)
    now = datetime.now(UTC)
    rows = [rule_row(rule, words=words, zone=zone, now=now) for rule in list_rules(session)]
    may_edit = allows(staff.role, "marketer")
    return dashboard_page(
        request, "dashboard/merchandising.html", staff=staff, page=PAGE,
        status_code=status_code, rows=rows, may_edit=may_edit,
        form=form or RuleForm(), errors=errors or {}, action_url=PAGE.path,
        zone_name=_zone_name(_zone(runtime)[1], words.language),
        **(_form_context(words, runtime) if may_edit else {}))


def _edit_page(request: Request, staff: StaffOut, session: DbSession, runtime: Runtime, *,
               rule_id: int, name: str, form: RuleForm, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    words = page_words(request, session, runtime)
    return dashboard_page(
        request, "dashboard/merchandising_edit.html", staff=staff, page=PAGE, title=_EDIT,
        status_code=status_code, form=form, errors=errors or {}, rule_id=rule_id,
        rule_name=name, action_url=f"{PAGE.path}/{rule_id}",
        zone_name=_zone_name(_zone(runtime)[1], words.language),
        **_form_context(words, runtime))


def _gone(request: Request, staff: StaffOut) -> Response:
    return dashboard_page(request, "dashboard/merchandising_gone.html", staff=staff,
                          page=PAGE, title=_GONE, status_code=404)


def _posted(name: Annotated[str, Form()] = "", action: Annotated[str, Form()] = "",
            match: Annotated[str, Form()] = "", facet: Annotated[str, Form()] = "",
            values: Annotated[str, Form()] = "", product_ids: Annotated[str, Form()] = "",
            placements: Annotated[list[str] | None, Form()] = None,
            starts_at: Annotated[str, Form()] = "", ends_at: Annotated[str, Form()] = "",
            strength: Annotated[str, Form()] = "", position: Annotated[str, Form()] = "",
            priority: Annotated[str, Form()] = "",
            enabled: Annotated[str, Form()] = "") -> RuleForm:
    """The form as posted (an unchecked box is not posted at all)."""
    return RuleForm(name=name, action=action, match=match, facet=facet, values=values,
                    product_ids=product_ids, placements=list(placements or []),
                    starts_at=starts_at, ends_at=ends_at, strength=strength,
                    position=position, priority=priority, enabled=enabled == "on")


Posted = Annotated[RuleForm, Depends(_posted)]


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _read(request: Request, runtime: Runtime, form: RuleForm
          ) -> tuple[RuleIn | None, dict[str, str]]:
    zone, _name = _zone(runtime)
    return read_form(form, schema=runtime.facet_schema, zone=zone, t=_t(request))


def _refused(request: Request, exc: InvalidInput) -> dict[str, str]:
    """What the service refused after the form's own reading passed (another request
    changed something in between): each field, in the page's words."""
    t = _t(request)
    if not exc.errors:
        return {"form": t(_TOO_MANY, n=t.number(MAX_RULES))}
    return {field_of(error.loc): t(_CHECK) for error in exc.errors}


def _audit(session: DbSession, request: Request, staff: StaffOut, action: str,
           rule_id: int) -> None:
    record_request(session, request, actor=staff.actor, action=f"merchandising.rules.{action}",
                   target_kind="merchandising_rule", target=str(rule_id))


@router.get(PAGE.path)
def rules(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    return _list_page(request, staff, session, runtime)


@router.post(PAGE.path)
def create(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
           form: Posted) -> Response:
    rule, errors = _read(request, runtime, form)
    if rule is not None:
        try:
            added = add_rule(session, rule, schema=runtime.facet_schema)
        except InvalidInput as exc:
            session.rollback()
            errors = _refused(request, exc)
        else:
            _audit(session, request, staff, "add", added.id)
            flash(request, N_("Rule “{name}” added."), name=added.name)
            return RedirectResponse(PAGE.path, status_code=303)
    return _list_page(request, staff, session, runtime, form=form, errors=errors,
                      status_code=422)


@router.get(PAGE.path + "/{rule_id}")
def edit(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
         rule_id: str) -> Response:
    rule = _stored(session, rule_id)
    if rule is None:
        return _gone(request, staff)
    zone, _name = _zone(runtime)
    form = form_of(rule, schema=runtime.facet_schema, zone=zone, t=_t(request))
    return _edit_page(request, staff, session, runtime, rule_id=rule.id, name=rule.name,
                      form=form)


@router.post(PAGE.path + "/{rule_id}")
def update(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
           rule_id: str, form: Posted) -> Response:
    stored = _stored(session, rule_id)
    if stored is None:
        return _gone(request, staff)
    rule, errors = _read(request, runtime, form)
    if rule is not None:
        try:
            changed = update_rule(session, stored.id, rule, schema=runtime.facet_schema)
        except InvalidInput as exc:
            session.rollback()
            errors = _refused(request, exc)
        else:
            _audit(session, request, staff, "write", changed.id)
            flash(request, N_("Rule “{name}” saved."), name=changed.name)
            return RedirectResponse(PAGE.path, status_code=303)
    return _edit_page(request, staff, session, runtime, rule_id=stored.id, name=stored.name,
                      form=form, errors=errors, status_code=422)


@router.get(PAGE.path + "/{rule_id}/delete")
def confirm_delete(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
                   rule_id: str) -> Response:
    rule = _stored(session, rule_id)
    if rule is None:
        return _gone(request, staff)
    words = page_words(request, session, runtime)
    zone, _name = _zone(runtime)
    return dashboard_page(
        request, "dashboard/merchandising_delete.html", staff=staff, page=PAGE,
        title=_DELETE, row=rule_row(rule, words=words, zone=zone, now=datetime.now(UTC)))


@router.post(PAGE.path + "/{rule_id}/delete")
def delete(request: Request, staff: Marketer, session: DbSession, rule_id: str) -> Response:
    rule = _stored(session, rule_id)
    if rule is None:
        return _gone(request, staff)
    try:
        delete_rule(session, rule.id)
    except NotFound:  # deleted by someone else meanwhile
        session.rollback()
        return _gone(request, staff)
    _audit(session, request, staff, "delete", rule.id)
    flash(request, N_("Rule “{name}” deleted."), name=rule.name)
    return RedirectResponse(PAGE.path, status_code=303)
