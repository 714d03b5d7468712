"""Routes for running quizzes: sessions, answers, going back, resuming, and the preferences
quizzes wrote into a customer's profile.

Thin on purpose: each handler calls one function of ``prefero.quizzes.sessions`` and lets the
one error handler turn ``PreferoError`` into problem+json.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, customer_or_key, own_customer, own_id
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerId
from prefero.api.principal import Principal
from prefero.api.problems import problem_responses
from prefero.customers import households
from prefero.customers.household_models import PROFILE_KEY_PATTERN
from prefero.errors import FieldError, InvalidInput, NotFound
from prefero.quizzes import sessions
from prefero.quizzes.engine import Answer
from prefero.quizzes.sessions import QuizPreferencesOut, QuizPreferencesRemoved, QuizSessionOut

__all__ = ["AnswerIn", "StartIn", "router"]

router = APIRouter(tags=["quiz_sessions"])

QuizId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                             description="The quiz's id")]
SessionId = Annotated[str, Path(min_length=1, max_length=36, pattern=NO_CONTROL_CHARACTERS,
                                description="The id answered when the session started")]



# An API key with the scope, or a customer token acting for its own customer only.
Writer = Annotated[Principal, Depends(customer_or_key("ingest"))]
Reader = Annotated[Principal, Depends(customer_or_key("read"))]
_OWN_READ = [Depends(own_customer("read"))]
_OWN_INGEST = [Depends(own_customer("ingest"))]


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS,
        description="Who is answering; leave out for a visitor (nothing is stored then)")
    profile_id: str | None = Field(
        default=None, pattern=PROFILE_KEY_PATTERN,
        description="The customer's household profile the answers are for ('kids'); left "
                    "out: the account's own. Only with a customer.")


class AnswerIn(BaseModel):
    """The answer to the current question: ``option_ids`` for choice questions, ``value`` for
    a range, ``text`` for free text. An empty answer skips an optional question."""

    model_config = ConfigDict(extra="forbid")

    question_id: str = Field(min_length=1, max_length=100)
    option_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=50)
    value: float | None = None
    text: str | None = Field(default=None, max_length=2000)

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value

    @field_validator("text")
    @classmethod
    def _no_nul(cls, text: str | None) -> str | None:
        if text is not None and "\x00" in text:
            raise ValueError("the text contains a NUL character")
        return text


@contextmanager
def _in_body() -> Iterator[None]:
    """Services point into the answer from its root; the API's locs start with "body"."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.post("/v1/quizzes/{quiz_id}/sessions", status_code=status.HTTP_201_CREATED,
             responses=problem_responses(404))
def start_session(quiz_id: QuizId, session: DbSession, runtime: Rt, caller: Writer,
                  language: Language, body: Annotated[StartIn | None, Body()] = None
                  ) -> QuizSessionOut:
    """Start a session on the quiz's latest version: the first question, progress and, for
    guided selling, how many products are in play. Started with a customer token, the
    session belongs to that customer (``customer_id`` may be left out)."""
    customer_id = own_id(caller, body.customer_id if body is not None else None,
                         loc=("body", "customer_id"))
    if body is not None and body.profile_id is not None:
        customer_id = _profile_subject(session, customer_id, body.profile_id)
    return sessions.start(session, quiz_id=quiz_id, customer_id=customer_id, runtime=runtime,
                          language=language)


def _profile_subject(session: DbSession, customer_id: str | None, profile_id: str) -> str:
    """The customer row of the household profile the session is for (422 when unknown)."""
    loc = ("body", "profile_id")
    if customer_id is None:
        raise InvalidInput("a profile belongs to a customer", [FieldError(
            loc, "give customer_id with profile_id (or use the customer's token)")])
    try:
        return households.subject_for(session, owner_id=customer_id, profile_id=profile_id)
    except NotFound as exc:
        raise InvalidInput("no such profile", [FieldError(loc, exc.detail)]) from exc


def _own_session(session: DbSession, session_id: str, caller: Principal) -> None:
    if caller.customer_id is not None:
        # The account's token reaches the sessions of its household's profiles too.
        households.check_quiz_session(session, session_id=session_id,
                                      account_id=caller.customer_id)


@router.post("/v1/quiz-sessions/{session_id}/answers", responses=problem_responses(404, 409))
def post_answer(session_id: SessionId, body: AnswerIn, session: DbSession, runtime: Rt,
                caller: Writer, language: Language) -> QuizSessionOut:
    """Answer the current question. Answers the next question (with the products left and the
    answer that removed the most) or, after the last one, the results."""
    _own_session(session, session_id, caller)
    given = Answer(question_id=body.question_id, option_ids=tuple(body.option_ids or ()),
                   value=body.value, text=body.text)
    with _in_body():
        return sessions.answer(session, session_id=session_id, given=given, runtime=runtime,
                               language=language)


@router.post("/v1/quiz-sessions/{session_id}/back", responses=problem_responses(404, 409))
def go_back(session_id: SessionId, session: DbSession, runtime: Rt, caller: Writer,
            language: Language) -> QuizSessionOut:
    """Undo the last answer and show that question again."""
    _own_session(session, session_id, caller)
    return sessions.back(session, session_id=session_id, runtime=runtime, language=language)


@router.get("/v1/quiz-sessions/{session_id}", responses=problem_responses(404))
def get_session(session_id: SessionId, session: DbSession, runtime: Rt, caller: Reader,
                language: Language) -> QuizSessionOut:
    """The session as it stands, to resume it later; a completed one shows its results."""
    _own_session(session, session_id, caller)
    return sessions.get(session, session_id=session_id, runtime=runtime, language=language)


@router.get("/v1/customers/{customer_id}/quiz-preferences", dependencies=_OWN_READ,
            responses=problem_responses(404))
def get_quiz_preferences(customer_id: CustomerId, session: DbSession, runtime: Rt
                         ) -> QuizPreferencesOut:
    """Which preferences (and traits, budget) came from which quiz."""
    return sessions.quiz_preferences(session, customer_id=customer_id,
                                     currency=runtime.shop_currency)


@router.delete("/v1/customers/{customer_id}/quiz-preferences/{quiz_id}",
               dependencies=[*_OWN_INGEST, Depends(audited(
                   "preferences.quiz.remove", target=("customer", "customer_id")))],
               responses=problem_responses(404))
def delete_quiz_preferences(customer_id: CustomerId, quiz_id: QuizId, session: DbSession
                            ) -> QuizPreferencesRemoved:
    """Remove everything one quiz wrote (every version); the rest of the profile stays."""
    return sessions.remove_quiz_preferences(session, customer_id=customer_id, quiz_id=quiz_id)
