"""The one place where errors become HTTP: RFC 9457 problem+json with field paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from prefero.errors import PreferoError

__all__ = ["PROBLEM_JSON", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://prefero.dev/problems/"


def problem(
    status: int, slug: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "X-API-Key"
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON,
                    headers=headers)


def _loc(raw: tuple[Any, ...] | list[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in raw]


async def _prefero_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PreferoError)
    return problem(exc.status, exc.slug, exc.title, exc.detail,
                   [error.as_dict() for error in exc.errors] or None)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": _loc(error["loc"]), "msg": error["msg"]} for error in exc.errors()]
    return problem(422, "invalid-input", "Invalid input",
                   f"{len(errors)} field(s) failed validation", errors)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. Starlette's own 405 names only the methods
    of the first route whose path matched, so a PUT to /v1/products said "Allow: POST"
    although GET works too. Asking each route whether it fully matches the request under
    each method needs only the public ``matches`` and sees into included routers."""
    allowed = [
        method for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
               for route in request.app.router.routes)
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI answers a JSON body that is not UTF-8 with a bare 400 "error parsing the
        # body", while a body that is not JSON at all gets a 422 with its place; both are the
        # same mistake, so both get the same precise problem.
        return problem(422, "invalid-input", "Invalid input", "the body is not UTF-8 JSON",
                       [{"loc": ["body"], "msg": "JSON text must be encoded as UTF-8"}])
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    slug = title.lower().replace(" ", "-")
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        # RFC 9110: a 405 must list the methods the resource does support.
        headers["Allow"] = allowed
    return problem(exc.status_code, slug, title, str(exc.detail), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PreferoError, _prefero_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
