"""The quiz player: the list of quizzes, one question at a time, and the results.

Pages call the quiz services directly (no HTTP). The visitor's open session per quiz lives
in the signed cookie (``request.session["quiz_sessions"][quiz_id]``); every request checks
that the session belongs to the visitor, so an id taken from someone else's page reaches
nothing. Forms post and redirect (303), so the player works without JavaScript; with htmx
the same routes answer just the changed part of the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.customers.repository import ensure_customers
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.quizzes import sessions
from prefero.quizzes.definition import QuizDefinition
from prefero.quizzes.engine import Answer
from prefero.quizzes.models import QuizSession
from prefero.quizzes.publish import get_version, list_quizzes
from prefero.quizzes.sessions import QuestionOut, QuizSessionOut
from prefero.quizzes.texts import localized
from prefero.runtime import Runtime
from prefero.web.i18n import Translator, language_of, translator
from prefero.web.identity import visitor
from prefero.web.preference_words import page_words
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

_COOKIE_KEY = "quiz_sessions"
# The cookie is small (4 kB): a visitor playing more quizzes than this forgets the oldest.
_MAX_REMEMBERED = 10


# --------------------------------------------------------------------------- the cookie


def _remembered(request: Request) -> dict[str, str]:
    raw = request.session.get(_COOKIE_KEY)
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, str)}


def _remember(request: Request, quiz_id: str, session_id: str) -> None:
    mapping = {k: v for k, v in _remembered(request).items() if k != quiz_id}
    mapping[quiz_id] = session_id
    request.session[_COOKIE_KEY] = dict(list(mapping.items())[-_MAX_REMEMBERED:])


def _forget(request: Request, quiz_id: str) -> None:
    mapping = _remembered(request)
    if mapping.pop(quiz_id, None) is not None:
        request.session[_COOKIE_KEY] = mapping


def _owned_row(session: DbSession, request: Request, quiz_id: str, session_id: str | None
               ) -> QuizSession | None:
    """The quiz session when it is this visitor's and of this quiz, else None. A completed
    session without consent has no customer any more, so it is nobody's."""
    if not session_id:
        return None
    row = session.get(QuizSession, session_id)
    if row is None or row.quiz_id != quiz_id:
        return None
    if row.customer_id is None or row.customer_id != visitor(request).customer_id:
        return None
    return row


# --------------------------------------------------------------------------- rendering


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _number(value: float) -> str:
    return f"{value:g}"


def _range_value(question: QuestionOut, given: Mapping[str, Any]) -> str:
    """What the slider shows: the value just sent back (invalid or not), else the default."""
    spec = question.range
    assert spec is not None
    sent = given.get("value")
    if isinstance(sent, str) and sent.strip():
        return sent.strip()
    return _number(spec.default if spec.default is not None else spec.min)


def _context(session: DbSession, quiz_id: str, out: QuizSessionOut,
             definition: QuizDefinition, *, errors: list[str] | None = None,
             given: Mapping[str, Any] | None = None, notice: str | None = None
             ) -> dict[str, Any]:
    """What the question and results templates need."""
    question = out.question
    given = given or {}
    return {
        "quiz_id": quiz_id,
        "definition": definition,
        "state": out,
        "question": question,
        "errors": errors or [],
        "given": given,
        "notice": notice,
        "range_value": (_range_value(question, given)
                        if question is not None and question.type == "range" else None),
        "number": _number,
        "step": min(out.progress.answered + 1, max(out.progress.total, 1)),
    }


def _show(request: Request, session: DbSession, runtime: Runtime, quiz_id: str,
          out: QuizSessionOut, *, status_code: int = 200, **extra: Any) -> Response:
    _, stored = get_version(session, quiz_id, out.version)
    definition = localized(stored, language_of(request))
    context = _context(session, quiz_id, out, definition, **extra)
    # Answers kept out of the profile, by their labels ("Brand: Lindt", not "brand: lindt").
    words = page_words(request, session, runtime) if out.kept else None
    context["kept"] = [words.kept(kept) for kept in out.kept] if words is not None else []
    if _is_htmx(request):
        # htmx leaves 4xx answers unswapped, so an invalid answer comes back as 200 here; the
        # message is in the swapped form either way.
        return page(request, "quizzes/partial.html", session=session, runtime=runtime,
                    **context)
    return page(request, "quizzes/play.html", session=session, runtime=runtime,
                status_code=status_code, **context)


def _not_found(request: Request, session: DbSession, runtime: Runtime, quiz_id: str
               ) -> Response:
    return page(request, "quizzes/missing.html", session=session, runtime=runtime,
                status_code=404, quiz_id=quiz_id)


def _messages(t: Translator, question: QuestionOut, errors: list[FieldError]) -> list[str]:
    """The service's field errors in the visitor's words, precise about what would fit."""
    spec = question.range
    found: list[str] = []
    for error in errors:
        msg = error.msg
        if msg == "this question needs an answer":
            text = (t("Please choose at least one option.") if question.type == "multiple"
                    else t("Please choose an option.") if question.options
                    else t("Please enter a value.") if question.type == "range"
                    else t("Please type an answer."))
        elif msg.startswith("must lie between") and spec is not None:
            text = t("Choose a value between {min} and {max}.", min=_number(spec.min),
                     max=_number(spec.max))
        elif msg.startswith("must be") and spec is not None:
            text = t("Choose a value in steps of {step}, starting at {min}.",
                     step=_number(spec.step), min=_number(spec.min))
        elif msg == "expected a finite number":
            text = t("Enter a number.")
        elif msg.startswith("at most"):
            text = t("Use at most 500 characters.")
        elif "takes one option" in msg:
            text = t("Choose only one option.")
        elif "has no option" in msg or "is given twice" in msg:
            text = t("Choose from the options shown.")
        else:
            # The service's own words are English and for developers: never shown here.
            text = t("This answer cannot be used: change it and try again.")
        if text not in found:
            found.append(text)
    return found


# --------------------------------------------------------------------------- pages


def _length(definition: QuizDefinition) -> dict[str, int | bool]:
    """How many questions a visitor may meet: all of them at most; fewer when some are asked
    only after certain answers ("up to 8 questions"), as the player's "of 8" starts."""
    return {"questions": len(definition.questions),
            "conditional": any(q.show_if is not None for q in definition.questions)}


@router.get("/quizzes")
def quiz_list(request: Request, session: DbSession, runtime: Rt) -> Response:
    who = visitor(request)
    remembered = _remembered(request)
    language = language_of(request)
    quizzes = []
    for version in list_quizzes(session):
        _, stored = get_version(session, version.quiz_id, version.version)
        definition = localized(stored, language)
        row = _owned_row(session, request, version.quiz_id, remembered.get(version.quiz_id))
        status = None if row is None else ("completed" if row.status == "completed"
                                           else "active" if row.status == "active" else None)
        quizzes.append({"id": version.quiz_id, "title": definition.title,
                        "description": definition.description, "kind": definition.kind,
                        **_length(definition), "status": status})
    return page(request, "quizzes/list.html", session=session, runtime=runtime,
                quizzes=quizzes, who=who)


@router.get("/quizzes/{quiz_id}")
def play(request: Request, quiz_id: str, session: DbSession, runtime: Rt) -> Response:
    """Resume the visitor's session of this quiz, or start one."""
    notice = None
    remembered = _remembered(request).get(quiz_id)
    row = _owned_row(session, request, quiz_id, remembered)
    if row is None and remembered:
        stale = session.get(QuizSession, remembered)
        if stale is not None and stale.customer_id is None and stale.status != "active":
            # Completed without personalization consent: its results were shown once and
            # are no longer linked to anyone, so there is nothing to show again.
            notice = ("Your last results were shown once and not kept, because "
                      "personalization is off.")
        _forget(request, quiz_id)
    if row is not None:
        out = sessions.get(session, session_id=row.id, runtime=runtime,
                           language=language_of(request))
    else:
        try:
            out = _start(request, session, runtime, quiz_id)
        except NotFound:
            return _not_found(request, session, runtime, quiz_id)
    return _show(request, session, runtime, quiz_id, out, notice=notice)


def _start(request: Request, session: DbSession, runtime: Runtime, quiz_id: str
           ) -> QuizSessionOut:
    who = visitor(request)
    if not who.signed_in:
        # Created as anonymous before the service creates it (as a known customer), so an
        # anonymous visitor never shows up among the personas one can sign in as.
        ensure_customers(session, {who.customer_id: True})
    out = sessions.start(session, quiz_id=quiz_id, customer_id=who.customer_id,
                         runtime=runtime, language=language_of(request))
    _remember(request, quiz_id, out.session_id)
    return out


def _parse(question: QuestionOut, options: list[str], value: str, value_slider: str,
           initial: str, text: str | None) -> Answer | FieldError:
    if question.type in ("single", "multiple", "image"):
        return Answer(question.id, option_ids=tuple(o for o in options if o))
    if question.type == "range":
        # Without JavaScript the slider and the number box are not kept in step: whichever
        # the visitor moved away from the value shown is their answer.
        raw = value.strip()
        if raw in ("", initial.strip()) and value_slider.strip() not in ("", initial.strip()):
            raw = value_slider.strip()
        if not raw:
            return Answer(question.id)
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return FieldError(("value",), "expected a finite number")
        if not math.isfinite(number):
            return FieldError(("value",), "expected a finite number")
        return Answer(question.id, value=number)
    return Answer(question.id, text=text if text and text.strip() else None)


@router.post("/quizzes/{quiz_id}/answer")
def answer(request: Request, quiz_id: str, session: DbSession, runtime: Rt,
           session_id: Annotated[str, Form(max_length=100)],
           question_id: Annotated[str, Form(max_length=100)],
           action: Annotated[str, Form(max_length=10)] = "next",
           option: Annotated[list[str] | None, Form(max_length=100)] = None,
           value: Annotated[str, Form(max_length=50)] = "",
           value_slider: Annotated[str, Form(max_length=50)] = "",
           initial: Annotated[str, Form(max_length=50)] = "",
           text: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    """Next (record the answer) or Back (undo the last one) — one form, two buttons."""
    row = _owned_row(session, request, quiz_id, session_id)
    if row is None:
        return _not_found(request, session, runtime, quiz_id)
    _remember(request, quiz_id, row.id)
    here = f"/quizzes/{quiz_id}"
    language = language_of(request)
    try:
        if action == "back":
            out = sessions.back(session, session_id=row.id, runtime=runtime, language=language)
            if _is_htmx(request):
                return _show(request, session, runtime, quiz_id, out)
            return RedirectResponse(here, status_code=303)
        current = sessions.get(session, session_id=row.id, runtime=runtime, language=language)
        if current.question is None or current.question.id != question_id:
            # A second tab or a double click: show where the session really is.
            return _show(request, session, runtime, quiz_id, current,
                         notice="That question was already answered; here is where you are.")
        parsed = (Answer(question_id) if action == "skip" else
                  _parse(current.question, option or [], value, value_slider, initial, text))
        given = {"option_ids": option or [], "value": value, "text": text}
        if isinstance(parsed, FieldError):
            return _show(request, session, runtime, quiz_id, current, status_code=422,
                         errors=_messages(_t(request), current.question, [parsed]),
                         given=given)
        try:
            out = sessions.answer(session, session_id=row.id, given=parsed, runtime=runtime,
                                  language=language)
        except InvalidInput as invalid:
            return _show(request, session, runtime, quiz_id, current, status_code=422,
                         errors=_messages(_t(request), current.question,
                                          list(invalid.errors)), given=given)
    except Conflict:
        # Completed meanwhile (another tab): the page shows its results.
        return RedirectResponse(here, status_code=303)
    if out.completed and not out.stored:
        # Without consent the results exist only in this answer: show them now rather than
        # after a redirect, when they are already gone.
        return _show(request, session, runtime, quiz_id, out)
    if _is_htmx(request):
        return _show(request, session, runtime, quiz_id, out)
    return RedirectResponse(here, status_code=303)


@router.post("/quizzes/{quiz_id}/retake")
def retake(request: Request, quiz_id: str, session: DbSession, runtime: Rt) -> Response:
    """Start over: a new session (the old one's stored outcome is replaced on completion)."""
    try:
        _start(request, session, runtime, quiz_id)
    except NotFound:
        return _not_found(request, session, runtime, quiz_id)
    return RedirectResponse(f"/quizzes/{quiz_id}", status_code=303)
