"""Quiz analytics over HTTP, for the marketer dashboard: one read-only admin endpoint.

Thin on purpose: the numbers and their definitions live in ``prefero.quizzes.analytics``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime

from prefero.api.deps import DbSession, require
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.quizzes.analytics import MAX_CONVERSION_DAYS, quiz_analytics
from prefero.quizzes.analytics_schemas import QuizAnalytics

__all__ = ["router"]

# Admin: answer distributions and conversion are the shop's business data, not a storefront's.
router = APIRouter(tags=["quiz_analytics"], dependencies=[Depends(require("admin"))])

QuizId = Annotated[str, Path(
    # The definition format's id rule: anything else cannot name a stored quiz.
    pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=100, description="The quiz's id",
)]


@router.get(
    "/v1/quizzes/{quiz_id}/analytics", response_model=QuizAnalytics,
    responses=problem_responses(404), summary="Analytics of a quiz, per version",
)
def get_quiz_analytics(
    session: DbSession,
    quiz_id: QuizId,
    version: Annotated[int | None, Query(
        ge=1, le=2_147_483_647,
        description="Only this version; all stored versions when left out")] = None,
    since: Annotated[AwareDatetime | None, Query(
        description="Count sessions started at or after this time (ISO-8601 with a zone)",
    )] = None,
    until: Annotated[AwareDatetime | None, Query(
        description="Count sessions started before this time (ISO-8601 with a zone)",
    )] = None,
    conversion_days: Annotated[int, Query(
        ge=1, le=MAX_CONVERSION_DAYS,
        description="A purchase within this many days counts as a conversion")] = 14,
) -> QuizAnalytics:
    """Starts, completions and completion rate, drop-off and answers per question, time to
    complete, and purchase conversion of completers versus customers who started but did
    not complete, each rate with its counts and a 95% Wilson interval. One `versions` entry
    per stored version (or only `version`). Rates are fractions in [0, 1], durations
    seconds; `null` where there is nothing to compute from."""
    try:
        return quiz_analytics(session, quiz_id=quiz_id, version=version, since=since,
                              until=until, conversion_days=conversion_days)
    except InvalidInput as exc:
        # The service names its arguments; on this API they arrived in the query string.
        raise InvalidInput(exc.detail, [FieldError(("query", *e.loc), e.msg)
                                        for e in exc.errors]) from exc
