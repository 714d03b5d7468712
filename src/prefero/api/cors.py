"""CORS for the shop's own sites (``settings.allowed_origins``): their pages call the
customer-token API from the browser. Without allowed origins nothing is installed, so no
response carries CORS headers and another site's script cannot read any answer.

No credentials: a customer token travels in ``Authorization: Bearer``, never in a cookie, so
a cross-origin call needs none, and a page of an allowed origin still cannot make the browser
send the session cookie with a request whose answer it reads.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from prefero.runtime import Runtime

__all__ = ["ALLOWED_HEADERS", "ALLOWED_METHODS", "install_cors"]

ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE"]
# Idempotency-Key: the event and write endpoints take it, and a page may retry a post.
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"]
# A 429 or 503 says when to try again; the page's script may read that.
EXPOSED_HEADERS = ["Retry-After"]
PREFLIGHT_MAX_AGE = 600


def install_cors(app: FastAPI, runtime: Runtime) -> None:
    origins = runtime.settings.allowed_origins
    if not origins:
        return
    app.add_middleware(CORSMiddleware, allow_origins=list(origins),
                       allow_methods=ALLOWED_METHODS, allow_headers=ALLOWED_HEADERS,
                       expose_headers=EXPOSED_HEADERS, allow_credentials=False,
                       max_age=PREFLIGHT_MAX_AGE)
