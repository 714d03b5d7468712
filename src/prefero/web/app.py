"""Mounts the customer-facing pages on the API's FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from prefero.runtime import Runtime
from prefero.web.csrf import guard
from prefero.web.dashboard import install_dashboard
from prefero.web.refused import install_csrf_refusal
from prefero.web.routes import (
    account,
    boxes,
    configurator,
    coupons,
    delivery_wishes,
    follows,
    freshness,
    households,
    images,
    inbox,
    measurements,
    message_preferences,
    orders,
    preferences,
    prompts,
    quiz_player,
    search_box,
    session_exchange,
    storefront,
    unsubscribe,
    watches,
)
from prefero.web.session_end import end_stale_sessions

__all__ = ["install_web"]

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "prefero_session"


def install_web(app: FastAPI, runtime: Runtime) -> None:
    # A signed cookie (itsdangerous) holds only the visitor's id and CSRF token: HttpOnly
    # (Starlette always sets it), SameSite=Lax (other sites' subrequests go without it) and
    # Secure unless the settings say the site is served over plain HTTP (the demo). 30 days
    # keep a visitor's anonymous choices; a session signed in by the exchange ends far
    # sooner (exchange_session_seconds, web/session_end.py).
    app.add_middleware(SessionMiddleware, secret_key=runtime.settings.session_secret,
                       session_cookie=SESSION_COOKIE, same_site="lax",
                       https_only=runtime.settings.session_cookie_secure,
                       max_age=60 * 60 * 24 * 30)
    install_csrf_refusal(app)
    # First a session the exchange opened ends if the customer's tokens were revoked or the
    # customer erased since (web/session_end.py); a form posted from such a session then
    # fails the CSRF check below, its token gone with the session. Every state-changing
    # page request must come from this shop's pages (web/csrf.py).
    checks = [Depends(end_stale_sessions(runtime)),
              Depends(guard(runtime.settings.allowed_origins))]
    app.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    for module in (account, boxes, storefront, search_box, preferences, quiz_player,
                   follows, coupons, session_exchange, households, inbox, freshness,
                   message_preferences, watches, orders):
        app.include_router(module.router, include_in_schema=False, dependencies=checks)
    app.include_router(prompts.router, include_in_schema=False, dependencies=checks)
    app.include_router(delivery_wishes.router, include_in_schema=False, dependencies=checks)
    app.include_router(measurements.router, include_in_schema=False, dependencies=checks)
    app.include_router(configurator.router, include_in_schema=False, dependencies=checks)
    # The shop's dashboard: staff accounts of their own, same CSRF guard (web/dashboard).
    install_dashboard(app, checks)
    # One-click unsubscribe (RFC 8058): a mail client posts with no session and no CSRF
    # token; the link's signed token is the proof (web/routes/unsubscribe.py).
    app.include_router(unsubscribe.router, include_in_schema=False)
    # Product pictures are the same for every visitor and change nothing: no session check.
    app.include_router(images.router, include_in_schema=False)
