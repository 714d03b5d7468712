"""How the API's problem+json answers are documented in OpenAPI.

``errors.problem`` writes the bodies; the models here describe them, and
``PROBLEM_RESPONSES`` attaches them to the routes, so that a client generator (and the
schemathesis contract test) knows every 4xx a route can answer and its shape.

FastAPI would file a ``responses`` entry with a ``model`` under the route's own media type
(``application/json``), which is not what is sent; so the entries name the
``application/problem+json`` content directly and ``add_problem_schemas`` puts the models'
schemas into the document's components.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from prefero.api.errors import PROBLEM_JSON

__all__ = [
    "PROBLEM_RESPONSES",
    "Problem",
    "ProblemFieldError",
    "ValidationProblem",
    "add_problem_schemas",
    "problem_responses",
]

_REF = "#/components/schemas/{model}"


class ProblemFieldError(BaseModel):
    """One problem with one field of the request."""

    loc: list[str | int] = Field(
        description='Path to the field: where it was sent ("body", "query", "path", '
                    '"header"), then keys and list indexes, e.g. ["body", "likes", 0, "facet"]',
    )
    msg: str = Field(description="What is wrong with it, for a person.")


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code, repeated.")
    detail: str = Field(description="What went wrong with this request.")
    errors: list[ProblemFieldError] = Field(
        default_factory=list, description="The fields at fault, when fields are at fault.")


class ValidationProblem(Problem):
    """A problem with the request's input: `errors` says which fields and why."""

    errors: list[ProblemFieldError] = Field(min_length=1)


def _response(description: str, model: type[Problem]) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {
        "schema": {"$ref": _REF.format(model=model.__name__)}}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _response("The X-API-Key header is missing or names no known key.", Problem),
    403: _response("The API key lacks the scope this endpoint needs.", Problem),
    404: _response("What the request names does not exist.", Problem),
    409: _response("The request conflicts with an earlier one.", Problem),
    413: _response("The body is larger than this route family accepts; nothing was read "
                   "past the limit.", Problem),
    422: _response("The input is invalid; nothing was changed.", ValidationProblem),
    429: _response("Too many requests from this key, customer or address (or too many "
                   "failed authentications); retry after the Retry-After header's seconds.",
                   Problem),
    503: _response("No capacity right now (or, for /readyz, no database); retry after the "
                   "Retry-After header's seconds.", Problem),
}
"""Every problem status the API answers with, documented once for every router."""


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The entries of ``PROBLEM_RESPONSES`` for ``statuses``, for a route's ``responses=``.

    >>> sorted(problem_responses(404, 409))
    [404, 409]
    """
    return {status: PROBLEM_RESPONSES[status] for status in statuses}


def add_problem_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Put the problem models' schemas into ``document``'s components (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template=_REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return document
