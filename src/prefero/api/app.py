"""The FastAPI application factory."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from prefero import __version__
from prefero.analytics.counts import finish_impressions
from prefero.api.auth_gate import install_auth_gate
from prefero.api.body_limit import install_body_limit
from prefero.api.cors import install_cors
from prefero.api.docs import install_docs
from prefero.api.errors import install_error_handlers
from prefero.api.keepalive import install_keepalive_limit
from prefero.api.overload import install_overload
from prefero.api.problems import add_problem_schemas, problem_responses
from prefero.api.profile_paths import install_profile_paths
from prefero.api.proxies import install_proxy_headers
from prefero.api.rate_limit import install_rate_limits
from prefero.api.routes import (
    audit,
    boxes,
    catalog,
    configurators,
    content,
    coupons,
    customers,
    delivery,
    discovered_segments,
    events,
    experiments,
    fit,
    follows,
    freshness,
    health,
    inbox,
    listings,
    merchandising,
    message_terms,
    model_quality,
    profiles,
    prompts,
    quiz_analytics,
    quiz_sessions,
    quizzes,
    recommendation_stats,
    recommendations,
    sdk,
    search,
    segments,
    suggestions,
    synonyms,
    tokens,
    watches,
)
from prefero.api.security_headers import install_security_headers
from prefero.api.server_timing import install_server_timing
from prefero.config import Settings, get_settings
from prefero.content.decisions import flush_decisions
from prefero.experiments.exposures import flush_exposures
from prefero.runtime import Runtime
from prefero.search.popular import flush_searches
from prefero.segments.membership import flush_dirty, install_refresh
from prefero.web.app import install_web

__all__ = ["create_app"]

DESCRIPTION = """
Personalization in which the customer holds the helm: declared preferences, hard
exclusions, budget, personalization level and consent steer every recommendation and
search result, and every result explains itself.

Send the API key in the `X-API-Key` header. A shopper's own page may instead send a
customer token (`Authorization: Bearer`, from `POST /v1/customers/{customer_id}/tokens`)
to the endpoints that list it; it reaches only that customer's data. Errors are
`application/problem+json`.
"""


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, *,
               worker: bool = False) -> FastAPI:
    """Build the app. Give a ``runtime`` to share one with the caller (tests, the demo).

    ``worker`` (server worker processes only) tunes the process for serving, so that the
    event loop, and ``/healthz`` with it, keeps answering while requests compute:

    - after start-up, everything loaded so far leaves the cyclic garbage collector's reach.
      The catalogue snapshot, the models and the libraries live as long as the process, yet
      every full collection walked them again: about 170,000 objects, 250 ms on a loaded
      machine, during which the worker answers nothing. Frozen objects are only freed by
      reference counting, so processes that build many apps (tests) must not do this;
    - the interpreter hands the GIL over every ``gil_switch_ms`` instead of every 5 ms: the
      event loop waits for the GIL behind each of the request threads at every step of an
      answer (docs/benchmarks.md, "/healthz under load").

    Raises ``UnsafeConfiguration`` in production mode with a built-in key or secret, so that
    uvicorn or gunicorn on ``prefero.api.asgi:app`` refuses exactly as ``prefero serve`` does.
    """
    settings = runtime.settings if runtime is not None else settings or get_settings()
    settings.refuse_unsafe()
    runtime = runtime or Runtime(settings)
    install_refresh(runtime)
    # Read now: a broken configurators file refuses to start, naming the paths at fault.
    _ = runtime.configurators

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker:
            # Each request is a small product of matrices, and the workers already share
            # the cores: BLAS threads of their own only wait for each other (measured on a
            # busy two-core machine, 30 ms a request with two BLAS threads, 12 ms with one).
            threadpool_limits(limits=1, user_api="blas")
        runtime.recommender.refresh()
        runtime.recommender.warm()
        if worker:
            gc.collect()
            gc.freeze()
            sys.setswitchinterval(settings.gil_switch_ms / 1000.0)
        yield
        # The searches this worker counted but has not written yet (search.popular).
        flush_searches(runtime)
        # The content choices it made but has not logged yet (content.decisions).
        flush_decisions(runtime)
        flush_exposures(runtime)  # the experiment renders it logged (experiments.exposures)
        # The recommendation impressions it counted (analytics.counts).
        finish_impressions(runtime)
        # The customers whose segments it has not re-evaluated yet (segments.membership).
        flush_dirty(runtime)

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
    # 401, 403 and 422, and the limits in front of them 413, 429 and 503; routes add the
    # 404/409 they can answer themselves.
    # discovered_segments before any /v1/segments/{key} route, which would take its path.
    for module in (discovered_segments, catalog, customers, freshness, events, recommendations,
                   search, boxes, configurators,
                   quizzes, quiz_sessions, suggestions, quiz_analytics, tokens, audit,
                   synonyms, listings, recommendation_stats, merchandising, content, segments,
                   profiles, follows, coupons, inbox, message_terms, watches, model_quality,
                   experiments):
        app.include_router(module.router,
                           responses=problem_responses(401, 403, 413, 422, 429, 503))
    app.include_router(prompts.router, responses=problem_responses(401, 403, 413, 422, 429, 503))
    app.include_router(delivery.router, responses=problem_responses(401, 403, 413, 422, 429, 503))
    app.include_router(fit.router, responses=problem_responses(401, 403, 413, 422, 429, 503))
    _document_problems(app)

    # Swagger UI, offline and without inline script.
    install_docs(app)
    # The embeddable client for the shop's own pages (/sdk/prefero.js).
    app.include_router(sdk.router)

    # The storefront, preference center and quiz player: the pages a shopper uses.
    install_web(app, runtime)

    # Request limits; the last added runs first. Outermost: proxy headers (the client's real
    # address), then authentication from the headers alone (401 before any body is read),
    # then the rate limits (they need the caller), then the body-size limits.
    # Innermost: a household profile's paths become its subject's (after authentication).
    install_profile_paths(app, runtime)
    install_body_limit(app, runtime)
    install_rate_limits(app, runtime)
    install_auth_gate(app, runtime)
    # CORS for the shop's sites (preflights answered before authentication), and around it
    # the security headers, so every answer has them: preflights and the limits' 401/413/429.
    install_cors(app, runtime)
    # /healthz answered and overload shed (503) before any other work of ours.
    install_overload(app, runtime)
    # Connections recycled now and then, so that every worker gets its share of the load.
    install_keepalive_limit(app, runtime)
    # The security headers on every answer, the overload's 503 and /healthz included
    # (precomputed bytes: about 2 µs a request).
    install_security_headers(app, runtime)
    install_proxy_headers(app, runtime)
    install_server_timing(app)

    return app


def _document_problems(app: FastAPI) -> None:
    """Add the problem models to the OpenAPI components that the routes' responses name."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI caches the document in app.openapi_schema; adding twice is harmless.
        return add_problem_schemas(generate())

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
