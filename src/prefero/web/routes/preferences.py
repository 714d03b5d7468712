"""The preference center: one page where the customer sees and changes everything the shop
holds about them — likes, hard rules, budget, sizes, level, consents, suggestions, quiz
answers — and can download or delete it.

Every form posts to its own endpoint and answers ``303 See Other`` back to its section, so the
page works without JavaScript; htmx (``hx-post``) follows the same redirect and swaps the
sections in place. Bad input re-renders the page with the message next to the field and
rolls the unit of work back, so it changes nothing. The customer is always the session's
visitor: no route reads a customer id from the request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt, WriteSession
from prefero.catalog.facets import Facet, normalize_category
from prefero.customers import suggestions as suggestion_service
from prefero.customers.consent import consent_state, record_consent
from prefero.customers.preferences import (
    SIZE_FACET,
    add_constraint,
    add_like,
    get_preferences,
    normalize_preference_value,
    put_preferences,
)
from prefero.customers.repository import ensure_customers, get_customer
from prefero.customers.schemas import (
    Budget,
    ConsentIn,
    Constraint,
    Like,
    PreferencesIn,
    PreferencesOut,
    SizeSet,
)
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.privacy.service import customer_data, erase_customer
from prefero.quizzes.sessions import quiz_preferences, remove_quiz_preferences
from prefero.recommend.catalog_index import CatalogIndex
from prefero.runtime import Runtime
from prefero.text import InvisibleCharacter
from prefero.types import PURPOSES, Level
from prefero.web.identity import Visitor, sign_out, visitor
from prefero.web.render import LEVEL_NAMES, page

__all__ = ["router"]

router = APIRouter()

PAGE = "/preferences"
CONSENT_SOURCE = "preference_center"
_NOTICE_KEY = "preferences_notice"

# (section id, heading): the page's order, which is also the in-page navigation and the Tab
# order. The level comes first: it is the helm.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("level", "Personalization level"),
    ("likes", "Likes and dislikes"),
    ("rules", "Exclusions and requirements"),
    ("categories", "Hidden categories"),
    ("budget", "Budget"),
    ("sizes", "Sizes"),
    ("consents", "Consent"),
    ("suggestions", "Suggestions"),
    ("quizzes", "From your quizzes"),
    ("known", "What we know about you"),
    ("data", "Download or delete your data"),
)

LEVELS: tuple[tuple[Level, str, str], ...] = (
    ("off", "Off", "Only what is popular and new; nothing about you"),
    ("declared", "Only what I said", "Only what you told us"),
    ("balanced", "Balanced", "What you told us first; what you did only to order ties"),
    ("full", "Full", "What you told us and what you did, including this visit"),
)

PURPOSE_TEXTS: dict[str, tuple[str, str]] = {
    "tracking": ("Remember what I do",
                 "Link the products you view, put in the cart and buy to you, so that "
                 "recommendations can learn from them."),
    "personalization": ("Use what I told you",
                        "Rank products by the likes, dislikes and quiz answers you gave us. "
                        "Your exclusions and budget apply either way."),
    "context": ("Use this visit's context",
                "Use what you do during this visit (the time, what you are looking at now) "
                "to adjust the order."),
    "marketing_email": ("E-mails with offers",
                        "Send you e-mails about offers and products that match your "
                        "preferences."),
    "marketing_push": ("Push notifications",
                       "Send you push notifications about offers, back-in-stock items and "
                       "price drops."),
}

EVENT_NAMES: dict[str, str] = {
    "view": "Product views", "add_to_cart": "Added to cart", "remove_from_cart":
    "Removed from cart", "purchase": "Purchases", "search": "Searches", "rating": "Ratings",
    "rec_click": "Recommendation clicks", "rec_dismiss": "“Not for me”",
}
DERIVED_NAMES: dict[str, str] = {
    "inferred_brand_affinity": "Brands you seem to like most",
    "inferred_category_affinity": "Categories you seem to like most",
}

# The like slider's steps, from the customer's side.
WEIGHTS: tuple[tuple[float, str], ...] = (
    (1.0, "Love it"), (0.5, "Like it"), (0.0, "No strong feeling"),
    (-0.5, "Not keen"), (-1.0, "Rather not"),
)

# Tables erase_customer reports, in words for the notice after deletion.
_TABLE_WORDS: dict[str, str] = {
    "preferences": "preferences",
    "consent_records": "consent records",
    "events": "events",
    "quiz_sessions": "quiz sessions",
    "customer_traits": "quiz traits",
    "suggestion_decisions": "suggestion decisions",
    "customers": "profile",
    "event_receipts": "event receipts",
}


def weight_label(weight: float) -> str:
    """The slider step closest to ``weight``.

    >>> weight_label(0.8), weight_label(-0.3)
    ('Love it', 'Not keen')
    """
    return min(WEIGHTS, key=lambda step: abs(step[0] - weight))[1]


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    translate: bool = False  # "Yes"/"No" of a boolean facet are words; brand names are not


@dataclass(frozen=True)
class Choices:
    """What the pickers offer: preferable facets with the values the catalogue has."""

    facets: list[Facet]
    values: dict[str, list[Choice]]
    categories: list[str]
    sized_categories: list[str]
    sizes: list[str]
    by_key: dict[tuple[str, str], Choice] = field(default_factory=dict)

    def has(self, facet: str, value: str) -> bool:
        return (facet, value) in self.by_key

    def label(self, facet: str, value: str) -> Choice:
        """How a stored value reads; a value the catalogue no longer has reads as itself."""
        return self.by_key.get((facet, value)) or Choice(value, value)


_choices_cache: dict[int, tuple[CatalogIndex, Choices]] = {}


def _choices(session: Session, runtime: Runtime) -> Choices:
    index = runtime.recommender.snapshot(session)[0]
    cached = _choices_cache.get(id(index))
    if cached is not None and cached[0] is index:
        return cached[1]
    schema = runtime.facet_schema
    values: dict[str, list[Choice]] = {}
    for (name, value) in index.postings:
        facet = schema.get(name)
        if facet is None or not facet.preferable:
            continue
        if facet.type == "boolean":
            choice = Choice(value, "Yes" if value == "true" else "No", translate=True)
        elif facet.type == "category_path":
            choice = Choice(value, value)
        else:
            choice = Choice(value, index.label(name, value))
        values.setdefault(name, []).append(choice)
    for name in values:
        values[name].sort(key=lambda c: (c.value != "true", c.label.casefold()))
    sized: set[str] = set()
    for item, sizes in enumerate(index.sizes):
        if sizes and index.categories[item]:
            sized.add(index.categories[item])
    built = Choices(
        facets=[f for f in schema.preferable() if f.name in values],
        values=values,
        categories=[c.value for c in values.get("category", [])],
        sized_categories=sorted(sized),
        sizes=sorted({value for (name, value) in index.postings if name == SIZE_FACET},
                     key=lambda s: (len(s), s)),
        by_key={(name, c.value): c for name, cs in values.items() for c in cs},
    )
    if len(_choices_cache) > 8:
        _choices_cache.clear()  # snapshots are replaced when the catalogue changes
    _choices_cache[id(index)] = (index, built)
    return built


# --------------------------------------------------------------------------- form errors


@dataclass
class FormProblem(Exception):
    """Bad input for one section: messages per field id and the values to show again."""

    section: str
    errors: dict[str, str]
    submitted: dict[str, str] = field(default_factory=dict)


def _message(text: str) -> str:
    # pydantic prefixes a validator's own message; the customer needs only the message.
    return text.removeprefix("Value error, ")


def _from_invalid(exc: InvalidInput, *, section: str, fields: Mapping[str, str],
                  default: str, submitted: dict[str, str]) -> FormProblem:
    """Map each error's ``loc`` to a field of the form: the first named part that the form
    has (``("values", 0)`` → the value field); anything else goes to ``default``."""
    errors: dict[str, str] = {}
    for error in exc.errors or ():
        target = next((fields[part] for part in error.loc
                       if isinstance(part, str) and part in fields), default)
        errors.setdefault(target, _message(error.msg))
    if not errors:
        errors[default] = exc.detail
    return FormProblem(section, errors, submitted)


def _from_validation(exc: ValidationError, *, section: str, fields: Mapping[str, str],
                     default: str, submitted: dict[str, str]) -> FormProblem:
    errors: dict[str, str] = {}
    for error in exc.errors():
        target = next((fields[part] for part in error["loc"]
                       if isinstance(part, str) and part in fields), default)
        errors.setdefault(target, _message(str(error["msg"])))
    return FormProblem(section, errors, submitted)


# --------------------------------------------------------------------------- the page


def _profile(session: Session, runtime: Runtime, customer_id: str) -> PreferencesOut:
    """The declared profile; a visitor who never changed anything has the empty one (reading
    creates no customer)."""
    try:
        return get_preferences(session, customer_id=customer_id, settings=runtime.settings)
    except NotFound:
        return PreferencesOut(customer_id=customer_id,
                              effective_level=runtime.settings.default_level)


def _render(request: Request, session: Session, runtime: Runtime, *,
            problem: FormProblem | None = None, status_code: int = 200) -> Response:
    who = visitor(request)
    cid = who.customer_id
    settings = runtime.settings
    known = get_customer(session, cid) is not None
    profile = _profile(session, runtime, cid)
    consents = consent_state(session, cid, settings)
    open_suggestions = (suggestion_service.suggestions(session, customer_id=cid,
                                                       settings=settings,
                                                       schema=runtime.facet_schema)
                        if known else [])
    quizzes: dict[str, list[Any]] = {}
    if known:
        for group in quiz_preferences(session, customer_id=cid).quizzes:
            quizzes.setdefault(group.quiz_id, []).append(group)
    data = customer_data(session, customer_id=cid, settings=settings) if known else None
    notice = request.session.pop(_NOTICE_KEY, None)
    schema = runtime.facet_schema
    choices = _choices(session, runtime)
    selected = {
        "like": _picked(request, "like", choices, default="brand"),
        "rule": _picked(request, "rule", choices, default="allergens"),
    }
    if problem is not None:
        for kind in ("like", "rule"):
            picked = problem.submitted.get(f"{kind}-facet")
            if picked and picked in choices.values:
                selected[kind] = picked
    return page(
        request, "preferences/center.html", session=session, runtime=runtime,
        status_code=status_code,
        sections=SECTIONS, levels=LEVELS, weights=WEIGHTS, weight_label=weight_label,
        purposes=[(p, *PURPOSE_TEXTS[p]) for p in PURPOSES],
        purpose_titles={p: PURPOSE_TEXTS[p][0] for p in PURPOSES},
        level_names=LEVEL_NAMES, event_names=EVENT_NAMES, derived_names=DERIVED_NAMES,
        profile=profile, consents=consents, suggestions=open_suggestions, quizzes=quizzes,
        data=data, choices=choices, selected=selected,
        facet_label=lambda name: schema.by_name[name].label if name in schema.by_name
        else name,
        notice=notice if isinstance(notice, dict) else None,
        problem=problem,
        errors=problem.errors if problem else {},
        submitted=problem.submitted if problem else {},
    )


def _picked(request: Request, kind: str, choices: Choices, *, default: str) -> str:
    """The facet whose values a picker lists: the one asked for (``?pick=like&facet=brand``,
    sent by the "Show values" button when JavaScript is off), else a sensible default."""
    query = request.query_params
    wanted = query.get("facet") if query.get("pick") == kind else None
    if wanted in choices.values:
        return str(wanted)
    if default in choices.values:
        return default
    return choices.facets[0].name if choices.facets else default


@router.get(PAGE)
def preference_center(request: Request, session: DbSession, runtime: Rt) -> Response:
    return _render(request, session, runtime)


@router.get(f"{PAGE}/values")
def facet_values(request: Request, session: DbSession, runtime: Rt,
                 facet: Annotated[str, Query(max_length=100)],
                 kind: Annotated[str, Query(pattern="^(like|rule)$")] = "like") -> Response:
    """The value picker for one facet (htmx swaps it in when the facet changes)."""
    choices = _choices(session, runtime)
    return page(request, "preferences/_value_picker.html", session=session, runtime=runtime,
                kind=kind, facet=facet if facet in choices.values else "",
                choices=choices, errors={}, submitted={})


# --------------------------------------------------------------------------- writing


# What the audit log calls each section's change: the names the API's routes record.
_AUDIT_ACTIONS = {
    "consents": "consent.write",
    "quizzes": "preferences.quiz.remove",
}


def _audit(request: Request, session: Session, *, action: str, customer_id: str) -> None:
    """Record a privacy action taken in the preference center, as the API records its own:
    in the same unit of work, by the customer, about the customer."""
    record_request(session, request, actor=f"customer:{customer_id}", action=action,
                   target_kind="customer", target=customer_id)


def _change(request: Request, session: Session, runtime: Runtime, section: str,
            action: Callable[[str], dict[str, Any] | None], *,
            audit_action: str | None = None) -> Response:
    """Run ``action`` for the visitor and go back to ``section``; on bad input undo
    everything and show the page again with the messages. A change that went through is
    written to the audit log (``audit_action``, else the section's, else a preferences
    write)."""
    who = visitor(request)
    try:
        _ensure(session, who)
        notice = action(who.customer_id)
        _audit(request, session, customer_id=who.customer_id,
               action=audit_action or _AUDIT_ACTIONS.get(section, "preferences.write"))
    except FormProblem as problem:
        session.rollback()
        htmx = request.headers.get("hx-request") == "true"
        # htmx swaps 2xx answers only; a browser without JS gets the honest 422.
        return _render(request, session, runtime, problem=problem,
                       status_code=200 if htmx else 422)
    if notice is not None:
        request.session[_NOTICE_KEY] = notice
    return RedirectResponse(f"{PAGE}#{section}", status_code=303)


def _ensure(session: Session, who: Visitor) -> None:
    # Written before any service creates the row, so an anonymous visitor is recorded as
    # anonymous (the services create missing customers as known).
    ensure_customers(session, {who.customer_id: not who.signed_in})


def _notice(text: str, **values: object) -> dict[str, Any]:
    """A message for the next page, kept in the session as its English text and values."""
    return {"text": text, "values": {k: str(v) for k, v in values.items()}}


def _edit_profile(session: Session, runtime: Runtime, customer_id: str,
                  change: Callable[[dict[str, Any]], None], *, section: str,
                  fields: Mapping[str, str], default: str, submitted: dict[str, str]) -> bool:
    """Apply ``change`` to the whole declared profile and store it: the service validates
    the result as one body, so a removal or replacement keeps every other row as it was
    (sources and times included). False when ``change`` left the profile as it was."""
    current = _profile(session, runtime, customer_id)
    body = current.model_dump(exclude={"customer_id", "effective_level"})
    before = repr(body)
    change(body)
    if repr(body) == before:
        return False
    try:
        prefs = PreferencesIn.model_validate(body)
        put_preferences(session, customer_id=customer_id, prefs=prefs,
                        schema=runtime.facet_schema, settings=runtime.settings)
    except ValidationError as exc:
        raise _from_validation(exc, section=section, fields=fields, default=default,
                               submitted=submitted) from exc
    except InvalidInput as exc:
        raise _from_invalid(exc, section=section, fields=fields, default=default,
                            submitted=submitted) from exc
    return True


_NOTHING_REMOVED = "There was nothing to remove."
INVISIBLE_MESSAGE = ("The value contains an invisible or control character; type it again "
                     "without it.")


def _catalogue_value(session: Session, runtime: Runtime, *, kind: str, facet: str,
                     value: str, submitted: dict[str, str], section: str) -> str:
    """The stored form of a picked value, which must be one the catalogue has."""
    choices = _choices(session, runtime)
    facet_id, value_id = f"{kind}-facet", f"{kind}-value"
    if facet not in choices.values:
        raise FormProblem(section, {facet_id: "Choose one of the listed properties."},
                          submitted)
    try:
        stored = normalize_preference_value(runtime.facet_schema, facet, value)
    except InvisibleCharacter as exc:
        # The API's message names the code point; a shopper needs words, in their language.
        raise FormProblem(section, {value_id: INVISIBLE_MESSAGE}, submitted) from exc
    except ValueError as exc:
        raise FormProblem(section, {value_id: str(exc)}, submitted) from exc
    if not choices.has(facet, stored):
        raise FormProblem(section, {value_id: f"This shop has no {facet} “{value}”; choose "
                                              "one of the listed values."}, submitted)
    return stored


@router.post(f"{PAGE}/likes")
def add_like_route(request: Request, session: DbSession, runtime: Rt,
                   facet: Annotated[str, Form(max_length=100)] = "",
                   value: Annotated[str, Form(max_length=500)] = "",
                   weight: Annotated[str, Form(max_length=20)] = "1") -> Response:
    submitted = {"like-facet": facet, "like-value": value, "like-weight": weight}

    def act(cid: str) -> dict[str, Any]:
        stored = _catalogue_value(session, runtime, kind="like", facet=facet, value=value,
                                  submitted=submitted, section="likes")
        try:
            number = float(weight)
        except ValueError:
            raise FormProblem("likes", {"like-weight": "Choose how much you like it."},
                              submitted) from None
        try:
            like = Like(facet=facet, value=stored, weight=number)
            add_like(session, customer_id=cid, like=like, schema=runtime.facet_schema)
        except ValidationError as exc:
            raise _from_validation(exc, section="likes", submitted=submitted,
                                   fields={"weight": "like-weight", "value": "like-value",
                                           "facet": "like-facet"},
                                   default="like-value") from exc
        except InvalidInput as exc:
            raise _from_invalid(exc, section="likes", submitted=submitted,
                                fields={"value": "like-value", "facet": "like-facet",
                                        "weight": "like-weight"},
                                default="like-value") from exc
        return _notice("Saved: {what}.", what=f"{weight_label(number)} — {stored}")

    return _change(request, session, runtime, "likes", act)


@router.post(f"{PAGE}/likes/remove")
def remove_like_route(request: Request, session: DbSession, runtime: Rt,
                      facet: Annotated[str, Form(max_length=100)] = "",
                      value: Annotated[str, Form(max_length=500)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        def change(body: dict[str, Any]) -> None:
            body["likes"] = [like for like in body["likes"]
                             if (like["facet"], like["value"]) != (facet, value)]

        if not _edit_profile(session, runtime, cid, change, section="likes", fields={},
                             default="like-value", submitted={}):
            return _notice(_NOTHING_REMOVED)
        return _notice("Removed: {what}.", what=value)

    return _change(request, session, runtime, "likes", act)


def _add_rule(session: Session, runtime: Runtime, cid: str, *, op: str, facet: str,
              value: str, section: str, kind: str, submitted: dict[str, str]) -> str:
    if op not in ("never", "must"):
        raise FormProblem(section, {f"{kind}-op": "Choose “never” or “must”."}, submitted)
    stored = _catalogue_value(session, runtime, kind=kind, facet=facet, value=value,
                              submitted=submitted, section=section)
    try:
        add_constraint(session, customer_id=cid, schema=runtime.facet_schema,
                       constraint=Constraint(facet=facet, op="never" if op == "never"
                                             else "must", values=[stored]))
    except InvalidInput as exc:
        raise _from_invalid(exc, section=section, submitted=submitted,
                            fields={"values": f"{kind}-value", "facet": f"{kind}-facet"},
                            default=f"{kind}-value") from exc
    return stored


@router.post(f"{PAGE}/rules")
def add_rule_route(request: Request, session: DbSession, runtime: Rt,
                   op: Annotated[str, Form(max_length=10)] = "",
                   facet: Annotated[str, Form(max_length=100)] = "",
                   value: Annotated[str, Form(max_length=500)] = "") -> Response:
    submitted = {"rule-op": op, "rule-facet": facet, "rule-value": value}

    def act(cid: str) -> dict[str, Any]:
        stored = _add_rule(session, runtime, cid, op=op, facet=facet, value=value,
                           section="rules", kind="rule", submitted=submitted)
        text = "Never show: {what}." if op == "never" else "Only show: {what}."
        return _notice(text, what=stored)

    return _change(request, session, runtime, "rules", act)


@router.post(f"{PAGE}/categories")
def hide_category_route(request: Request, session: DbSession, runtime: Rt,
                        category: Annotated[str, Form(max_length=500)] = "") -> Response:
    submitted = {"hide-value": category, "hide-facet": "category"}

    def act(cid: str) -> dict[str, Any]:
        stored = _add_rule(session, runtime, cid, op="never", facet="category",
                           value=category, section="categories", kind="hide",
                           submitted=submitted)
        return _notice("Hidden: {what}.", what=stored)

    return _change(request, session, runtime, "categories", act)


@router.post(f"{PAGE}/rules/remove")
def remove_rule_route(request: Request, session: DbSession, runtime: Rt,
                      op: Annotated[str, Form(max_length=10)] = "",
                      facet: Annotated[str, Form(max_length=100)] = "",
                      value: Annotated[str, Form(max_length=500)] = "",
                      back: Annotated[str, Form(max_length=20)] = "rules") -> Response:
    section = back if back in ("rules", "categories") else "rules"

    def act(cid: str) -> dict[str, Any]:
        def change(body: dict[str, Any]) -> None:
            kept = []
            for rule in body["constraints"]:
                if rule["op"] == op and rule["facet"] == facet:
                    rule["values"] = [v for v in rule["values"] if v != value]
                if rule["values"]:
                    kept.append(rule)
            body["constraints"] = kept

        if not _edit_profile(session, runtime, cid, change, section=section, fields={},
                             default="rule-value", submitted={}):
            return _notice(_NOTHING_REMOVED)
        return _notice("Removed: {what}.", what=value)

    return _change(request, session, runtime, section, act)


def _amount(text: str, field_id: str, submitted: dict[str, str]) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").replace(",", ".").removesuffix("zł")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise FormProblem("budget", {field_id: "Enter an amount in zł, like 120 or 99.90."},
                          submitted) from None
    if not amount.is_finite():
        raise FormProblem("budget", {field_id: "Enter an amount in zł, like 120 or 99.90."},
                          submitted)
    return amount


@router.post(f"{PAGE}/budget")
def budget_route(request: Request, session: DbSession, runtime: Rt,
                 low_text: Annotated[str, Form(alias="min", max_length=40)] = "",
                 high_text: Annotated[str, Form(alias="max", max_length=40)] = "") -> Response:
    submitted = {"budget-min": low_text, "budget-max": high_text}

    def act(cid: str) -> dict[str, Any]:
        low = _amount(low_text, "budget-min", submitted)
        high = _amount(high_text, "budget-max", submitted)
        fields = {"min": "budget-min", "max": "budget-max"}
        try:
            budget = Budget(min=low, max=high) if low is not None or high is not None else None
        except ValidationError as exc:
            raise _from_validation(exc, section="budget", fields=fields, default="budget-max",
                                   submitted=submitted) from exc

        def change(body: dict[str, Any]) -> None:
            body["budget"] = budget.model_dump() if budget is not None else None

        _edit_profile(session, runtime, cid, change, section="budget", fields=fields,
                      default="budget-max", submitted=submitted)
        if budget is None:
            return _notice("Budget cleared.")
        return _notice("Budget saved.")

    return _change(request, session, runtime, "budget", act)


@router.post(f"{PAGE}/sizes")
def sizes_route(request: Request, session: DbSession, runtime: Rt,
                category: Annotated[str, Form(max_length=500)] = "",
                sizes: Annotated[str, Form(max_length=1000)] = "") -> Response:
    submitted = {"size-category": category, "size-values": sizes}

    def act(cid: str) -> dict[str, Any]:
        path = normalize_category(category)
        if path not in _choices(session, runtime).categories:
            raise FormProblem("sizes", {"size-category": "Choose one of the listed "
                                                         "categories."}, submitted)
        wanted = [part.strip() for part in sizes.replace(";", ",").split(",") if part.strip()]
        if not wanted:
            raise FormProblem("sizes", {"size-values": "Enter at least one size, like M or "
                                                       "42."}, submitted)
        fields = {"values": "size-values", "category": "size-category"}
        try:
            size_set = SizeSet(category=path, values=wanted)
        except ValidationError as exc:
            raise _from_validation(exc, section="sizes", fields=fields,
                                   default="size-values", submitted=submitted) from exc

        def change(body: dict[str, Any]) -> None:
            # The category's sizes are replaced; other categories keep theirs.
            body["sizes"] = [s for s in body["sizes"] if s["category"] != path]
            body["sizes"].append(size_set.model_dump())

        _edit_profile(session, runtime, cid, change, section="sizes", fields=fields,
                      default="size-values", submitted=submitted)
        return _notice("Sizes saved for {what}.", what=path)

    return _change(request, session, runtime, "sizes", act)


@router.post(f"{PAGE}/sizes/remove")
def remove_sizes_route(request: Request, session: DbSession, runtime: Rt,
                       category: Annotated[str, Form(max_length=500)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        def change(body: dict[str, Any]) -> None:
            body["sizes"] = [s for s in body["sizes"] if s["category"] != category]

        if not _edit_profile(session, runtime, cid, change, section="sizes", fields={},
                             default="size-values", submitted={}):
            return _notice(_NOTHING_REMOVED)
        return _notice("Sizes removed for {what}.", what=category)

    return _change(request, session, runtime, "sizes", act)


@router.post(f"{PAGE}/level")
def level_route(request: Request, session: DbSession, runtime: Rt,
                level: Annotated[str, Form(max_length=20)] = "",
                exploration: Annotated[str | None, Form(max_length=10)] = None) -> Response:
    submitted = {"level": level, "exploration": "on" if exploration else ""}

    def act(cid: str) -> dict[str, Any]:
        names = {code: name for code, name, _ in LEVELS}
        if level not in names:
            raise FormProblem("level", {"level": "Choose one of the four levels."}, submitted)

        def change(body: dict[str, Any]) -> None:
            body["level"] = level
            # A checkbox is sent only when ticked.
            body["exploration"] = exploration is not None

        _edit_profile(session, runtime, cid, change, section="level", fields={},
                      default="level", submitted=submitted)
        return _notice("Personalization level: {what}.", what=names[level])

    return _change(request, session, runtime, "level", act)


@router.post(f"{PAGE}/consents")
def consent_route(request: Request, session: DbSession, runtime: Rt,
                  purpose: Annotated[str, Form(max_length=40)] = "",
                  granted: Annotated[str, Form(max_length=10)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        if granted not in ("true", "false"):
            raise FormProblem("consents", {f"consent-{purpose}": "Choose on or off."})
        try:
            consent = ConsentIn(purpose=purpose,  # pydantic checks it against the purposes
                                granted=granted == "true", source=CONSENT_SOURCE)
        except ValidationError as exc:
            raise FormProblem("consents", {"consents": "Choose one of the listed purposes."}
                              ) from exc
        record_consent(session, customer_id=cid, consent=consent, settings=runtime.settings)
        title = PURPOSE_TEXTS[consent.purpose][0]
        text = "Consent given: {what}." if consent.granted else "Consent withdrawn: {what}."
        return _notice(text, what=title)

    return _change(request, session, runtime, "consents", act)


@router.post(f"{PAGE}/suggestions/{{suggestion_id}}/{{decision}}")
def suggestion_route(request: Request, session: DbSession, runtime: Rt,
                     suggestion_id: str, decision: str) -> Response:
    def act(cid: str) -> dict[str, Any]:
        if decision not in ("accept", "reject"):
            raise FormProblem("suggestions", {"suggestions": "Choose accept or reject."})
        decide = (suggestion_service.accept if decision == "accept"
                  else suggestion_service.reject)
        try:
            out = decide(session, customer_id=cid, suggestion_id=suggestion_id,
                         settings=runtime.settings, schema=runtime.facet_schema)
        except (NotFound, Conflict) as exc:
            raise FormProblem("suggestions", {"suggestions": exc.detail}) from exc
        except InvalidInput as exc:
            raise _from_invalid(exc, section="suggestions", fields={},
                                default="suggestions", submitted={}) from exc
        text = "Added to your likes: {what}." if decision == "accept" else \
            "We will not suggest {what} again for now."
        return _notice(text, what=out.value)

    return _change(request, session, runtime, "suggestions", act,
                   audit_action=f"suggestion.{decision}")


@router.post(f"{PAGE}/quizzes/{{quiz_id}}/remove")
def remove_quiz_route(request: Request, session: DbSession, runtime: Rt,
                      quiz_id: str) -> Response:
    def act(cid: str) -> dict[str, Any]:
        removed = remove_quiz_preferences(session, customer_id=cid, quiz_id=quiz_id)
        return _notice("Removed {n} answers of the quiz {what}.",
                       n=removed.preferences + removed.traits + int(removed.budget),
                       what=quiz_id)

    return _change(request, session, runtime, "quizzes", act)


# --------------------------------------------------------------------------- your data


@router.get(f"{PAGE}/export")
def export_route(request: Request, session: WriteSession, runtime: Rt) -> Response:
    """Everything held about the visitor as a JSON file: the API's data export, for the
    session's own customer only. A write session although a GET: the download is audited."""
    cid = visitor(request).customer_id
    try:
        # Recorded first, so that the file lists its own download among the actions.
        if get_customer(session, cid) is not None:
            _audit(request, session, action="customer.data.read", customer_id=cid)
        body = customer_data(session, customer_id=cid,
                             settings=runtime.settings).model_dump_json(indent=2)
    except NotFound:
        # A visitor who never changed anything: nothing is stored, and the file says so.
        body = json.dumps({"customer_id": cid, "held": "nothing"}, indent=2)
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": 'attachment; filename="prefero-my-data.json"',
        "Cache-Control": "no-store",
    })


@router.post(f"{PAGE}/delete")
def delete_route(request: Request, session: DbSession, runtime: Rt,
                 confirm: Annotated[str | None, Form(max_length=10)] = None) -> Response:
    if confirm != "yes":
        session.rollback()
        problem = FormProblem("data", {"delete-confirm": "Tick the box to confirm that "
                                                         "everything should be deleted."})
        return _render(request, session, runtime, problem=problem, status_code=422)
    cid = visitor(request).customer_id
    deleted: dict[str, int] = {}
    if get_customer(session, cid) is not None:
        # The erasure keeps this entry, under the keyed subject hash instead of the id.
        _audit(request, session, action="customer.erase", customer_id=cid)
        deleted = erase_customer(session, customer_id=cid, settings=runtime.settings).deleted
    # The next page starts as a brand-new anonymous visitor with nothing held.
    sign_out(request)
    visitor(request)
    items = [[_TABLE_WORDS.get(table, table.replace("_", " ")), count]
             for table, count in sorted(deleted.items()) if count]
    text = ("Your data was deleted. You now browse as a new visitor with a clean profile."
            if items else "We held nothing about you, so there was nothing to delete.")
    request.session[_NOTICE_KEY] = {"text": text, "values": {}, "items": items}
    return RedirectResponse(f"{PAGE}#data", status_code=303)
