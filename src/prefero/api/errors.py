"""The one place where errors become HTTP: RFC 9457 problem+json with field paths."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from prefero.errors import InvalidToken, Overloaded, PreferoError

__all__ = ["PROBLEM_JSON", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://prefero.dev/problems/"

_log = logging.getLogger("prefero")


def problem(
    status: int, slug: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra or {})  # RFC 9457 extension members
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "X-API-Key")
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON,
                    headers=headers)


def _loc(raw: tuple[Any, ...] | list[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in raw]


async def _prefero_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PreferoError)
    # A refused customer token challenges for a bearer token, not for the key header.
    challenge = {"WWW-Authenticate": "Bearer"} if isinstance(exc, InvalidToken) else None
    if isinstance(exc, Overloaded):
        challenge = {"Retry-After": str(exc.retry_after)}
    return problem(exc.status, exc.slug, exc.title, exc.detail,
                   [error.as_dict() for error in exc.errors] or None, headers=challenge)


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


def _unparsable_body(cause: BaseException | None) -> str | None:
    """Why the JSON body could not be read, when FastAPI only says "error parsing the body".

    FastAPI answers a JSON decode error with a 422 at its place, but anything else that
    ``json.loads`` raises with a bare 400; these are the same mistake, so they get the same
    precise problem.
    """
    if isinstance(cause, UnicodeDecodeError):
        return "JSON text must be encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "JSON nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        # Python refuses to read integers of more than 4,300 digits (CVE-2020-10735).
        return "a number in the JSON text has too many digits"
    if isinstance(cause, ValueError):
        return "not a usable JSON document"
    return None


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and (reason := _unparsable_body(exc.__cause__)) is not None:
        detail = ("the body is not UTF-8 JSON" if isinstance(exc.__cause__, UnicodeDecodeError)
                  else "the body cannot be read as JSON")
        return problem(422, "invalid-input", "Invalid input", detail,
                       [{"loc": ["body"], "msg": reason}])
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    slug = title.lower().replace(" ", "-")
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        # RFC 9110: a 405 must list the methods the resource does support.
        headers["Allow"] = allowed
    return problem(exc.status_code, slug, title, str(exc.detail), headers=headers)


async def _unexpected(_request: Request, exc: Exception) -> Response:
    """Any error nobody foresaw: a 500 problem whose ``error_id`` is also in the log, next to
    the traceback, so that a shop's report can be matched to its cause without the answer
    revealing internals. (Starlette's ServerErrorMiddleware sends this answer and then
    re-raises, so the server's own error log gets the exception too.)"""
    error_id = uuid.uuid4().hex
    _log.error("unexpected error %s", error_id, exc_info=exc)
    return problem(500, "internal", "Internal error",
                   f"an unexpected error occurred; quote error id {error_id} when reporting it",
                   headers={"X-Error-Id": error_id}, extra={"error_id": error_id})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PreferoError, _prefero_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Exception (not a subclass): Starlette routes this one to ServerErrorMiddleware, the
    # outermost layer, so it catches what every other middleware lets through.
    app.add_exception_handler(Exception, _unexpected)
