"""Quiz definitions: list, read a version, publish.

A definition is published as JSON or, with ``Content-Type: application/yaml``, as the same
YAML a shop keeps in its repository. The body is read raw and validated by
``prefero.quizzes.loader`` (not by FastAPI) so that both forms get the same checks against
the facet schema and the same precise ``errors[].loc`` (``["body", "questions", 2, ...]``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, require
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.i18n.languages import LANGUAGES
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.loader import load_definition, translation_report
from prefero.quizzes.models import QuizVersion
from prefero.quizzes.publish import get_version, list_quizzes, publish_version

__all__ = ["QuizList", "QuizSummary", "QuizVersionOut", "router"]

router = APIRouter(tags=["quizzes"])

_ADMIN = [Depends(require("admin"))]
_READ = [Depends(require("read"))]
MAX_BODY_BYTES = 1 << 20

QuizIdPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                                 description="The quiz's id, e.g. camera-finder.")]


class QuizSummary(BaseModel):
    id: str
    kind: Literal["quiz", "guided_selling"]
    title: str
    version: int = Field(description="The latest version.")
    question_count: int


class QuizList(BaseModel):
    items: list[QuizSummary]


class MissingTranslation(BaseModel):
    loc: list[str | int]
    msg: str


class QuizVersionOut(QuizSummary):
    version: int = Field(description="This version; sessions keep the one they started on.")
    digest: str = Field(description="sha256 of the definition's canonical JSON.")
    created_at: datetime
    definition: dict[str, Any] = Field(description="The definition, defaults filled in.")
    missing_translations: list[MissingTranslation] = Field(
        default_factory=list,
        description="Texts shoppers of a supported language would read in English, and "
                    "translations no text uses any more (reported, not refused).")


def _summary(row: QuizVersion) -> QuizSummary:
    return QuizSummary.model_validate({
        "id": row.quiz_id, "kind": row.kind, "title": row.title, "version": row.version,
        "question_count": len(row.definition.get("questions", []))})


def _out(row: QuizVersion) -> QuizVersionOut:
    report = translation_report(QuizDefinition.model_validate(row.definition),
                                source="definition", languages=LANGUAGES)
    return QuizVersionOut(**_summary(row).model_dump(), digest=row.digest,
                          created_at=row.created_at, definition=row.definition,
                          missing_translations=[MissingTranslation(loc=list(e.loc), msg=e.msg)
                                                for e in report])


async def _raw_body(request: Request) -> tuple[bytes, str]:
    # Read in a dependency so the handler can stay sync (publishing is blocking DB work).
    return await request.body(), request.headers.get("content-type", "")


# Also passed to ``audited``: the body arrives before the unit of work opens.
_RAW_BODY = Depends(_raw_body)
RawBody = Annotated[tuple[bytes, str], _RAW_BODY]

_EXAMPLE = {
    "id": "colour-quiz",
    "kind": "quiz",
    "title": "Your colours",
    "questions": [{
        "id": "colour", "type": "single", "text": "Which colour do you wear most?",
        "options": [
            {"id": "black", "label": "Black", "effects": [
                {"type": "set_weight", "facet": "color", "value": "black", "weight": 0.8}]},
            {"id": "navy", "label": "Navy", "effects": [
                {"type": "set_weight", "facet": "color", "value": "navy", "weight": 0.8}]},
        ],
    }],
}


@router.get("/v1/quizzes", dependencies=_READ)
def list_definitions(session: DbSession) -> QuizList:
    """Every quiz and guided-selling definition, at its latest version."""
    return QuizList(items=[_summary(row) for row in list_quizzes(session)])


@router.get("/v1/quizzes/{quiz_id}", dependencies=_READ, responses=problem_responses(404))
def get_definition(
    quiz_id: QuizIdPath, session: DbSession,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                         description="Left out: the latest.")] = None,
) -> QuizVersionOut:
    """One version of a definition (the latest unless ``version`` is given)."""
    row, _ = get_version(session, quiz_id, version)
    return _out(row)


@router.post(
    "/v1/quizzes",
    dependencies=[*_ADMIN, Depends(audited("quiz.publish", body=_RAW_BODY))],
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"model": QuizVersionOut, "description": "Published as a new version."},
        200: {"model": QuizVersionOut,
              "description": "Same content as the latest version, which is returned."},
        **problem_responses(409),
    },
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "object"}, "example": _EXAMPLE},
        "application/yaml": {"schema": {"type": "string"}},
    }}},
)
def publish_definition(body: RawBody, session: DbSession, runtime: Rt,
                       response: Response) -> QuizVersionOut:
    """Publish a definition (JSON, or YAML with ``Content-Type: application/yaml``) as the
    quiz's next version: 201. Content equal to the latest version's changes nothing: 200.
    Every problem is listed in one 422, e.g. ``["body", "questions", 0, "options", 1,
    "effects", 0, "facet"]``."""
    data, content_type = body
    if len(data) > MAX_BODY_BYTES:
        raise InvalidInput("the definition is too large", [
            FieldError(("body",), f"at most {MAX_BODY_BYTES} bytes")])
    fmt: Literal["json", "yaml"] | None = (
        "yaml" if "yaml" in content_type.lower() else
        "json" if "json" in content_type.lower() else None)
    definition = load_definition(data, source="body", schema=runtime.facet_schema, format=fmt)
    row, created = publish_version(session, definition)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _out(row)
