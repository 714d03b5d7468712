"""Rule segments on the dashboard: the list (every role), each segment's page at
``/dashboard/segments/<key>`` with its condition in words, members and preview, and for
marketers and administrators the builder (rows of conditions, no JSON to write, a live
count), saving, deleting after a confirmation, and exports for a marketing channel.

Every write and export goes through ``prefero.segments.service``, which audits it under the
staff member's name (``staff:<email>``). The routes translate the form and call the
services; ``form.py`` reads the form, ``page.py`` gathers what the templates show.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Form
from fastapi.responses import StreamingResponse
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.db.base import utcnow
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.segments import service
from prefero.segments.conditions import Condition, parse_condition
from prefero.segments.export import CHANNELS, FORMATS, ExportFormat, export_lines
from prefero.segments.membership import defaults_of
from prefero.segments.preview import preview_condition
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import dashboard_page
from prefero.web.dashboard.segments import form as builder
from prefero.web.dashboard.segments.page import (
    NEW_KEY,
    builder_context,
    count_words,
    described,
    quiz_choices,
    refusal,
)
from prefero.web.i18n import language_of, translator
from prefero.web.render import templates

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="segments", path="/dashboard/segments", label=N_("Segments"),
                        role="read_only", order=40))
NEW = f"{PAGE.path}/{NEW_KEY}"
COUNT = f"{PAGE.path}/count"
router = APIRouter()
Marketer = Annotated[StaffOut, Depends(require("marketer"))]

_NEW_TITLE = N_("New segment")
_GONE = N_("There is no segment {key}: it may have been deleted.")


def _client(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


@router.get(PAGE.path)
def segment_list(request: Request, staff: Staff, session: DbSession, runtime: Rt
                 ) -> Response:
    t = translator(language_of(request))
    # The listed segments carry their conditions: no second read per segment.
    rows = [(segment, described(parse_condition(segment.condition), t=t, runtime=runtime,
                                session=session))
            for segment in service.list_segments(session)]
    return dashboard_page(request, "dashboard/segments.html", staff=staff, page=PAGE,
                          rows=rows, may_edit=allows(staff.role, "marketer"), new_url=NEW)


def _builder(request: Request, staff: StaffOut, session: DbSession, runtime: Runtime, *,
             form: builder.BuilderForm, segment: service.SegmentOut | None,
             status_code: int = 200, **extra: Any) -> Response:
    t = translator(language_of(request))
    context = builder_context(session, runtime=runtime, t=t, form=form, segment=segment,
                              staff=staff, **extra)
    return dashboard_page(request, "dashboard/segments_builder.html", staff=staff, page=PAGE,
                          title=_NEW_TITLE if segment is None else None,
                          status_code=status_code, **context)


@router.get(NEW)
def new_segment(request: Request, staff: Marketer, session: DbSession, runtime: Rt
                ) -> Response:
    form = builder.BuilderForm()
    form.rows.append(builder.new_row("declared", schema=runtime.facet_schema, quizzes=[]))
    return _builder(request, staff, session, runtime, form=form, segment=None)


@router.post(COUNT)
async def live_count(request: Request, staff: Marketer, session: DbSession, runtime: Rt
                     ) -> Response:
    """What the builder's live count shows (htmx swaps it in as the form changes): always
    200, so that an unfinished condition says so in place of the count."""
    t = translator(language_of(request))
    form = builder.read_form(await request.form())
    condition, errors = builder.build(form, schema=runtime.facet_schema,
                                     quizzes=quiz_choices(session, t.language), t=t)
    count = (service.count_members(session, condition=condition, settings=runtime.settings)
             if condition is not None else None)
    # The fragment alone, not the frame: the frame would also take the flash messages
    # waiting for the next page.
    return templates.TemplateResponse(request, "dashboard/_segments_count.html", {
        "t": t, "count": count_words(count, t) if count is not None else None,
        "words": described(condition, t=t, runtime=runtime, session=session)
        if condition is not None else None, "incomplete": bool(errors)})


def _segment(session: DbSession, key: str) -> service.SegmentOut | None:
    try:
        return service.get_segment(session, key)
    except NotFound:
        return None


def _gone(request: Request, staff: StaffOut, key: str) -> Response:
    return dashboard_page(request, "dashboard/segments_gone.html", staff=staff, page=PAGE,
                          title=N_("Segment not found"), status_code=404,
                          message=translator(language_of(request))(_GONE, key=key[:80]))


@router.get(f"{PAGE.path}/{{key}}")
def segment_page(request: Request, key: str, staff: Staff, session: DbSession, runtime: Rt
                 ) -> Response:
    segment = _segment(session, key)
    if segment is None:
        return _gone(request, staff, key)
    condition = service.stored_condition(session, key)
    form = builder.form_of(condition, key=segment.key, name=segment.name,
                           description=segment.description)
    saved_preview = service.preview(session, key=key, settings=runtime.settings)
    return _builder(request, staff, session, runtime, form=form, segment=segment,
                    saved_preview=saved_preview)


async def _act(request: Request, staff: StaffOut, session: DbSession, runtime: Runtime,
               segment: service.SegmentOut | None) -> Response:
    """One press of one of the builder's buttons (``action``): add or remove a row, switch
    between rows and JSON, count, preview, save. Without script every button lands here and
    the page comes back with the form as it was typed."""
    t = translator(language_of(request))
    posted = await request.form()
    form = builder.read_form(posted)
    if segment is not None:
        form.key = segment.key
    action = posted.get("action")
    action = action if isinstance(action, str) else "count"
    quizzes = quiz_choices(session, t.language)
    extra: dict[str, Any] = {}
    if form.mode == "rows" and builder.edit(form, action, posted, schema=runtime.facet_schema,
                                            quizzes=quizzes):
        return _builder(request, staff, session, runtime, form=form, segment=segment)
    if action == "refresh":
        return _builder(request, staff, session, runtime, form=form, segment=segment)
    condition, errors = builder.build(form, schema=runtime.facet_schema, quizzes=quizzes,
                                      t=t)
    if condition is None:
        return _builder(request, staff, session, runtime, form=form, segment=segment,
                        errors=errors, status_code=422)
    if action == "to_json":
        builder.to_json(form, condition)
        return _builder(request, staff, session, runtime, form=form, segment=segment)
    if action == "to_rows":
        if not builder.to_rows(form, condition):
            return _builder(request, staff, session, runtime, form=form, segment=segment,
                            status_code=422, errors={"json": t(
                                "The builder’s rows cannot hold this condition (groups "
                                "nested more than one level deep, a size, or a comparison "
                                "the rows do not offer): keep editing it as JSON.")})
        return _builder(request, staff, session, runtime, form=form, segment=segment)
    if action == "save":
        return _save(request, staff, session, runtime, form=form, segment=segment,
                     condition=condition)
    if action == "preview":
        extra["preview"] = preview_condition(session, condition=condition,
                                             settings=runtime.settings)
    extra["count"] = service.count_members(session, condition=condition,
                                           settings=runtime.settings)
    extra["condition"] = condition
    return _builder(request, staff, session, runtime, form=form, segment=segment, **extra)


def _save(request: Request, staff: StaffOut, session: DbSession, runtime: Runtime, *,
          form: builder.BuilderForm, segment: service.SegmentOut | None,
          condition: Condition) -> Response:
    t = translator(language_of(request))
    description = form.description.strip() or None
    try:
        if segment is None:
            if form.key == NEW_KEY:
                raise Conflict("the builder's own address")
            saved = service.create_segment(
                session, key=form.key, name=form.name, description=description,
                condition=condition, actor=staff.actor, client=_client(request),
                settings=runtime.settings)
        else:
            saved = service.update_segment(
                session, key=segment.key, name=form.name, description=description,
                condition=condition, actor=staff.actor, client=_client(request),
                settings=runtime.settings)
    except (InvalidInput, Conflict, NotFound) as exc:
        session.rollback()
        return _builder(request, staff, session, runtime, form=form, segment=segment,
                        status_code=422, condition=condition,
                        errors=refusal(exc, session=session, key=form.key, t=t))
    flash(request, N_("Segment {name} saved: {count}.") if segment is not None
          else N_("Segment {name} created: {count}."), name=saved.name,
          count=count_words(saved.members, t, stored=True))
    return RedirectResponse(f"{PAGE.path}/{saved.key}", status_code=303)


@router.post(NEW)
async def new_segment_action(request: Request, staff: Marketer, session: DbSession,
                             runtime: Rt) -> Response:
    return await _act(request, staff, session, runtime, None)


@router.post(f"{PAGE.path}/{{key}}")
async def segment_action(request: Request, key: str, staff: Marketer, session: DbSession,
                         runtime: Rt) -> Response:
    segment = _segment(session, key)
    if segment is None:
        return _gone(request, staff, key)
    return await _act(request, staff, session, runtime, segment)


@router.get(f"{PAGE.path}/{{key}}/delete")
def confirm_delete(request: Request, key: str, staff: Marketer, session: DbSession
                   ) -> Response:
    segment = _segment(session, key)
    if segment is None:
        return _gone(request, staff, key)
    return dashboard_page(request, "dashboard/segments_delete.html", staff=staff, page=PAGE,
                          title=N_("Delete the segment?"), segment=segment,
                          members=count_words(segment.members,
                                              translator(language_of(request)), stored=True))


@router.post(f"{PAGE.path}/{{key}}/delete")
def delete(request: Request, key: str, staff: Marketer, session: DbSession) -> Response:
    segment = _segment(session, key)
    if segment is None:
        return _gone(request, staff, key)
    service.delete_segment(session, key=key, actor=staff.actor, client=_client(request))
    flash(request, N_("Segment {name} deleted."), name=segment.name)
    return RedirectResponse(PAGE.path, status_code=303)


@router.post(f"{PAGE.path}/{{key}}/export")
def export(request: Request, key: str, staff: Marketer, session: DbSession, runtime: Rt,
           channel: Annotated[str, Form()] = "", format: Annotated[str, Form()] = ""
           ) -> Response:
    """The segment's members who consent to ``channel`` now, as a file (audited)."""
    segment = _segment(session, key)
    if segment is None:
        return _gone(request, staff, key)
    if channel not in CHANNELS or format not in FORMATS:
        t = translator(language_of(request))
        return _builder(request, staff, session, runtime, segment=segment, status_code=422,
                        form=builder.form_of(service.stored_condition(session, key),
                                             key=key, name=segment.name,
                                             description=segment.description),
                        errors={"export": t("Choose a channel and a file format.")})
    condition = service.stored_condition(session, key)
    service.record_export(session, key=key, channel=channel, actor=staff.actor,
                          client=_client(request))
    now, defaults = utcnow(), defaults_of(runtime.settings)
    chosen_format = cast(ExportFormat, format)  # one of FORMATS' keys, checked above

    def lines() -> Iterator[str]:
        # Its own unit of work: the request's has committed (with the audit entry) by the
        # time the body streams.
        with runtime.session() as reader:
            yield from export_lines(reader, condition, channel=channel,
                                    output=chosen_format, now=now, defaults=defaults)

    filename = f"segment-{key}-{channel}.{format}"
    return StreamingResponse(lines(), media_type=FORMATS[format], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})
