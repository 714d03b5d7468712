"""On-site prompts in the demo shop: what each page tells its watcher script (which triggers
this visitor may fire, with the shop's thresholds), the route the script asks when one fires
(``/prompts/ask``: an HTML fragment, or 204 for none), the prompt's own buttons ("Don't show
this again", "Don't show me these"), and the preference center's caps form.

The visitor is always the session's; a visit is kept in the signed session too: a new one
starts after ``VISIT_WINDOW`` without a page. Decisions are ``prefero.prompts.decide``'s.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.db.base import utcnow
from prefero.errors import NotFound
from prefero.i18n.catalogues import N_
from prefero.orders.cart import cart_ids
from prefero.prompts.caps import (
    VISIT_WINDOW,
    caps_of,
    dismiss,
    prompt_settings,
    save_settings,
    shown_this_visit,
    undismiss_all,
)
from prefero.prompts.decide import CONSENT_FOR, decide
from prefero.prompts.definitions import compiled_prompts, get_prompt
from prefero.prompts.schemas import (
    MAX_GAP_MINUTES,
    MAX_PER_VISIT,
    TRIGGERS,
    PromptFacts,
    PromptSettingsIn,
)
from prefero.runtime import Runtime
from prefero.web.csrf import session_token
from prefero.web.form_numbers import whole_number
from prefero.web.i18n import language_of
from prefero.web.identity import visitor
from prefero.web.render import page, page_consents, templates
from prefero.web.routes.preferences import PAGE, FormProblem, Message, _change, _notice

__all__ = ["router"]

router = APIRouter()

_VISIT = "prompt_visit"
# The script marks its requests so that a button answers with a fragment, not a redirect.
_FRAGMENT_HEADER = "x-prompt"
_FIELDS = {"per_visit": "prompts-per-visit", "gap_minutes": "prompts-gap"}
# A day: what ``PromptFacts`` takes as the longest dwell.
_MOST_SECONDS = 86400
# A prompt's key is at most 64 characters (``prompts.schemas.Key``, the column).
_MAX_KEY = 64


# --- the visit -------------------------------------------------------------------------

def _visit(request: Request) -> tuple[str, float, bool]:
    """This browser's visit (id, start in epoch seconds) and whether this page began it; a
    visit ends after ``VISIT_WINDOW`` without a page."""
    now = time.time()
    kept = request.session.get(_VISIT)
    if (isinstance(kept, dict) and isinstance(kept.get("id"), str)
            and isinstance(kept.get("start"), int | float)
            and isinstance(kept.get("last"), int | float)
            and now - float(kept["last"]) < VISIT_WINDOW.total_seconds()):
        request.session[_VISIT] = {**kept, "last": now}
        return str(kept["id"]), float(kept["start"]), False
    visit_id = secrets.token_hex(8)
    request.session[_VISIT] = {"id": visit_id, "start": now, "last": now}
    return visit_id, now, True


def _cart_items(request: Request) -> int:
    return len(cart_ids(request.session))


# --- what a page tells its watcher -----------------------------------------------------------

@pass_context
def _prompt_watch(context: Context) -> dict[str, Any] | None:
    """The triggers this visitor may fire on this page, with the shop's thresholds, or
    ``None`` (no script at all): no prompt defined, the customer switched them off or allows
    none this visit, or no consent for any trigger. ``prompts/_watch.html`` renders it."""
    request: Request = context["request"]
    runtime: Runtime = request.app.state.runtime
    who = visitor(request)
    visit_id, _start, began = _visit(request)
    with runtime.session() as session:
        prompts = compiled_prompts(session)
        if not prompts:
            return None
        # The page read the consents for its header already (``web.render.page_consents``
        # keeps them on the request): no second read.
        consents = page_consents(request, session, runtime)
        allowed = [p for p in prompts if consents[CONSENT_FOR[p.trigger]]]
        if not allowed:
            return None  # most anonymous visitors: nothing consented, no further reads
        caps, _defaults = caps_of(session, who.customer_id)
        if caps.off or caps.per_visit == 0 or shown_this_visit(
                session, who.customer_id, visit=visit_id, now=utcnow()) >= caps.per_visit:
            return None

    def least(trigger: str) -> int | None:
        found = [p.threshold for p in allowed if p.trigger == trigger]
        return min(found) if found else None

    watch = {"dwell": least("dwell"), "scroll": least("scroll"),
             "exit": least("cart_exit") is not None,
             "return": began and least("return_after_search") is not None}
    if not any(watch.values()):
        return None
    return {**watch, "cart": _cart_items(request), "csrf": session_token(request)}


@pass_context
def _prompt_caps(context: Context) -> dict[str, Any]:
    """The preference center's section: the caps as set and in words, and how many prompts
    were dismissed."""
    request: Request = context["request"]
    runtime: Runtime = request.app.state.runtime
    with runtime.session() as session:
        found = prompt_settings(session, visitor(request).customer_id,
                                language=language_of(request))
    return {"settings": found, "most_per_visit": MAX_PER_VISIT, "most_gap": MAX_GAP_MINUTES}


templates.env.globals.update(prompt_watch=_prompt_watch, prompt_caps=_prompt_caps)


# --- asking and answering ---------------------------------------------------------------------

def _measure(text: str, most: int) -> int | None:
    """What the script measured (0 when it sent nothing); ``None`` for anything else."""
    return whole_number(text, most=most) if text.strip() else 0


@router.post("/prompts/ask")
def ask(request: Request, session: DbSession, runtime: Rt,
        trigger: Annotated[str, Form(max_length=30)] = "",
        dwell: Annotated[str, Form(max_length=10)] = "",
        scroll: Annotated[str, Form(max_length=10)] = "",
        back: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """The watcher script's question when a trigger fired: 200 with the prompt's fragment,
    or 204 when none is shown (or the trigger is not one of ours); 422 for a measure that is
    not a whole number in range (the script sends none such), deciding nothing."""
    chosen = next((t for t in TRIGGERS if t == trigger), None)
    if chosen is None:
        return Response(status_code=204)
    seconds, percent = _measure(dwell, _MOST_SECONDS), _measure(scroll, 100)
    if seconds is None or percent is None:
        return Response(status_code=422)
    visit_id, start, _began = _visit(request)
    facts = PromptFacts(visit_id=visit_id, visit_started_at=datetime.fromtimestamp(start, UTC),
                        cart_items=_cart_items(request), dwell_seconds=seconds,
                        scroll_percent=percent)
    language = language_of(request)
    answer = decide(session, customer_id=visitor(request).customer_id, trigger=chosen,
                    facts=facts, now=utcnow(), settings=runtime.settings,
                    schema=runtime.facet_schema, language=language)
    if answer.prompt is None:
        return Response(status_code=204)
    return page(request, "prompts/_prompt.html", session=session, runtime=runtime,
                answer=answer, prompt=answer.prompt, back=_local(back))


def _local(path: str) -> str:
    """A path on this site to go back to (anything else: the home page)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _answered(request: Request, session: Any, runtime: Runtime, *, done: str, back: str
              ) -> Response:
    if request.headers.get(_FRAGMENT_HEADER) == "fragment":
        return page(request, "prompts/_done.html", session=session, runtime=runtime,
                    done=done)
    return RedirectResponse(_local(back), status_code=303)


@router.post("/prompts/off")
def switch_off(request: Request, session: DbSession, runtime: Rt,
               back: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """ "Don't show me these": no prompt at all until the customer switches them on again
    in the preference center."""
    save_settings(session, visitor(request).customer_id, PromptSettingsIn(off=True),
                  now=utcnow(), language=language_of(request))
    return _answered(request, session, runtime, back=back,
                     done=N_("Done: we will not show you suggestions like this. You can "
                             "switch them on again in your preferences."))


@router.post("/prompts/{prompt_key}/dismiss")
def dismiss_prompt(request: Request, session: DbSession, runtime: Rt, prompt_key: str,
                   back: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """ "Don't show this again": this prompt never comes back for this visitor."""
    if len(prompt_key) > _MAX_KEY:
        return Response(status_code=404)  # no prompt has such a key: never one cut short
    try:
        found = get_prompt(session, prompt_key)
    except NotFound:
        return Response(status_code=404)
    dismiss(session, visitor(request).customer_id, found.key, now=utcnow())
    return _answered(request, session, runtime, back=back,
                     done=N_("Done: we will not show you this suggestion again."))


# --- the preference center's section -------------------------------------------------------

_WHOLE = N_("Enter a whole number from 0 to {most}.")


@router.post(f"{PAGE}/prompts")
def caps_route(request: Request, session: DbSession, runtime: Rt,
               per_visit: Annotated[str, Form(max_length=10)] = "",
               gap_minutes: Annotated[str, Form(max_length=10)] = "",
               show: Annotated[str, Form(max_length=5)] = "") -> Response:
    submitted = {"prompts-per-visit": per_visit, "prompts-gap": gap_minutes,
                 "prompts-show": show}

    def act(cid: str) -> dict[str, Any]:
        errors: dict[str, str | Message] = {}
        values: dict[str, int] = {}
        for name, text, most in (("per_visit", per_visit, MAX_PER_VISIT),
                                 ("gap_minutes", gap_minutes, MAX_GAP_MINUTES)):
            value = whole_number(text, most=most)
            if value is None:
                errors[_FIELDS[name]] = _message(most)
            else:
                values[name] = value
        if errors:
            raise FormProblem("prompts", errors, submitted)
        try:
            change = PromptSettingsIn(off=show != "on", **values)
        except ValidationError as exc:  # pragma: no cover - the checks above are the same
            raise FormProblem("prompts", {"prompts-per-visit": _message(MAX_PER_VISIT)},
                              submitted) from exc
        save_settings(session, cid, change, now=utcnow(), language=language_of(request))
        return _notice(N_("Your limits for suggestions on the pages are saved."))

    return _change(request, session, runtime, "prompts", act, audit_action="prompts.write")


def _message(most: int) -> Message:
    return Message(_WHOLE, {"most": str(most)})


@router.post(f"{PAGE}/prompts/restore")
def restore_route(request: Request, session: DbSession, runtime: Rt) -> Response:
    """Show the dismissed prompts again (each one still within the caps)."""

    def act(cid: str) -> dict[str, Any]:
        undismiss_all(session, cid)
        return _notice(N_("The suggestions you dismissed may be shown again."))

    return _change(request, session, runtime, "prompts", act, audit_action="prompts.write")
