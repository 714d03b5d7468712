"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from prefero import __version__
from prefero.api.errors import install_error_handlers
from prefero.api.routes import catalog, customers, events, health, recommendations, search
from prefero.config import Settings, get_settings
from prefero.runtime import Runtime

__all__ = ["create_app"]

SWAGGER_STATIC = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """
Personalization in which the customer holds the helm: declared preferences, hard
exclusions, budget, personalization level and consent steer every recommendation and
search result, and every result explains itself.

Send the API key in the `X-API-Key` header. Errors are `application/problem+json`.
"""


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app. Give a ``runtime`` to share one with the caller (tests, the demo)."""
    runtime = runtime or Runtime(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.recommender.refresh()
        yield

    app = FastAPI(
        title="Prefero",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for module in (health, catalog, customers, events, recommendations, search):
        app.include_router(module.router)

    # Swagger UI (5.x, which reads OpenAPI 3.1) served from an installed package, so the
    # docs work without reaching a CDN.
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_STATIC), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Prefero API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon.png",
        )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
