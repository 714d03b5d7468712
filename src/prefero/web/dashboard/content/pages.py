"""The content slot editor's routes: they read the form, call the content service
(``prefero.content.slots``, ``prefero.console.content_*``), audit each change under the
staff member's name and show the page. Marketers and administrators edit; a read-only
account sees the slots and the preview, no form, and gets 403 on any write."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt
from prefero.catalog.facets import FacetSchema
from prefero.console.content_editing import move_variant, replace_settings
from prefero.console.content_exposures import WINDOW, Shown, shown_counts
from prefero.console.content_preview import preview
from prefero.content.reasons import word
from prefero.content.schemas import MAX_VARIANTS, SlotIn, SlotOut, SlotPatch, VariantIn
from prefero.content.signals import DEVICES, PARTS_OF_DAY, SOURCE_KINDS, WEATHERS
from prefero.content.slots import (
    MAX_SLOTS,
    add_variant,
    compiled_slots,
    create_slot,
    delete_slot,
    delete_variant,
    get_slot,
    list_slots,
    replace_variant,
)
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.segments.service import list_segments
from prefero.staff.roles import allows
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.access import Staff, require
from prefero.web.dashboard.content.forms import (
    LANGUAGES,
    Filled,
    Values,
    normal,
    rows,
    slot_fields,
    slot_values,
    variant_fields,
    variant_values,
)
from prefero.web.dashboard.content.preview_form import HOURS, profile_of
from prefero.web.dashboard.content.problems import Problem, of_service, of_validation, worded
from prefero.web.dashboard.content.summary import describe
from prefero.web.dashboard.content.words import (
    DEVICE_NAMES,
    LANGUAGE_LEGENDS,
    LANGUAGE_NAMES,
    MINDSET_NAMES,
    OP_NAMES,
    PART_NAMES,
    SOURCE_NAMES,
    STRATEGY_HINTS,
    STRATEGY_NAMES,
    TRAIT_NAMES,
    VISITOR_NAMES,
    WEATHER_NAMES,
)
from prefero.web.dashboard.flash import flash
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="content", path="/dashboard/content", label=N_("Content slots"),
                        order=50))
router = APIRouter()

NEW_SLOT = f"{PAGE.path}/new-slot"
_EDIT = [Depends(require("marketer"))]
_SLOT = "content_slot"
_NOT_FOUND = N_("There is no such content slot or variant.")


async def _posted(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    return {name: [value for value in form.getlist(name) if isinstance(value, str)]
            for name in form}


Posted = Annotated[dict[str, list[str]], Depends(_posted)]


def _t(request: Request) -> Translator:
    return translator(language_of(request))


# What a slot's or a variant's key can be (``content.schemas.Key``): anything else in an
# address names nothing, and is not sent to the database (PostgreSQL refuses a NUL).
_KEY = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")


def _slot(session: DbSession, key: str) -> SlotOut:
    if not _KEY.fullmatch(key):
        raise NotFound(f"no content slot {key!r}")
    return get_slot(session, key)


def slot_path(key: str) -> str:
    return f"{PAGE.path}/slots/{quote(key, safe='')}"


def _audit(session: DbSession, request: Request, staff: StaffOut, action: str, key: str
           ) -> None:
    record_request(session, request, actor=staff.actor, action=action, target_kind=_SLOT,
                   target=key)


def _missing(request: Request, staff: StaffOut) -> Response:
    return dashboard_page(request, "dashboard/content_missing.html", staff=staff, page=PAGE,
                          title=N_("Not found"), status_code=404, message=_NOT_FOUND)


def _choices(names: Mapping[str, str], t: Translator, codes: Sequence[str] | None = None
             ) -> list[tuple[str, str]]:
    return [(code, t(names[code])) for code in (codes or list(names))]


def _title(slot_variant: VariantIn, language: str) -> str:
    texts = slot_variant.texts.get("pl" if language == "pl" else "en") \
        or next(iter(slot_variant.texts.values()))
    return texts.title


# --------------------------------------------------------------------------- the list


def _listed(slot: SlotOut, shown: Shown, t: Translator, n: Numbers) -> dict[str, Any]:
    counts = shown.get(slot.key, {})
    return {"key": slot.key, "name": slot.name, "path": slot_path(slot.key),
            "strategy": t(STRATEGY_NAMES[slot.strategy]), "enabled": slot.enabled,
            "variants": n.count(len(slot.variants)),
            "shown": [(v.key, n.count(counts.get(v.key, 0))) for v in slot.variants]}


@router.get(PAGE.path)
def content_slots(request: Request, staff: Staff, session: DbSession) -> Response:
    t = _t(request)
    n = Numbers(t)
    shown = shown_counts(session)
    return dashboard_page(request, "dashboard/content.html", staff=staff, page=PAGE,
                          slots=[_listed(s, shown, t, n) for s in list_slots(session)],
                          can_edit=allows(staff.role, "marketer"), new_slot=NEW_SLOT,
                          days=n.count(WINDOW.days))


# --------------------------------------------------------------------------- a slot's settings


def _settings_form(request: Request, staff: StaffOut, *, slot: SlotOut | None,
                   values: Values, errors: dict[str, str] | None = None,
                   status_code: int = 200) -> Response:
    t = _t(request)
    return dashboard_page(
        request, "dashboard/content_slot_form.html", staff=staff, page=PAGE,
        title=N_("New content slot") if slot is None
        else t(N_("Settings of {name}"), name=slot.name),
        status_code=status_code, slot=slot, filled=Filled(values), errors=errors or {},
        action=NEW_SLOT.rsplit("/", 1)[0] if slot is None else f"{slot_path(slot.key)}/settings",
        back=PAGE.path if slot is None else slot_path(slot.key),
        strategies=[(code, t(STRATEGY_NAMES[code]), t(STRATEGY_HINTS[code]))
                    for code in STRATEGY_NAMES],
        variants=[] if slot is None else [(v.key, f"{v.key} — {_title(v, t.language)}")
                                          for v in slot.variants])


_SLOT_FIELDS = ("key", "name", "strategy", "control_share", "fallback", "enabled")


@router.get(NEW_SLOT, dependencies=_EDIT)
def new_slot(request: Request, staff: Staff) -> Response:
    return _settings_form(request, staff, slot=None, values=slot_values(None))


@router.post(PAGE.path, dependencies=_EDIT)
def create(request: Request, staff: Staff, session: DbSession, runtime: Rt, form: Posted
           ) -> Response:
    t = _t(request)
    problems: list[Problem] = []
    try:
        slot = SlotIn.model_validate({**slot_fields(form, with_key=True), "variants": []})
        created = create_slot(session, slot, schema=runtime.facet_schema)
    except ValidationError as exc:
        problems = of_validation(exc)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        problems = of_service(exc)
        if not problems:
            return _settings_form(request, staff, slot=None, values=form, status_code=422,
                                  errors={"form": t(N_("A shop keeps at most {n} content "
                                                       "slots."), n=t.number(MAX_SLOTS))})
    if problems:
        return _settings_form(request, staff, slot=None, values=form, status_code=422,
                              errors=worded(problems, t, fields=_SLOT_FIELDS))
    _audit(session, request, staff, "content.slot.create", created.key)
    flash(request, N_("Content slot {name} created."), name=created.name)
    return RedirectResponse(slot_path(created.key), status_code=303)


@router.get(f"{PAGE.path}/slots/{{slot_key}}/settings", dependencies=_EDIT)
def slot_settings(request: Request, staff: Staff, session: DbSession, slot_key: str
                  ) -> Response:
    try:
        slot = _slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    return _settings_form(request, staff, slot=slot, values=slot_values(slot, key=slot.key))


@router.post(f"{PAGE.path}/slots/{{slot_key}}/settings", dependencies=_EDIT)
def save_settings(request: Request, staff: Staff, session: DbSession, runtime: Rt,
                  slot_key: str, form: Posted) -> Response:
    t = _t(request)
    try:
        slot = _slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    try:
        patch = SlotPatch.model_validate(slot_fields(form, with_key=False))
        saved = replace_settings(session, slot_key, patch, schema=runtime.facet_schema)
    except ValidationError as exc:
        problems = of_validation(exc)
    except InvalidInput as exc:
        session.rollback()
        problems = of_service(exc)
    else:
        _audit(session, request, staff, "content.slot.write", slot_key)
        flash(request, N_("Settings of {name} saved."), name=saved.name)
        return RedirectResponse(slot_path(slot_key), status_code=303)
    # "A split needs a variant with a share" is about the strategy chosen.
    errors = worded(problems, t, fields=_SLOT_FIELDS, aliases={"variants": "strategy"})
    return _settings_form(request, staff, slot=slot, values={**form, "key": [slot.key]},
                          errors=errors, status_code=422)


# --------------------------------------------------------------------------- a slot's page


def _segment_names(session: DbSession) -> dict[str, str]:
    return {segment.key: segment.name for segment in list_segments(session)}


def _preview(request: Request, session: DbSession, slot: SlotOut, schema: FacetSchema,
             segment_names: Mapping[str, str]) -> dict[str, Any]:
    """The preview form's state and, when it was sent and reads right, its answer."""
    t = _t(request)
    query = {name: request.query_params.getlist(name) for name in request.query_params}
    asked = "preview" in query
    shown: dict[str, Any] = {"asked": asked, "filled": Filled(query if asked else {
        "visitor": ["new"], "source": ["direct"], "hour": ["12"], "context": ["on"]}),
        "errors": {}, "answer": None}
    if not asked:
        return shown
    profile, errors = profile_of(query, segment_names=segment_names)
    if profile is None:
        shown["errors"] = {field: t(message) for field, message in errors.items()}
        return shown
    compiled = compiled_slots(session).get(slot.key)
    if compiled is None:  # deleted between the two reads
        return shown
    choice = preview(compiled, profile)
    variant = next((v for v in slot.variants
                    if choice.variant is not None and v.key == choice.variant.key), None)
    shown["answer"] = {
        "variant": variant.key if variant is not None else None,
        "title": _title(variant, t.language) if variant is not None else None,
        "control": choice.control,
        "reasons": [word(r.code, r.params, schema=schema, language=t.language)
                    for r in choice.reasons]}
    return shown


@router.get(f"{PAGE.path}/slots/{{slot_key}}")
def slot_page(request: Request, staff: Staff, session: DbSession, runtime: Rt,
              slot_key: str) -> Response:
    t = _t(request)
    n = Numbers(t)
    try:
        slot = _slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    names = _segment_names(session)
    counts = shown_counts(session).get(slot.key, {})
    variants = [{
        "key": v.key, "path": f"{slot_path(slot.key)}/variants/{quote(v.key, safe='')}",
        "title": _title(v, t.language),
        "languages": [LANGUAGE_NAMES[lang] for lang in LANGUAGES if lang in v.texts],
        "targeting": describe(v.targeting, t, schema=runtime.facet_schema,
                              segment_names=names),
        "weight": n.count(v.weight), "share": n.share(v.share),
        "shown": n.count(counts.get(v.key, 0)), "first": i == 0,
        "last": i == len(slot.variants) - 1,
        "fallback": v.key == slot.fallback} for i, v in enumerate(slot.variants)]
    return dashboard_page(
        request, "dashboard/content_slot.html", staff=staff, page=PAGE,
        title=t(N_("Content slot: {name}"), name=slot.name), slot=slot, variants=variants,
        path=slot_path(slot.key), strategy=t(STRATEGY_NAMES[slot.strategy]),
        strategy_hint=t(STRATEGY_HINTS[slot.strategy]),
        control=n.share(slot.control_share), can_edit=allows(staff.role, "marketer"),
        days=n.count(WINDOW.days), max_variants=MAX_VARIANTS,
        preview=_preview(request, session, slot, runtime.facet_schema, names),
        segments=sorted(names.items(), key=lambda item: item[1].casefold()),
        sources=_choices(SOURCE_NAMES, t, SOURCE_KINDS),
        devices=_choices(DEVICE_NAMES, t, DEVICES),
        weathers=_choices(WEATHER_NAMES, t, WEATHERS),
        hours=[(str(hour), f"{hour:02d}:00") for hour in HOURS])


@router.get(f"{PAGE.path}/slots/{{slot_key}}/delete", dependencies=_EDIT)
def confirm_delete_slot(request: Request, staff: Staff, session: DbSession, slot_key: str
                        ) -> Response:
    try:
        slot = _slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    return dashboard_page(request, "dashboard/content_delete.html", staff=staff, page=PAGE,
                          title=N_("Delete the content slot"), slot=slot, variant=None,
                          action=f"{slot_path(slot.key)}/delete", back=slot_path(slot.key),
                          errors={})


@router.post(f"{PAGE.path}/slots/{{slot_key}}/delete", dependencies=_EDIT)
def remove_slot(request: Request, staff: Staff, session: DbSession, slot_key: str
                ) -> Response:
    try:
        slot = _slot(session, slot_key)
        delete_slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    _audit(session, request, staff, "content.slot.delete", slot_key)
    flash(request, N_("Content slot {name} deleted."), name=slot.name)
    return RedirectResponse(PAGE.path, status_code=303)


# --------------------------------------------------------------------------- variants


_VARIANT_FIXED = ("key", "texts", "segments", "mindset", "visitor", "device", "time_of_day",
                  "weather", "weight", "share", "form")


def _variant_form(request: Request, staff: StaffOut, session: DbSession, *, slot: SlotOut,
                  schema: FacetSchema, values: Values, editing: str | None,
                  errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    t = _t(request)
    filled = Filled(values)
    names = _segment_names(session)
    # A segment deleted since the variant named it stays listed (ticked), by its key.
    segments = sorted(names.items(), key=lambda item: item[1].casefold()) + [
        (key, key) for key in filled.all("segments") if key not in names]
    facets = [(facet.name, schema.label_in(facet.name, t.language)) for facet in schema.facets]
    known = {name for name, _ in facets}
    declared_rows = rows(sum(1 for name in values if name.startswith("declared.")
                             and name.endswith(".facet")), 50)
    facets += [(name, name) for at in range(declared_rows)
               if (name := filled.get(f"declared.{at}.facet")) and name not in known]
    trait_rows = rows(sum(1 for name in values if name.startswith("traits.")
                          and name.endswith(".trait")), 6)
    base = slot_path(slot.key)
    return dashboard_page(
        request, "dashboard/content_variant_form.html", staff=staff, page=PAGE,
        title=t(N_("New variant of {name}"), name=slot.name) if editing is None
        else t(N_("Variant {key} of {name}"), key=editing, name=slot.name),
        status_code=status_code, slot=slot, editing=editing, filled=filled,
        errors=errors or {}, back=base,
        action=f"{base}/variants" if editing is None
        else f"{base}/variants/{quote(editing, safe='')}",
        text_languages=[(code, t(LANGUAGE_LEGENDS[code])) for code in LANGUAGES],
        segments=segments, facets=facets, declared_rows=range(declared_rows),
        trait_rows=range(trait_rows),
        traits=_choices(TRAIT_NAMES, t), ops=_choices(OP_NAMES, t),
        mindsets=_choices(MINDSET_NAMES, t), visitors=_choices(VISITOR_NAMES, t),
        sources=_choices(SOURCE_NAMES, t, SOURCE_KINDS),
        devices=_choices(DEVICE_NAMES, t, DEVICES),
        parts=_choices(PART_NAMES, t, PARTS_OF_DAY),
        weathers=_choices(WEATHER_NAMES, t, WEATHERS), hours=range(24), ends=range(1, 25))


def _variant_errors(problems: list[Problem], t: Translator) -> dict[str, str]:
    # "A split needs a variant with a share" answers this variant's share.
    return worded(problems, t, aliases={"variants": "share", "fallback": "form"})


@router.get(f"{PAGE.path}/slots/{{slot_key}}/new-variant", dependencies=_EDIT)
def new_variant(request: Request, staff: Staff, session: DbSession, runtime: Rt,
                slot_key: str) -> Response:
    try:
        slot = _slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    return _variant_form(request, staff, session, slot=slot, schema=runtime.facet_schema,
                         values=variant_values(None), editing=None)


@router.post(f"{PAGE.path}/slots/{{slot_key}}/variants", dependencies=_EDIT)
def add(request: Request, staff: Staff, session: DbSession, runtime: Rt, slot_key: str,
        form: Posted) -> Response:
    t = _t(request)
    posted = normal(form)
    try:
        slot = _slot(session, slot_key)
    except NotFound:
        return _missing(request, staff)
    try:
        variant = VariantIn.model_validate(variant_fields(posted))
        add_variant(session, slot_key, variant, schema=runtime.facet_schema)
    except ValidationError as exc:
        errors = _variant_errors(of_validation(exc), t)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        errors = _variant_errors(of_service(exc), t) or {
            "form": t(N_("A slot has at most {n} variants."), n=t.number(MAX_VARIANTS))}
    else:
        _audit(session, request, staff, "content.variant.add", slot_key)
        flash(request, N_("Variant {key} added."), key=variant.key)
        return RedirectResponse(slot_path(slot_key), status_code=303)
    return _variant_form(request, staff, session, slot=slot, schema=runtime.facet_schema,
                         values=posted, editing=None, errors=errors, status_code=422)


def _slot_and_variant(session: DbSession, slot_key: str, variant_key: str
                      ) -> tuple[SlotOut, VariantIn]:
    slot = _slot(session, slot_key)
    for variant in slot.variants:
        if variant.key == variant_key:
            return slot, variant
    raise NotFound(f"slot {slot_key!r} has no variant {variant_key!r}")


@router.get(f"{PAGE.path}/slots/{{slot_key}}/variants/{{variant_key}}", dependencies=_EDIT)
def edit_variant(request: Request, staff: Staff, session: DbSession, runtime: Rt,
                 slot_key: str, variant_key: str) -> Response:
    try:
        slot, variant = _slot_and_variant(session, slot_key, variant_key)
    except NotFound:
        return _missing(request, staff)
    return _variant_form(request, staff, session, slot=slot, schema=runtime.facet_schema,
                         values=variant_values(variant), editing=variant.key)


@router.post(f"{PAGE.path}/slots/{{slot_key}}/variants/{{variant_key}}", dependencies=_EDIT)
def save_variant(request: Request, staff: Staff, session: DbSession, runtime: Rt,
                 slot_key: str, variant_key: str, form: Posted) -> Response:
    t = _t(request)
    posted = normal(form)
    try:
        slot, _ = _slot_and_variant(session, slot_key, variant_key)
    except NotFound:
        return _missing(request, staff)
    try:
        variant = VariantIn.model_validate(variant_fields(posted, key=variant_key))
        replace_variant(session, slot_key, variant_key, variant, schema=runtime.facet_schema)
    except ValidationError as exc:
        errors = _variant_errors(of_validation(exc), t)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        errors = _variant_errors(of_service(exc), t)
    else:
        _audit(session, request, staff, "content.variant.write", slot_key)
        flash(request, N_("Variant {key} saved."), key=variant_key)
        return RedirectResponse(slot_path(slot_key), status_code=303)
    return _variant_form(request, staff, session, slot=slot, schema=runtime.facet_schema,
                         values=posted, editing=variant_key, errors=errors, status_code=422)


_OFFSETS: dict[str, Literal[-1, 1]] = {"up": -1, "down": 1}


@router.post(f"{PAGE.path}/slots/{{slot_key}}/variants/{{variant_key}}/move",
             dependencies=_EDIT)
def move(request: Request, staff: Staff, session: DbSession, runtime: Rt, slot_key: str,
         variant_key: str, form: Posted) -> Response:
    offset = _OFFSETS.get((form.get("direction") or [""])[0])
    try:
        _slot(session, slot_key)
        if offset is None:
            # Only the page's two buttons send this form; anything else changes nothing.
            flash(request, N_("Choose to move the variant up or down."))
            return RedirectResponse(slot_path(slot_key), status_code=303)
        move_variant(session, slot_key, variant_key, offset=offset,
                     schema=runtime.facet_schema)
    except NotFound:
        return _missing(request, staff)
    _audit(session, request, staff, "content.variant.move", slot_key)
    flash(request, N_("Variant {key} moved up.") if offset < 0
          else N_("Variant {key} moved down."), key=variant_key)
    return RedirectResponse(f"{slot_path(slot_key)}#variants", status_code=303)


@router.get(f"{PAGE.path}/slots/{{slot_key}}/variants/{{variant_key}}/delete",
            dependencies=_EDIT)
def confirm_delete_variant(request: Request, staff: Staff, session: DbSession,
                           slot_key: str, variant_key: str) -> Response:
    try:
        slot, variant = _slot_and_variant(session, slot_key, variant_key)
    except NotFound:
        return _missing(request, staff)
    base = slot_path(slot.key)
    return dashboard_page(request, "dashboard/content_delete.html", staff=staff, page=PAGE,
                          title=N_("Delete the variant"), slot=slot, variant=variant,
                          action=f"{base}/variants/{quote(variant.key, safe='')}/delete",
                          back=base, errors={})


# Why the slot cannot do without a variant (a Conflict's paths), for the confirmation page.
_RELIED_ON = {
    "fallback": N_("This variant is the slot's fallback: choose another fallback in the "
                   "slot's settings first."),
    "variants": N_("This is the only variant with a share in this split test: give another "
                   "variant a share first."),
}


@router.post(f"{PAGE.path}/slots/{{slot_key}}/variants/{{variant_key}}/delete",
             dependencies=_EDIT)
def remove_variant(request: Request, staff: Staff, session: DbSession, runtime: Rt,
                   slot_key: str, variant_key: str) -> Response:
    t = _t(request)
    try:
        slot, variant = _slot_and_variant(session, slot_key, variant_key)
        delete_variant(session, slot_key, variant_key, schema=runtime.facet_schema)
    except NotFound:
        return _missing(request, staff)
    except Conflict as exc:
        session.rollback()
        reasons = [t(_RELIED_ON.get(str(error.loc[0]) if error.loc else "",
                                    N_("The slot relies on this variant.")))
                   for error in exc.errors] or [t(N_("The slot relies on this variant."))]
        base = slot_path(slot.key)
        return dashboard_page(
            request, "dashboard/content_delete.html", staff=staff, page=PAGE,
            title=N_("Delete the variant"), slot=slot, variant=variant, status_code=409,
            action=f"{base}/variants/{quote(variant.key, safe='')}/delete", back=base,
            errors={"form": " ".join(dict.fromkeys(reasons))})
    _audit(session, request, staff, "content.variant.delete", slot_key)
    flash(request, N_("Variant {key} deleted."), key=variant_key)
    return RedirectResponse(slot_path(slot_key), status_code=303)
