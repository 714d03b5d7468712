"""Sign-in for the demo: pick a persona or browse anonymously; language choice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.customers.merge import merge_customers
from prefero.customers.repository import get_customer
from prefero.demo.personas import demo_personas
from prefero.errors import NotFound
from prefero.web.i18n import LANGUAGES, language_of, translator
from prefero.web.identity import ANONYMOUS_PREFIX, sign_in, sign_out, visitor
from prefero.web.personas import describe
from prefero.web.render import LEVEL_NAMES, page

router = APIRouter()


def _personas(request: Request, session: DbSession, runtime: Rt) -> list[dict[str, str]]:
    """The demo's personas, each with its level and a line saying what it declared."""
    t = translator(language_of(request))
    index = runtime.recommender.snapshot(session)[0]
    return [{"id": persona.customer_id, "level": LEVEL_NAMES[persona.level],
             "line": describe(persona, t=t, schema=runtime.facet_schema, index=index,
                              currency=runtime.settings.shop_currency)}
            for persona in demo_personas(session, settings=runtime.settings)]


def _demo_only(runtime: Rt) -> None:
    """Persona sign-in is the demo's shortcut; in production the shop signs its customers in
    (customer tokens and the one-time exchange), so /login does not exist there."""
    if runtime.settings.mode != "demo":
        raise NotFound("persona sign-in exists only in demo mode")


_DEMO_ONLY = [Depends(_demo_only)]


@router.get("/login", dependencies=_DEMO_ONLY)
def login_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    return page(request, "login.html", session=session, runtime=runtime,
                personas=_personas(request, session, runtime))


@router.post("/login", dependencies=_DEMO_ONLY)
def login(request: Request, session: DbSession, runtime: Rt,
          customer_id: Annotated[str, Form(max_length=200)]) -> Response:
    chosen = get_customer(session, customer_id)
    # A household profile's row is signed in through its account, never on its own.
    if chosen is None or chosen.anonymous or customer_id.startswith(ANONYMOUS_PREFIX) \
            or chosen.household_owner_id is not None:
        return page(request, "login.html", session=session, runtime=runtime,
                    personas=_personas(request, session, runtime),
                    error="Pick one of the demo personas.",
                    status_code=422)
    current = visitor(request)
    if not current.signed_in and get_customer(session, current.customer_id) is not None:
        # What the visitor declared while browsing anonymously stays theirs.
        merge_customers(session, anonymous_id=current.customer_id, customer_id=customer_id,
                        settings=runtime.settings)
    sign_in(request, customer_id)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/", status_code=303)


@router.post("/lang")
def choose_language(request: Request, runtime: Rt, lang: Annotated[str, Form()]) -> Response:
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/",
                                status_code=303)
    if lang in LANGUAGES:
        # Only the server reads it; Secure like the session cookie.
        response.set_cookie("lang", lang, max_age=60 * 60 * 24 * 365, samesite="lax",
                            httponly=True, secure=runtime.settings.session_cookie_secure)
    return response
