"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from prefero import __version__
from prefero.api.errors import install_error_handlers
from prefero.api.problems import add_problem_schemas, problem_responses
from prefero.api.routes import (
    catalog,
    customers,
    events,
    health,
    quiz_analytics,
    quiz_sessions,
    quizzes,
    recommendations,
    search,
    suggestions,
)
from prefero.config import Settings, get_settings
from prefero.runtime import Runtime
from prefero.web.app import install_web

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
    app.include_router(health.router)
    # Every other router wants an API key and reads input, so each of its routes can answer
    # 401, 403 and 422; routes add the 404/409 they can answer themselves.
    for module in (catalog, customers, events, recommendations, search, quizzes, quiz_sessions,
                   suggestions, quiz_analytics):
        app.include_router(module.router, responses=problem_responses(401, 403, 422))
    _document_problems(app)

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

    # The storefront, preference center and quiz player: the pages a shopper uses.
    install_web(app, runtime)

    return app


def _document_problems(app: FastAPI) -> None:
    """Add the problem models to the OpenAPI components that the routes' responses name."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI caches the document in app.openapi_schema; adding twice is harmless.
        return add_problem_schemas(generate())

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
