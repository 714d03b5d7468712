"""The on-site prompts page: the shop's prompts (what fires each, the content slot it shows,
how often it was shown and dismissed lately) with the caps every customer controls, and, for
marketers and administrators, adding, editing and deleting prompts (a deletion asks first).

The prompts live in ``prefero.prompts.definitions``, the very functions the admin API calls,
which check them; ``prompt_form`` reads the form and words the problems. A refused form
comes back with each wrong field named beside it and nothing stored; every change is in the
audit log under the staff member's name (``prompt.create`` / ``.write`` / ``.delete``, as
the API records them).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession
from prefero.console.prompt_activity import WINDOW, Activity, prompt_activity
from prefero.content.slots import list_slots
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.prompts.caps import DEFAULT_CAPS
from prefero.prompts.decide import CONSENT_FOR
from prefero.prompts.definitions import (
    MAX_PROMPTS,
    create_prompt,
    delete_prompt,
    get_prompt,
    list_prompts,
    replace_prompt,
)
from prefero.prompts.schemas import MAX_GAP_MINUTES, MAX_PER_VISIT, TRIGGERS, PromptIn, PromptOut
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.prompt_form import (
    TRIGGER_NAMES,
    PromptForm,
    form_of,
    of_service,
    read_body,
    threshold_words,
    trigger_hint,
    worded,
)
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.dashboard.words import PURPOSE_NAMES
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="prompts", path="/dashboard/prompts", label=N_("On-site prompts"),
                        role="read_only", order=52))
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]

_TOO_MANY = N_("The shop keeps at most {n} prompts: delete one first.")
_EDIT = N_("Edit a prompt")
_DELETE = N_("Delete a prompt")
_GONE = N_("No such prompt")
# What a prompt's key can be (``prompts.schemas.Key``): anything else in an address names
# nothing and is not sent to the database (PostgreSQL refuses a NUL).
_KEY = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _path(key: str) -> str:
    return f"{PAGE.path}/{key}"


def _stored(session: DbSession, key: str) -> PromptOut | None:
    if not _KEY.fullmatch(key):
        return None
    try:
        return get_prompt(session, key)
    except NotFound:
        return None


def _slots(session: DbSession) -> dict[str, str]:
    """The shop's content slots, key → name, by name."""
    return dict(sorted(((slot.key, slot.name) for slot in list_slots(session)),
                       key=lambda pair: pair[1].casefold()))


def _row(prompt: PromptOut, activity: Activity, slots: dict[str, str], t: Translator,
         n: Numbers) -> dict[str, Any]:
    return {"key": prompt.key, "name": prompt.name, "path": _path(prompt.key),
            "trigger": t(TRIGGER_NAMES[prompt.trigger]),
            "threshold": threshold_words(prompt.trigger, prompt.threshold, t),
            "consent": t(PURPOSE_NAMES[CONSENT_FOR[prompt.trigger]]),
            "slot": prompt.slot, "slot_name": slots.get(prompt.slot),
            "slot_path": f"/dashboard/content/slots/{prompt.slot}",
            "priority": n.count(prompt.priority), "enabled": prompt.enabled,
            "shown": n.count(activity.shown), "dismissed": n.count(activity.dismissed)}


def _form_context(session: DbSession, t: Translator) -> dict[str, Any]:
    return {"triggers": [(code, t(TRIGGER_NAMES[code]), trigger_hint(code, t))
                         for code in TRIGGERS],
            "slot_choices": list(_slots(session).items())}


def _list_page(request: Request, staff: StaffOut, session: DbSession, *,
               form: PromptForm | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    t = _t(request)
    n = Numbers(t)
    activity = prompt_activity(session)
    slots = _slots(session)
    rows = [_row(p, activity.get(p.key, Activity()), slots, t, n)
            for p in list_prompts(session)]
    may_edit = allows(staff.role, "marketer")
    caps = {"per_visit": DEFAULT_CAPS.per_visit, "gap": DEFAULT_CAPS.gap_minutes,
            "most": n.count(MAX_PER_VISIT), "hours": n.count(MAX_GAP_MINUTES // 60)}
    return dashboard_page(
        request, "dashboard/prompts.html", staff=staff, page=PAGE, status_code=status_code,
        rows=rows, may_edit=may_edit, days=n.count(WINDOW.days), caps=caps,
        form=form or PromptForm(trigger="cart_exit"), errors=errors or {},
        action_url=PAGE.path, with_key=True,
        **(_form_context(session, t) if may_edit else {}))


def _edit_page(request: Request, staff: StaffOut, session: DbSession, *, prompt: PromptOut,
               form: PromptForm, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    t = _t(request)
    return dashboard_page(
        request, "dashboard/prompts_edit.html", staff=staff, page=PAGE, title=_EDIT,
        status_code=status_code, prompt=prompt, form=form, errors=errors or {},
        action_url=_path(prompt.key), with_key=False, **_form_context(session, t))


def _gone(request: Request, staff: StaffOut) -> Response:
    return dashboard_page(request, "dashboard/prompts_gone.html", staff=staff, page=PAGE,
                          title=_GONE, status_code=404)


def _posted(key: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
            trigger: Annotated[str, Form()] = "", threshold: Annotated[str, Form()] = "",
            slot: Annotated[str, Form()] = "", priority: Annotated[str, Form()] = "",
            enabled: Annotated[str, Form()] = "") -> PromptForm:
    """The form as posted (an unticked box is not posted at all)."""
    return PromptForm(key=key, name=name, trigger=trigger, threshold=threshold, slot=slot,
                      priority=priority, enabled=enabled == "on")


Posted = Annotated[PromptForm, Depends(_posted)]


def _audit(session: DbSession, request: Request, staff: StaffOut, action: str, key: str
           ) -> None:
    record_request(session, request, actor=staff.actor, action=f"prompt.{action}",
                   target_kind="prompt", target=key)


def _refused(request: Request, exc: InvalidInput | Conflict, form: PromptForm
             ) -> dict[str, str]:
    t = _t(request)
    if not exc.errors:
        return {"form": t(_TOO_MANY, n=t.number(MAX_PROMPTS))}
    return worded(of_service(exc), t, trigger=form.trigger)


@router.get(PAGE.path)
def prompts(request: Request, staff: Staff, session: DbSession) -> Response:
    return _list_page(request, staff, session)


@router.post(PAGE.path)
def create(request: Request, staff: Marketer, session: DbSession, form: Posted) -> Response:
    body, problems = read_body(form, with_key=True)
    errors = worded(problems, _t(request), trigger=form.trigger)
    if isinstance(body, PromptIn):
        try:
            created = create_prompt(session, body)
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            errors = _refused(request, exc, form)
        else:
            _audit(session, request, staff, "create", created.key)
            flash(request, N_("Prompt “{name}” added."), name=created.name)
            return RedirectResponse(PAGE.path, status_code=303)
    return _list_page(request, staff, session, form=form, errors=errors, status_code=422)


@router.get(PAGE.path + "/{prompt_key}")
def edit(request: Request, staff: Marketer, session: DbSession, prompt_key: str) -> Response:
    prompt = _stored(session, prompt_key)
    if prompt is None:
        return _gone(request, staff)
    return _edit_page(request, staff, session, prompt=prompt, form=form_of(prompt))


@router.post(PAGE.path + "/{prompt_key}")
def update(request: Request, staff: Marketer, session: DbSession, prompt_key: str,
           form: Posted) -> Response:
    prompt = _stored(session, prompt_key)
    if prompt is None:
        return _gone(request, staff)
    body, problems = read_body(form, with_key=False)
    errors = worded(problems, _t(request), trigger=form.trigger)
    if body is not None:
        try:
            saved = replace_prompt(session, prompt.key, body)
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            errors = _refused(request, exc, form)
        except NotFound:  # deleted by someone else meanwhile
            session.rollback()
            return _gone(request, staff)
        else:
            _audit(session, request, staff, "write", saved.key)
            flash(request, N_("Prompt “{name}” saved."), name=saved.name)
            return RedirectResponse(PAGE.path, status_code=303)
    form.key = prompt.key
    return _edit_page(request, staff, session, prompt=prompt, form=form, errors=errors,
                      status_code=422)


@router.get(PAGE.path + "/{prompt_key}/delete")
def confirm_delete(request: Request, staff: Marketer, session: DbSession,
                   prompt_key: str) -> Response:
    prompt = _stored(session, prompt_key)
    if prompt is None:
        return _gone(request, staff)
    return dashboard_page(request, "dashboard/prompts_delete.html", staff=staff, page=PAGE,
                          title=_DELETE, prompt=prompt, action_url=f"{_path(prompt.key)}/delete")


@router.post(PAGE.path + "/{prompt_key}/delete")
def delete(request: Request, staff: Marketer, session: DbSession, prompt_key: str
           ) -> Response:
    prompt = _stored(session, prompt_key)
    if prompt is None:
        return _gone(request, staff)
    try:
        delete_prompt(session, prompt.key)
    except NotFound:  # deleted by someone else meanwhile
        session.rollback()
        return _gone(request, staff)
    _audit(session, request, staff, "delete", prompt.key)
    flash(request, N_("Prompt “{name}” deleted."), name=prompt.name)
    return RedirectResponse(PAGE.path, status_code=303)
