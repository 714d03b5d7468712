"""The one place where errors become HTTP: RFC 9457 problem+json with field paths."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from prefero.errors import PreferoError

__all__ = ["PROBLEM_JSON", "install_error_handlers", "problem"]

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://prefero.dev/problems/"


def problem(
    status: int, slug: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
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


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    slug = title.lower().replace(" ", "-")
    return problem(exc.status_code, slug, title, str(exc.detail))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PreferoError, _prefero_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
