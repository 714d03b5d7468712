"""What a request refused by the CSRF guard gets: a shopper's form a friendly page in their
language, an htmx or JSON caller a problem+json. Either way nothing was changed."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.errors import problem
from prefero.runtime import Runtime
from prefero.web.csrf import CsrfRefused
from prefero.web.render import page

__all__ = ["install_csrf_refusal"]

log = logging.getLogger(__name__)


def _wants_problem(request: Request) -> bool:
    """htmx swaps no 4xx body into the page, and a script asking for JSON cannot read HTML;
    a browser submitting a form accepts text/html (and a bare ``*/*`` gets the page too)."""
    if request.headers.get("hx-request") == "true":
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def _page(request: Request, runtime: Runtime) -> Response:
    with runtime.session() as session:
        return page(request, "refused.html", session=session, runtime=runtime,
                    status_code=403)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsrfRefused)
    # An operator whose proxy rewrites the scheme or host sees here why every form fails.
    log.warning("refused %s %s: %s (Origin %r, Referer %r)", request.method, request.url.path,
                exc.reason, request.headers.get("origin"), request.headers.get("referer"))
    if _wants_problem(request):
        return problem(403, "csrf-refused", "Forbidden", exc.reason)
    runtime: Runtime = request.app.state.runtime
    # The page reads the visitor's level from the database: off the event loop.
    return await run_in_threadpool(_page, request, runtime)


def install_csrf_refusal(app: FastAPI) -> None:
    app.add_exception_handler(CsrfRefused, _refused)
