"""The experiments pages: every experiment with how it stands, one experiment's set-up and
live results, and, for marketers and administrators, setting up a draft, editing it,
starting, stopping (asked first) and deleting (asked first).

The experiments live in ``prefero.experiments.service``, which checks them; this module only
translates between the form and the service (``experiment_form``) and words what it shows
(``experiment_words``, ``experiment_view``, and ``experiment_results`` for the figures).
A refused form comes back with each wrong field named beside it and nothing stored; every
change is in the audit log under the staff member's name (``experiments.create`` /
``.write`` / ``.start`` / ``.stop`` / ``.delete``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.experiments.schemas import ExperimentOut
from prefero.experiments.service import (
    MAX_EXPERIMENTS,
    create_experiment,
    delete_experiment,
    get_experiment,
    list_experiments,
    replace_experiment,
    start_experiment,
    stop_experiment,
)
from prefero.i18n.catalogues import N_
from prefero.recommend.quality_reads import kept_versions
from prefero.runtime import Runtime
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.experiment_form import (
    ExperimentForm,
    form_of,
    posted,
    read_form,
    refused,
)
from prefero.web.dashboard.experiment_power import TITLE, PowerForm, answer
from prefero.web.dashboard.experiment_results import results_view, summary_of
from prefero.web.dashboard.experiment_view import form_choices, kind_choices, setup_rows
from prefero.web.dashboard.experiment_words import KIND_NAMES, STATUS_NAMES
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["NEW", "PAGE", "POWER", "experiment_path", "router"]

PAGE = register(NavPage(key="experiments", path="/dashboard/experiments",
                        label=N_("Experiments"), role="read_only", order=58))
#: The set-up of a new experiment. An experiment's own pages are under ``/tests/<key>``, so
#: that no key ("new", "power") can hide a page of the dashboard.
NEW = PAGE.path + "/new"
POWER = PAGE.path + "/power"
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]

_NEW = N_("New experiment")
_EDIT = N_("Edit the experiment")
_STOP = N_("Stop the experiment")
_DELETE = N_("Delete the experiment")
_GONE = N_("No such experiment")
_TAKEN = N_("An experiment with this key exists already.")
_STARTED = N_("The experiment has started: its set-up can no longer change.")
_TOO_MANY = N_("The shop keeps at most {n} experiments: delete one first.")


def experiment_path(key: str) -> str:
    return f"{PAGE.path}/tests/{key}"


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _stored(session: Session, key: str) -> ExperimentOut | None:
    try:
        return get_experiment(session, key)
    except NotFound:
        return None


def _gone(request: Request, staff: StaffOut) -> Response:
    return dashboard_page(request, "dashboard/experiments_gone.html", staff=staff, page=PAGE,
                          title=_GONE, status_code=404)


def _audit(session: Session, request: Request, staff: StaffOut, action: str,
           key: str) -> None:
    record_request(session, request, actor=staff.actor, action=f"experiments.{action}",
                   target_kind="experiment", target=key)


async def _posted(request: Request) -> ExperimentForm:
    data = await request.form()
    return posted(data, data.getlist)


Posted = Annotated[ExperimentForm, Depends(_posted)]


@router.get(PAGE.path)
def experiments(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    t = _t(request)
    rows = [summary_of(session, experiment, settings=runtime.settings, t=t,
                       currency=runtime.shop_currency)
            for experiment in list_experiments(session)]
    return dashboard_page(request, "dashboard/experiments.html", staff=staff, page=PAGE,
                          rows=rows, may_edit=allows(staff.role, "marketer"))


def _form_page(request: Request, staff: StaffOut, session: Session, runtime: Runtime, *,
               form: ExperimentForm, action_url: str, title: str, editing: bool,
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    t = _t(request)
    return dashboard_page(
        request, "dashboard/experiments_form.html", staff=staff, page=PAGE, title=title,
        status_code=status_code, form=form, errors=errors or {}, action_url=action_url,
        editing=editing, kind_name=t(KIND_NAMES.get(form.kind, KIND_NAMES["recommendations"])),
        **form_choices(session, runtime, form=form, t=t))


@router.get(NEW)
def new(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
        kind: str = "") -> Response:
    t = _t(request)
    if kind not in KIND_NAMES:
        return dashboard_page(request, "dashboard/experiments_kind.html", staff=staff,
                              page=PAGE, title=_NEW, kinds=kind_choices(t))
    form = ExperimentForm(kind=kind)
    if kind == "holdout":
        form.arms = []
    return _form_page(request, staff, session, runtime, form=form, action_url=NEW,
                      title=_NEW, editing=False)


def _save(request: Request, staff: StaffOut, session: Session, runtime: Runtime, *,
          form: ExperimentForm, stored: ExperimentOut | None) -> Response:
    t = _t(request)
    body, errors, rows = read_form(form, t)
    if body is not None:
        try:
            versions = kept_versions(session, settings=runtime.settings)
            if stored is None:
                saved = create_experiment(session, body, versions=versions)
            else:
                saved = replace_experiment(session, stored.key, body, versions=versions)
        except InvalidInput as exc:
            session.rollback()
            errors = refused(exc.errors, rows, t)
        except Conflict:
            session.rollback()
            if stored is None:
                errors = ({"key": t(_TAKEN)} if _stored(session, body.key) is not None
                          else {"form": t(_TOO_MANY, n=t.number(MAX_EXPERIMENTS))})
            else:
                errors = {"form": t(_STARTED)}
        else:
            _audit(session, request, staff, "create" if stored is None else "write",
                   saved.key)
            flash(request, N_("Experiment “{name}” saved as a draft."), name=saved.name)
            return RedirectResponse(experiment_path(saved.key), status_code=303)
    if stored is not None:
        form.key = stored.key
    return _form_page(request, staff, session, runtime, form=form,
                      action_url=NEW if stored is None else experiment_path(stored.key) + "/edit",
                      title=_NEW if stored is None else _EDIT, editing=stored is not None,
                      errors=errors, status_code=422)


@router.post(NEW)
def create(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
           form: Posted) -> Response:
    if form.kind not in KIND_NAMES:
        return RedirectResponse(NEW, status_code=303)
    return _save(request, staff, session, runtime, form=form, stored=None)


@router.get(PAGE.path + "/tests/{key}")
def experiment(request: Request, staff: Staff, session: DbSession, runtime: Rt,
               key: str) -> Response:
    stored = _stored(session, key)
    if stored is None:
        return _gone(request, staff)
    t = _t(request)
    context: dict[str, Any] = {}
    if stored.status != "draft":
        context["results"] = results_view(session, stored, settings=runtime.settings, t=t,
                                          currency=runtime.shop_currency)
    return dashboard_page(
        request, "dashboard/experiments_one.html", staff=staff, page=PAGE,
        title=N_("Experiment"), experiment=stored, path=experiment_path(stored.key),
        status_name=t(STATUS_NAMES.get(stored.status, STATUS_NAMES["draft"])),
        setup=setup_rows(session, runtime, stored, t=t),
        may_edit=allows(staff.role, "marketer"), **context)


@router.get(PAGE.path + "/tests/{key}/edit")
def edit(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
         key: str) -> Response:
    stored = _stored(session, key)
    if stored is None:
        return _gone(request, staff)
    if stored.status != "draft":
        flash(request, _STARTED)
        return RedirectResponse(experiment_path(key), status_code=303)
    return _form_page(request, staff, session, runtime, form=form_of(stored, _t(request)),
                      action_url=experiment_path(key) + "/edit", title=_EDIT, editing=True)


@router.post(PAGE.path + "/tests/{key}/edit")
def update(request: Request, staff: Marketer, session: DbSession, runtime: Rt, key: str,
           form: Posted) -> Response:
    stored = _stored(session, key)
    if stored is None:
        return _gone(request, staff)
    form.key, form.kind = stored.key, stored.kind
    return _save(request, staff, session, runtime, form=form, stored=stored)


def _change(request: Request, staff: StaffOut, session: Session, key: str, action: str
            ) -> Response:
    stored = _stored(session, key)
    if stored is None:
        return _gone(request, staff)
    change = {"start": start_experiment, "stop": stop_experiment}[action]
    try:
        changed = change(session, key)
    except Conflict:
        session.rollback()
        flash(request, N_("Nothing changed: the experiment is no longer a draft, or another "
                          "holdout is running."))
        return RedirectResponse(experiment_path(key), status_code=303)
    _audit(session, request, staff, action, key)
    flash(request, N_("Experiment “{name}” started.") if action == "start"
          else N_("Experiment “{name}” stopped."), name=changed.name)
    return RedirectResponse(experiment_path(key), status_code=303)


@router.post(PAGE.path + "/tests/{key}/start")
def start(request: Request, staff: Marketer, session: DbSession, key: str) -> Response:
    return _change(request, staff, session, key, "start")


def _confirm(request: Request, staff: StaffOut, session: Session, runtime: Runtime, key: str,
             action: str) -> Response:
    stored = _stored(session, key)
    if stored is None:
        return _gone(request, staff)
    t = _t(request)
    return dashboard_page(
        request, "dashboard/experiments_confirm.html", staff=staff, page=PAGE,
        title=_STOP if action == "stop" else _DELETE, experiment=stored, action=action,
        path=experiment_path(key), setup=setup_rows(session, runtime, stored, t=t))


@router.get(PAGE.path + "/tests/{key}/stop")
def confirm_stop(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
                 key: str) -> Response:
    return _confirm(request, staff, session, runtime, key, "stop")


@router.post(PAGE.path + "/tests/{key}/stop")
def stop(request: Request, staff: Marketer, session: DbSession, key: str) -> Response:
    return _change(request, staff, session, key, "stop")


@router.get(PAGE.path + "/tests/{key}/delete")
def confirm_delete(request: Request, staff: Marketer, session: DbSession, runtime: Rt,
                   key: str) -> Response:
    return _confirm(request, staff, session, runtime, key, "delete")


@router.post(PAGE.path + "/tests/{key}/delete")
def delete(request: Request, staff: Marketer, session: DbSession, key: str) -> Response:
    stored = _stored(session, key)
    if stored is None:
        return _gone(request, staff)
    try:
        delete_experiment(session, key)
    except (Conflict, NotFound):
        session.rollback()
        flash(request, N_("Nothing changed: stop the experiment before deleting it."))
        return RedirectResponse(experiment_path(key), status_code=303)
    _audit(session, request, staff, "delete", key)
    flash(request, N_("Experiment “{name}” deleted."), name=stored.name)
    return RedirectResponse(PAGE.path, status_code=303)


@router.get(POWER)
def calculator(request: Request, staff: Staff, solve: str = "", base_rate: str = "10",
               lift: str = "20", units: str = "3000", alpha: str = "5",
               power: str = "80", arms: str = "2") -> Response:
    """The power calculator; it answers once asked (``solve`` given)."""
    form = PowerForm(solve=solve or "units", base_rate=base_rate, lift=lift, units=units,
                     alpha=alpha, power=power, arms=arms)
    found, errors = answer(form, _t(request)) if solve else (None, {})
    return dashboard_page(request, "dashboard/experiments_power.html", staff=staff,
                          page=PAGE, title=TITLE, form=form, answer=found, errors=errors)
