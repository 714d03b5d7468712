"""The household on the storefront: the header's switcher (which profile the pages shop
for) and the "Manage profiles" page (add, rename, remove).

The account is always the session's signed-in customer (``visitor(request).account_id``);
no route reads a customer id from the request, and a profile id posted by a form is looked
up within that account only. Errors re-render the page with the message next to the field
(422), like the preference center.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.customers import households
from prefero.customers.household_models import MAIN_PROFILE
from prefero.customers.household_schemas import ProfileIn, ProfilePatch
from prefero.db.session import after_release
from prefero.errors import Conflict, NotFound
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.web.identity import switch_profile, visitor
from prefero.web.render import page

__all__ = ["profile_key", "router"]

router = APIRouter()

PAGE = "/profiles"
_NOTICE_KEY = "profiles_notice"
KINDS = {"adult": N_("Adult"), "teen": N_("Teenager"), "child": N_("Child"),
         "other": N_("Someone else")}


def profile_key(name: str, taken: set[str]) -> str:
    """A profile id made from its name, not yet ``taken`` in the household: the shopper never
    types one.

    >>> profile_key("Żółw Łucja", set()), profile_key("Kids", {"kids"}), profile_key("!", set())
    ('zow-ucja', 'kids-2', 'profile')
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:24].strip("-") or "profile"
    key, n = base, 1
    while key in taken or key == MAIN_PROFILE:
        n += 1
        key = f"{base}-{n}"
    return key


def _back(request: Request) -> str:
    """Where the switch came from, when it is a page of this shop; else home."""
    referer = request.headers.get("referer") or ""
    base = str(request.base_url)
    if referer.startswith(base) and "\n" not in referer:
        return "/" + referer[len(base):]
    return "/"


def _render(request: Request, session: Session, runtime: Runtime, *,
            errors: dict[str, str] | None = None, submitted: dict[str, str] | None = None,
            status_code: int = 200) -> Response:
    who = visitor(request)
    listed = (households.list_profiles(session, owner_id=who.account_id).profiles
              if who.signed_in and _known(session, who.account_id) else [])
    notice = request.session.pop(_NOTICE_KEY, None)
    return page(request, "storefront/profiles.html", session=session, runtime=runtime,
                status_code=status_code, profiles=listed, kinds=KINDS,
                max_profiles=households.MAX_PROFILES, errors=errors or {},
                submitted=submitted or {}, notice=notice if isinstance(notice, dict) else None)


def _known(session: Session, account_id: str) -> bool:
    try:
        households.list_profiles(session, owner_id=account_id)
    except NotFound:
        return False
    return True


def _done(request: Request, text: str, **values: Any) -> Response:
    request.session[_NOTICE_KEY] = {"text": text, "values": values}
    return RedirectResponse(PAGE, status_code=303)


@router.get(PAGE)
def profiles_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    return _render(request, session, runtime)


@router.post(f"{PAGE}/switch")
def switch_route(request: Request, session: DbSession,
                 profile: Annotated[str, Form(max_length=30)] = "") -> Response:
    """Shop for another profile of the household from the next page on; a profile the
    account lacks changes nothing."""
    who = visitor(request)
    if who.signed_in:
        try:
            subject = households.subject_for(session, owner_id=who.account_id,
                                             profile_id=profile or MAIN_PROFILE)
        except NotFound:
            subject = None
        if subject is not None:
            switch_profile(request, profile_id=profile or MAIN_PROFILE, subject_id=subject)
    return RedirectResponse(_back(request), status_code=303)


def _name_error(exc: ValidationError) -> str:
    del exc  # the only field a shopper types is the name
    return N_("Give the profile a name of up to 60 characters.")


@router.post(PAGE)
def add_route(request: Request, session: DbSession, runtime: Rt,
              name: Annotated[str, Form(max_length=200)] = "",
              kind: Annotated[str, Form(max_length=10)] = "") -> Response:
    who = visitor(request)
    submitted = {"name": name, "kind": kind}
    if not who.signed_in:
        return _render(request, session, runtime, status_code=422, submitted=submitted,
                       errors={"profile-name": N_("Sign in to add profiles.")})
    if kind and kind not in KINDS:
        return _render(request, session, runtime, status_code=422, submitted=submitted,
                       errors={"profile-kind": N_("Choose one of the listed kinds.")})
    taken = {p.profile_id for p in households.list_profiles(
        session, owner_id=who.account_id).profiles} if _known(session, who.account_id) \
        else set()
    try:
        wanted = ProfileIn.model_validate({"profile_id": profile_key(name, taken),
                                           "name": name, "kind": kind or None})
        created = households.create_profile(session, owner_id=who.account_id,
                                            profile=wanted)
    except ValidationError as exc:
        return _render(request, session, runtime, status_code=422, submitted=submitted,
                       errors={"profile-name": _name_error(exc)})
    except Conflict:
        session.rollback()
        return _render(request, session, runtime, status_code=422, submitted=submitted,
                       errors={"profile-name": N_("This household holds as many profiles "
                                                  "as it can. Remove one first.")})
    return _done(request, N_("Profile added: {name}."), name=created.name)


@router.post(f"{PAGE}/{{profile_id}}/rename")
def rename_route(request: Request, session: DbSession, runtime: Rt, profile_id: str,
                 name: Annotated[str, Form(max_length=200)] = "") -> Response:
    who = visitor(request)
    field = f"rename-{profile_id}"
    try:
        patch = ProfilePatch.model_validate({"name": name})
        out = households.update_profile(session, owner_id=who.account_id,
                                        profile_id=profile_id, patch=patch)
    except ValidationError as exc:
        return _render(request, session, runtime, status_code=422,
                       submitted={field: name}, errors={field: _name_error(exc)})
    except NotFound:
        return _render(request, session, runtime, status_code=404,
                       errors={"profiles": N_("This profile no longer exists.")})
    return _done(request, N_("Profile renamed: {name}."), name=out.name)


@router.post(f"{PAGE}/{{profile_id}}/delete")
def delete_route(request: Request, session: DbSession, runtime: Rt, profile_id: str,
                 confirm: Annotated[str | None, Form(max_length=10)] = None) -> Response:
    who = visitor(request)
    if confirm != "yes":
        return _render(request, session, runtime, status_code=422,
                       errors={f"delete-{profile_id}": N_(
                           "Tick the box to confirm that this profile and everything it "
                           "holds should be deleted.")})
    try:
        row = next(p for p in households.list_profiles(
            session, owner_id=who.account_id).profiles if p.profile_id == profile_id)
        subject = households.delete_profile(session, owner_id=who.account_id,
                                            profile_id=profile_id, settings=runtime.settings)
    except (NotFound, StopIteration):
        return _render(request, session, runtime, status_code=404,
                       errors={"profiles": N_("This profile no longer exists.")})
    after_release(session, lambda: runtime.recommender.forget(subject))
    if who.profile_id == profile_id:
        switch_profile(request, profile_id=MAIN_PROFILE, subject_id=who.account_id)
    return _done(request, N_("Profile deleted: {name}. Everything it held is gone."),
                 name=row.name)
