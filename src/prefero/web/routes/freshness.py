"""The preference center's "Still true?" banner: values the customer told us long ago
(``prefero.customers.freshness``), each with Confirm / Change / Remove, and Confirm all.

The banner (``preferences/_freshness.html``, which words each value from the profile's
``stale`` list) sits inside the page's swapped part, so an htmx
answer redraws it with the sections; without JavaScript each form posts and is answered
``303`` back to the page, as the page's other forms are (``_change`` of the preference
center's routes does both, and records the change in the audit log).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.customers.confirmation import ValueRef, confirm_values
from prefero.customers.preferences import (
    get_preferences,
    preference_rows,
    remove_constraint,
    remove_like,
    remove_sizes,
    set_sizes,
)
from prefero.customers.schemas import SizeSet
from prefero.db.base import utcnow
from prefero.errors import InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.runtime import Runtime
from prefero.web.preference_words import page_words
from prefero.web.routes.preferences import PAGE, _change, _notice

__all__ = ["SECTION", "router"]

router = APIRouter()

SECTION = "freshness"
_GONE = N_("This is no longer among your preferences; nothing was changed.")


def _remove(session: Session, runtime: Runtime, cid: str, ref: ValueRef) -> bool:
    """Remove one value; for a size, only that size of its category."""
    if ref.kind == "like":
        return remove_like(session, customer_id=cid, facet=ref.facet, value=ref.value)
    if ref.kind in ("never", "must"):
        return remove_constraint(session, customer_id=cid, op=ref.kind, facet=ref.facet,
                                 value=ref.value)
    held = [row.value for row in preference_rows(session, cid, ("size",))
            if row.facet == ref.facet]
    if ref.value not in held:
        return False
    rest = [value for value in held if value != ref.value]
    if not rest:
        return remove_sizes(session, customer_id=cid, category=ref.facet)
    set_sizes(session, customer_id=cid, schema=runtime.facet_schema,
              sizes=SizeSet(category=ref.facet, values=rest))
    return True


@router.post(f"{PAGE}/freshness")
def freshness_route(request: Request, session: DbSession, runtime: Rt,
                    action: Annotated[str, Form(max_length=10)] = "confirm",
                    kind: Annotated[str, Form(max_length=10)] = "",
                    facet: Annotated[str, Form(max_length=500)] = "",
                    value: Annotated[str, Form(max_length=500)] = "",
                    every: Annotated[str, Form(max_length=5)] = "") -> Response:
    """Confirm one stale value (or ``every`` one listed), or remove one."""

    def act(cid: str) -> dict[str, Any]:
        words = page_words(request, session, runtime)
        if every == "1":
            try:
                listed = get_preferences(session, customer_id=cid,
                                         settings=runtime.settings).stale
            except NotFound:
                listed = []
            if not listed:
                return _notice(_GONE)
            confirm_values(session, customer_id=cid, now=utcnow(), values=[
                ValueRef(kind=s.kind, facet=s.facet, value=s.value) for s in listed])
            return _notice(N_("Confirmed: everything listed. Thank you."))
        try:
            ref = ValueRef.model_validate({"kind": kind, "facet": facet, "value": value})
        except ValidationError:
            return _notice(_GONE)
        what = (words.t(N_("{size} ({category})"), size=words.sizes([ref.value]),
                        category=words.path(ref.facet))
                if ref.kind == "size" else words.path(ref.value) if ref.facet == "category"
                else f"{words.facet(ref.facet)}: {words.value(ref.facet, ref.value)}")
        if action == "remove":
            if not _remove(session, runtime, cid, ref):
                return _notice(_GONE)
            return _notice(N_("Removed: {what}."), what=what)
        try:
            confirm_values(session, customer_id=cid, now=utcnow(), values=[ref])
        except (InvalidInput, NotFound):
            return _notice(_GONE)
        return _notice(N_("Confirmed: {what}."), what=what)

    audit = "preferences.write" if action == "remove" else "preferences.confirm"
    return _change(request, session, runtime, SECTION, act, audit_action=audit)
