"""Mounts the customer-facing pages on the API's FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from prefero.runtime import Runtime
from prefero.web.routes import account, preferences, quiz_player, storefront

__all__ = ["install_web"]

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "prefero_session"


def install_web(app: FastAPI, runtime: Runtime) -> None:
    # A signed cookie (itsdangerous) holds only the visitor's id; SameSite=Lax keeps other
    # sites from posting forms as the visitor.
    app.add_middleware(SessionMiddleware, secret_key=runtime.settings.session_secret,
                       session_cookie=SESSION_COOKIE, same_site="lax",
                       max_age=60 * 60 * 24 * 30)
    app.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    for module in (account, storefront, preferences, quiz_player):
        app.include_router(module.router, include_in_schema=False)
