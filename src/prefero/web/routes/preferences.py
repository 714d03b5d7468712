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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any

from babel.numbers import get_currency_symbol
from fastapi import APIRouter, Form, Query
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.audit import record_request
from prefero.api.deps import DbSession, Rt, WriteSession
from prefero.catalog.facets import Facet, normalize_category
from prefero.customers import suggestions as suggestion_service
from prefero.customers.consent import consent_defaults, consent_state, record_consent
from prefero.customers.households import erase_account
from prefero.customers.levels import effective_level
from prefero.customers.preferences import (
    SIZE_FACET,
    PreferenceConflict,
    add_constraint,
    add_like,
    get_preferences,
    normalize_preference_value,
    remove_constraint,
    remove_dismissal,
    remove_like,
    remove_sizes,
    set_budget,
    set_level,
    set_sizes,
    set_time_zone,
)
from prefero.customers.repository import ensure_customers, get_customer
from prefero.customers.schemas import (
    Budget,
    ConsentIn,
    Constraint,
    Like,
    PreferencesOut,
    SizeSet,
    is_time_zone,
)
from prefero.db.session import after_release
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.follows import service as follow_service
from prefero.i18n.catalogues import N_
from prefero.messaging.triggers.watches import exported_watches
from prefero.privacy.service import customer_data
from prefero.quizzes.sessions import quiz_preferences, remove_quiz_preferences
from prefero.recommend.catalog_index import CatalogIndex
from prefero.runtime import Runtime
from prefero.text import InvisibleCharacter
from prefero.types import PURPOSES, Level
from prefero.web.i18n import LANGUAGES, language_of, translator
from prefero.web.identity import Visitor, sign_out, visitor
from prefero.web.message_section import message_section
from prefero.web.preference_words import Words, page_words
from prefero.web.render import LEVEL_NAMES, page
from prefero.web.routes.configurator import saved_configurations
from prefero.web.time_zones import listed, zone_groups, zone_label

__all__ = ["router"]

router = APIRouter()

PAGE = "/preferences"
CONSENT_SOURCE = "preference_center"
_NOTICE_KEY = "preferences_notice"

# (section id, heading): the page's order, which is also the in-page navigation and the Tab
# order. The level comes first: it is the helm.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("level", N_("Personalization level")),
    ("likes", N_("Likes and dislikes")),
    ("rules", N_("Exclusions and requirements")),
    ("categories", N_("Hidden categories")),
    ("dismissed", N_("Hidden products")),
    ("budget", N_("Budget")),
    ("sizes", N_("Sizes")),
    ("follows", N_("What you follow")),
    ("watches", N_("Product alerts")),
    ("configurations", N_("Your configurations")),
    ("delivery", N_("Delivery")),
    ("timezone", N_("Time zone")),
    ("consents", N_("Consent")),
    ("messages", N_("Messages")),
    ("prompts", N_("Suggestions on the pages")),
    ("suggestions", N_("Suggestions")),
    ("quizzes", N_("From your quizzes")),
    ("known", N_("What we know about you")),
    ("data", N_("Download or delete your data")),
)

LEVELS: tuple[tuple[Level, str, str], ...] = (
    ("off", N_("Off"), N_("Only what is popular and new; nothing about you")),
    ("declared", N_("Only what I said"), N_("Only what you told us")),
    ("balanced", N_("Balanced"),
     N_("What you told us first; what you did only to order ties")),
    ("full", N_("Full"), N_("What you told us and what you did, including this visit")),
)

PURPOSE_TEXTS: dict[str, tuple[str, str]] = {
    "tracking": (N_("Remember what I do"),
                 N_("Link the products you view, put in the cart and buy to you, so that "
                    "recommendations can learn from them.")),
    "personalization": (N_("Use what I told you"),
                        N_("Rank products by the likes, dislikes and quiz answers you gave "
                           "us. Your exclusions and budget apply either way.")),
    "context": (N_("Use this visit's context"),
                # Content slots read the link or site the visit came from and the device too
                # (prefero.content.visitor): the consent says so.
                N_("Use what you do during this visit (the time of day where you are, the "
                   "link or site you came from, your device, what you are looking at now) "
                   "to adjust the order and what the shop shows you.")),
    "marketing_email": (N_("E-mails with offers"),
                        N_("Send you e-mails about offers and products that match your "
                           "preferences.")),
    "marketing_push": (N_("Push notifications"),
                       N_("Send you push notifications about offers, back-in-stock items "
                          "and price drops.")),
    "marketing_inbox": (N_("Messages in my account"),
                        N_("Leave messages you asked for (price drops, back in stock, your "
                           "box) in the inbox of your account on this site.")),
    "marketing_webhook": (N_("Messages through the shop's own service"),
                          N_("Hand the messages you asked for to the shop's own sending "
                             "service (for example text messages).")),
    "fit": (N_("Use my measurements for fit"),
            N_("Keep the body measurements and fit you give us to recommend your size and "
               "to make made-to-measure clothes. They are used for nothing else.")),
}

# What "What we know" works out from the events, by the name the data export gives it, with
# the facet its values belong to.
DERIVED_NAMES: dict[str, tuple[str, str]] = {
    "inferred_brand_affinity": (N_("Brands you seem to like most"), "brand"),
    "inferred_category_affinity": (N_("Categories you seem to like most"), "category"),
}

# The like slider's steps, from the customer's side.
WEIGHTS: tuple[tuple[float, str], ...] = (
    (1.0, N_("Love it")), (0.5, N_("Like it")), (0.0, N_("No strong feeling")),
    (-0.5, N_("Not keen")), (-1.0, N_("Rather not")),
)

# Tables erase_customer reports, in words for the notice after deletion.
_TABLE_WORDS: dict[str, str] = {
    "preferences": N_("preferences"),
    "consent_records": N_("consent records"),
    "events": N_("events"),
    "quiz_sessions": N_("quiz sessions"),
    "customer_traits": N_("quiz traits"),
    "suggestion_decisions": N_("suggestion decisions"),
    "customers": N_("profile"),
    "event_receipts": N_("event receipts"),
    "orders": N_("orders"),
    "order_lines": N_("order lines"),
    "saved_configurations": N_("saved configurations"),
    "fit_profiles": N_("body measurements"),
    "fit_feedback": N_("sizes you sent back"),
    "delivery_wishes": N_("delivery wishes"),
    "delivery_bookings": N_("delivery bookings"),
    "prompt_settings": N_("settings for suggestions on the site"),
    "prompt_dismissals": N_("suggestions you dismissed"),
    "prompt_shown": N_("suggestions shown to you"),
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
    label: str  # in the page's language (prefero.web.preference_words.Words.value)


@dataclass(frozen=True)
class Choices:
    """What the pickers offer: preferable facets with the values the catalogue has, labelled
    in one language."""

    facets: list[Facet]
    values: dict[str, list[Choice]]
    categories: list[str]
    sized_categories: list[str]
    sizes: list[str]
    by_key: dict[tuple[str, str], Choice] = field(default_factory=dict)

    def has(self, facet: str, value: str) -> bool:
        return (facet, value) in self.by_key


_choices_cache: dict[tuple[int, str], tuple[CatalogIndex, Choices]] = {}


def _choices(session: Session, runtime: Runtime, words: Words) -> Choices:
    index = words.index
    key = (id(index), words.language)
    cached = _choices_cache.get(key)
    if cached is not None and cached[0] is index:
        return cached[1]
    schema = runtime.facet_schema
    values: dict[str, list[Choice]] = {}
    for (name, value) in index.postings:
        facet = schema.get(name)
        if facet is None or not facet.preferable:
            continue
        values.setdefault(name, []).append(Choice(value, words.value(name, value)))
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
    _choices_cache[key] = (index, built)
    return built


# --------------------------------------------------------------------------- form errors


@dataclass(frozen=True)
class Message:
    """A message with values for the shopper: the catalogue's English text, and the values
    to fill in, already in the page's language (the template translates the text)."""

    text: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class FormProblem(Exception):
    """Bad input for one section: messages per field id (the catalogue's English text, or a
    ``Message`` with values) and the values to show again; for a contradiction with what the
    customer holds, the ``offer`` to switch (answered 409)."""

    section: str
    errors: dict[str, str | Message]
    submitted: dict[str, str] = field(default_factory=dict)
    offer: Offer | None = None
    status_code: int = 422


@dataclass(frozen=True)
class Offer:
    """A way out of a contradiction: the same form again with ``replace``. ``wanted`` is the
    kind the form asked for, ``held`` the kind of what contradicts it (like/never/must)."""

    action: str
    fields: dict[str, str]
    wanted: str
    held: str
    facet: str
    value: str


CONFLICT_MESSAGE = N_("This contradicts what you told us before: see the choice above.")


def _conflict(exc: PreferenceConflict, *, section: str, field_id: str, action: str,
              fields: dict[str, str], wanted: str, submitted: dict[str, str]) -> FormProblem:
    held = exc.held[0]
    return FormProblem(section, {field_id: CONFLICT_MESSAGE}, submitted, status_code=409,
                       offer=Offer(action=action, fields={**fields, "replace": "1"},
                                   wanted=wanted, held=held.kind, facet=held.facet,
                                   value=held.value))


AMOUNT_MESSAGE = N_("Enter an amount, like 120 or 99.90.")
# What a shopper reads when a service or a model refuses a field: their own messages are
# for developers (English, with codes, paths and limits), so each field says in the page's
# language what it needs. Keyed by the form's field id.
_FIELD_MESSAGES: dict[str, str] = {
    "like-facet": N_("Choose one of the listed properties."),
    "rule-facet": N_("Choose one of the listed properties."),
    "like-value": N_("Choose one of the listed values."),
    "rule-value": N_("Choose one of the listed values."),
    "hide-value": N_("Choose one of the listed categories."),
    "like-weight": N_("Choose how much you like it."),
    "budget-min": N_("Enter an amount of 0 or more, like 120 or 99.90."),
    "budget-max": N_("Enter an amount of 0 or more, like 120 or 99.90."),
    "size-category": N_("Choose one of the listed categories."),
    "size-values": N_("Enter sizes as the shop lists them, like M or 42, separated by "
                      "commas."),
    "level": N_("Choose one of the four levels."),
    "time-zone": N_("Choose a time zone from the list."),
    "suggestions": N_("This suggestion is no longer open; the list shows the current ones."),
}
# A few refusals say more than the field's message (pydantic's error type → the message).
_TYPE_MESSAGES: dict[tuple[str, str], str] = {
    ("budget-min", "decimal_max_places"): N_("Use at most two decimal places."),
    ("budget-max", "decimal_max_places"): N_("Use at most two decimal places."),
    ("budget-min", "decimal_max_digits"): N_("Enter a smaller amount."),
    ("budget-max", "decimal_max_digits"): N_("Enter a smaller amount."),
    ("budget-min", "decimal_whole_digits"): N_("Enter a smaller amount."),
    ("budget-max", "decimal_whole_digits"): N_("Enter a smaller amount."),
    # The budget's own check: the lower limit above the upper one.
    ("budget-max", "value_error"): N_("The upper limit is below the lower one."),
    ("size-values", "too_long"): N_("Enter at most 50 sizes."),
    ("size-values", "string_too_long"): N_("A size can have at most 200 characters."),
}
_REFUSED = N_("This cannot be saved as it is; please check it.")


def _refused(target: str, kind: str = "") -> str:
    return _TYPE_MESSAGES.get((target, kind)) or _FIELD_MESSAGES.get(target, _REFUSED)


def _from_invalid(exc: InvalidInput, *, section: str, fields: Mapping[str, str],
                  default: str, submitted: dict[str, str]) -> FormProblem:
    """Map each error's ``loc`` to a field of the form: the first named part that the form
    has (``("values", 0)`` → the value field); anything else goes to ``default``. The
    field's message replaces the service's."""
    errors: dict[str, str | Message] = {}
    for error in exc.errors or ():
        target = next((fields[part] for part in error.loc
                       if isinstance(part, str) and part in fields), default)
        errors.setdefault(target, _refused(target))
    if not errors:
        errors[default] = _refused(default)
    return FormProblem(section, errors, submitted)


def _from_validation(exc: ValidationError, *, section: str, fields: Mapping[str, str],
                     default: str, submitted: dict[str, str]) -> FormProblem:
    """As ``_from_invalid``, for a model the route builds from the form."""
    errors: dict[str, str | Message] = {}
    for error in exc.errors():
        target = next((fields[part] for part in error["loc"]
                       if isinstance(part, str) and part in fields), default)
        errors.setdefault(target, _refused(target, str(error["type"])))
    return FormProblem(section, errors, submitted)


# --------------------------------------------------------------------------- the page


def _profile(session: Session, runtime: Runtime, customer_id: str) -> PreferencesOut:
    """The declared profile; a visitor who never changed anything has the empty one (reading
    creates no customer)."""
    try:
        return get_preferences(session, customer_id=customer_id, settings=runtime.settings)
    except NotFound:
        settings = runtime.settings
        return PreferencesOut(customer_id=customer_id, effective_level=effective_level(
            settings.default_level, consent_defaults(settings)))


def _render(request: Request, session: Session, runtime: Runtime, *,
            problem: FormProblem | None = None, status_code: int = 200) -> Response:
    who = visitor(request)
    cid = who.customer_id
    settings = runtime.settings
    known = get_customer(session, cid) is not None
    profile = _profile(session, runtime, cid)
    # Consent belongs to the account holder, whichever household profile is active.
    consents = consent_state(session, who.account_id, settings)
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
    words = page_words(request, session, runtime)
    choices = _choices(session, runtime, words)
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
        level_names=LEVEL_NAMES, derived_names=DERIVED_NAMES,
        profile=profile, consents=consents, suggestions=open_suggestions, quizzes=quizzes,
        data=data, choices=choices, selected=selected, words=words, facet_label=words.facet,
        follows=follow_service.follows(session, customer_id=cid, index=words.index),
        watched=exported_watches(session, cid),
        configurations=saved_configurations(session, runtime, customer_id=cid,
                                            language=words.language),
        zone_groups=zone_groups(words.language), zone_listed=listed, zone_known=is_time_zone,
        zone_label=partial(_zone_label, language=words.language),
        messages=message_section(session, customer_id=cid, settings=settings),
        notice=notice if isinstance(notice, dict) else None,
        problem=problem,
        errors=problem.errors if problem else {},
        submitted=problem.submitted if problem else {},
    )


def _zone_label(zone: str, *, language: str) -> str:
    return zone_label(zone, language)


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
    words = page_words(request, session, runtime)
    choices = _choices(session, runtime, words)
    return page(request, "preferences/_value_picker.html", session=session, runtime=runtime,
                kind=kind, facet=facet if facet in choices.values else "",
                choices=choices, words=words, errors={}, submitted={})


# --------------------------------------------------------------------------- writing


_PICK_FROM_LIST = N_("Choose a brand or a category from the list.")
_TOO_MANY_FOLLOWS = N_("You follow as many brands and categories as you can: unfollow one "
                       "first.")

# What the audit log calls each section's change: the names the API's routes record.
_AUDIT_ACTIONS = {
    "consents": "consent.write",
    "quizzes": "preferences.quiz.remove",
    "follows": "follows.delete",
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
                       status_code=200 if htmx else problem.status_code)
    if notice is not None:
        request.session[_NOTICE_KEY] = notice
    return RedirectResponse(f"{PAGE}#{section}", status_code=303)


def _ensure(session: Session, who: Visitor) -> None:
    # Written before any service creates the row, so an anonymous visitor is recorded as
    # anonymous (the services create missing customers as known).
    ensure_customers(session, {who.customer_id: not who.signed_in})


def _notice(text: str, **values: object) -> dict[str, Any]:
    """A message for the next page, kept in the session as its English text and its values,
    which the caller gives in the page's language."""
    return {"text": text, "values": {k: str(v) for k, v in values.items()}}


_NOTHING_REMOVED = N_("There was nothing to remove.")
INVISIBLE_MESSAGE = N_("The value contains an invisible or control character; type it again "
                       "without it.")
_NO_SUCH_VALUE = N_("{facet}: this shop has no “{value}”; choose one of the listed values.")


def _catalogue_value(session: Session, runtime: Runtime, words: Words, *, kind: str,
                     facet: str, value: str, submitted: dict[str, str], section: str) -> str:
    """The stored form of a picked value, which must be one the catalogue has."""
    choices = _choices(session, runtime, words)
    facet_id, value_id = f"{kind}-facet", f"{kind}-value"
    if facet not in choices.values:
        raise FormProblem(section, {facet_id: _FIELD_MESSAGES[f"{kind}-facet"]
                                    if kind != "hide" else _FIELD_MESSAGES["hide-value"]},
                          submitted)
    if not value.strip():
        raise FormProblem(section, {value_id: N_("Choose a value from the list.")}, submitted)
    missing = Message(_NO_SUCH_VALUE, {"facet": words.facet(facet), "value": value.strip()})
    try:
        stored = normalize_preference_value(runtime.facet_schema, facet, value)
    except InvisibleCharacter as exc:
        # The API's message names the code point; a shopper needs words, in their language.
        raise FormProblem(section, {value_id: INVISIBLE_MESSAGE}, submitted) from exc
    except ValueError as exc:
        # Not a value of this facet (a list, a word where a number goes): the catalogue
        # has no such value, which is what the shopper can act on.
        raise FormProblem(section, {value_id: missing}, submitted) from exc
    if not choices.has(facet, stored):
        raise FormProblem(section, {value_id: missing}, submitted)
    return stored


@router.post(f"{PAGE}/likes")
def add_like_route(request: Request, session: DbSession, runtime: Rt,
                   facet: Annotated[str, Form(max_length=100)] = "",
                   value: Annotated[str, Form(max_length=500)] = "",
                   weight: Annotated[str, Form(max_length=20)] = "1",
                   replace: Annotated[str, Form(max_length=5)] = "") -> Response:
    submitted = {"like-facet": facet, "like-value": value, "like-weight": weight}

    def act(cid: str) -> dict[str, Any]:
        words = page_words(request, session, runtime)
        stored = _catalogue_value(session, runtime, words, kind="like", facet=facet,
                                  value=value, submitted=submitted, section="likes")
        try:
            number = float(weight)
        except ValueError:
            raise FormProblem("likes", {"like-weight": _FIELD_MESSAGES["like-weight"]},
                              submitted) from None
        try:
            like = Like(facet=facet, value=stored, weight=number)
            add_like(session, customer_id=cid, like=like, schema=runtime.facet_schema,
                     replace=replace == "1")
        except PreferenceConflict as exc:
            raise _conflict(exc, section="likes", field_id="like-value",
                            action=f"{PAGE}/likes", wanted="like", submitted=submitted,
                            fields={"facet": facet, "value": stored, "weight": weight}) from exc
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
        text = N_("Switched: {what}.") if replace == "1" else N_("Saved: {what}.")
        return _notice(text, what=f"{words.t(weight_label(number))} — "
                                  f"{words.what(facet, stored)}")

    return _change(request, session, runtime, "likes", act)


@router.post(f"{PAGE}/likes/remove")
def remove_like_route(request: Request, session: DbSession, runtime: Rt,
                      facet: Annotated[str, Form(max_length=100)] = "",
                      value: Annotated[str, Form(max_length=500)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        if not remove_like(session, customer_id=cid, facet=facet, value=value):
            return _notice(_NOTHING_REMOVED)
        return _notice(N_("Removed: {what}."),
                       what=page_words(request, session, runtime).what(facet, value))

    return _change(request, session, runtime, "likes", act)


def _add_rule(session: Session, runtime: Runtime, words: Words, cid: str, *, op: str,
              facet: str, value: str, section: str, kind: str, submitted: dict[str, str],
              replace: bool, resend: dict[str, str]) -> str:
    """Add one rule value; ``resend`` is the form's fields as the switch offer posts them
    again."""
    if op not in ("never", "must"):
        raise FormProblem(section, {f"{kind}-op": N_("Choose “never” or “must”.")}, submitted)
    stored = _catalogue_value(session, runtime, words, kind=kind, facet=facet, value=value,
                              submitted=submitted, section=section)
    try:
        add_constraint(session, customer_id=cid, schema=runtime.facet_schema,
                       constraint=Constraint(facet=facet, op="never" if op == "never"
                                             else "must", values=[stored]),
                       replace=replace)
    except PreferenceConflict as exc:
        action = f"{PAGE}/categories" if section == "categories" else f"{PAGE}/rules"
        raise _conflict(exc, section=section, field_id=f"{kind}-value", action=action,
                        wanted=op, submitted=submitted, fields=resend) from exc
    except InvalidInput as exc:
        raise _from_invalid(exc, section=section, submitted=submitted,
                            fields={"values": f"{kind}-value", "facet": f"{kind}-facet"},
                            default=f"{kind}-value") from exc
    return stored


@router.post(f"{PAGE}/rules")
def add_rule_route(request: Request, session: DbSession, runtime: Rt,
                   op: Annotated[str, Form(max_length=10)] = "",
                   facet: Annotated[str, Form(max_length=100)] = "",
                   value: Annotated[str, Form(max_length=500)] = "",
                   replace: Annotated[str, Form(max_length=5)] = "") -> Response:
    submitted = {"rule-op": op, "rule-facet": facet, "rule-value": value}

    def act(cid: str) -> dict[str, Any]:
        words = page_words(request, session, runtime)
        stored = _add_rule(session, runtime, words, cid, op=op, facet=facet, value=value,
                           section="rules", kind="rule", submitted=submitted,
                           replace=replace == "1",
                           resend={"op": op, "facet": facet, "value": value})
        text = N_("Never show: {what}.") if op == "never" else N_("Only show: {what}.")
        return _notice(N_("Switched: {what}.") if replace == "1" else text,
                       what=words.what(facet, stored))

    return _change(request, session, runtime, "rules", act)


@router.post(f"{PAGE}/categories")
def hide_category_route(request: Request, session: DbSession, runtime: Rt,
                        category: Annotated[str, Form(max_length=500)] = "",
                        replace: Annotated[str, Form(max_length=5)] = "") -> Response:
    submitted = {"hide-value": category, "hide-facet": "category"}

    def act(cid: str) -> dict[str, Any]:
        words = page_words(request, session, runtime)
        stored = _add_rule(session, runtime, words, cid, op="never", facet="category",
                           value=category, section="categories", kind="hide",
                           submitted=submitted, replace=replace == "1",
                           resend={"category": category})
        return _notice(N_("Hidden: {what}."), what=words.path(stored))

    return _change(request, session, runtime, "categories", act)


@router.post(f"{PAGE}/rules/remove")
def remove_rule_route(request: Request, session: DbSession, runtime: Rt,
                      op: Annotated[str, Form(max_length=10)] = "",
                      facet: Annotated[str, Form(max_length=100)] = "",
                      value: Annotated[str, Form(max_length=500)] = "",
                      back: Annotated[str, Form(max_length=20)] = "rules") -> Response:
    section = back if back in ("rules", "categories") else "rules"

    def act(cid: str) -> dict[str, Any]:
        if not remove_constraint(session, customer_id=cid, op=op, facet=facet, value=value):
            return _notice(_NOTHING_REMOVED)
        return _notice(N_("Removed: {what}."),
                       what=page_words(request, session, runtime).what(facet, value))

    return _change(request, session, runtime, section, act)


@router.post(f"{PAGE}/follows/add")
def follow_route(request: Request, session: DbSession, runtime: Rt,
                 target: Annotated[str, Form(max_length=520)] = "") -> Response:
    """Follow a brand or category picked from the catalogue's lists ("brand:acme",
    "category:Fashion > Shoes"); the shop's pages have buttons of their own."""

    def act(cid: str) -> dict[str, Any]:
        kind, _, value = target.partition(":")
        index = runtime.recommender.snapshot(session)[0]
        try:
            follow_service.follow(session, customer_id=cid, kind=kind, value=value,
                                  index=index, settings=runtime.settings)
        except Conflict as exc:
            raise FormProblem("follows", {"follows-target": _TOO_MANY_FOLLOWS},
                              {"follows-target": target}) from exc
        except InvalidInput as exc:
            raise FormProblem("follows", {"follows-target": _PICK_FROM_LIST},
                              {"follows-target": target}) from exc
        return _notice(N_("You follow {what} now."),
                       what=index.label(kind, value) if kind == "brand"
                       else runtime.facet_schema.path_in(value, language_of(request)))

    return _change(request, session, runtime, "follows", act, audit_action="follows.write")


@router.post(f"{PAGE}/follows/remove")
def unfollow_route(request: Request, session: DbSession, runtime: Rt,
                   kind: Annotated[str, Form(max_length=10)] = "",
                   value: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Stop following a brand or category (web/routes/follows.py has the shop's buttons)."""

    def act(cid: str) -> dict[str, Any]:
        index = runtime.recommender.snapshot(session)[0]
        if not follow_service.unfollow(session, customer_id=cid, kind=kind, value=value,
                                       index=index):
            return _notice(_NOTHING_REMOVED)
        return _notice(N_("You no longer follow {what}."),
                       what=index.label(kind, value) if kind == "brand"
                       else runtime.facet_schema.path_in(value, language_of(request)))

    return _change(request, session, runtime, "follows", act)


@router.post(f"{PAGE}/dismissed/remove")
def restore_dismissed_route(request: Request, session: DbSession, runtime: Rt,
                            product_id: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Show a product marked "Not for me" again."""

    def act(cid: str) -> dict[str, Any]:
        if not remove_dismissal(session, customer_id=cid, product_id=product_id):
            return _notice(_NOTHING_REMOVED)
        index = runtime.recommender.snapshot(session)[0]
        position = index.position.get(product_id)
        if position is None:
            return _notice(N_("Shown again: a product that is no longer in the shop."))
        return _notice(N_("Shown again: {what}."), what=index.titles[position])

    return _change(request, session, runtime, "dismissed", act)


def _currency_marks(currency: str) -> tuple[str, ...]:
    """How a shopper may write the shop's currency next to an amount ("zł", "PLN", "€"),
    longest first so that "PLN" goes before a one-letter symbol would."""
    marks = {currency, *(get_currency_symbol(currency, locale=language)
                         for language in LANGUAGES)}
    return tuple(sorted((m.casefold() for m in marks if m), key=len, reverse=True))


_GROUPED = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")


def _plain_number(text: str) -> str:
    """A number written with either language's separators, in Python's form: both kinds
    ("1,299.90", "1.299,90") mean the last is the decimal point; one kind repeated
    ("1,953,125") or once before three digits ("1,299", money has two decimals at most)
    groups thousands; else a comma is a decimal point ("99,9").

    >>> [_plain_number(x) for x in ("1,299.90", "1.299,90", "1,953,125", "1,299", "99,9")]
    ['1299.90', '1299.90', '1953125', '1299', '99.9']
    """
    if "," in text and "." in text:
        point = max(text.rfind(","), text.rfind("."))
        return text[:point].replace(",", "").replace(".", "") + "." + text[point + 1:]
    for mark in ",.":
        if text.count(mark) > 1 or (text.count(mark) == 1 and _GROUPED.fullmatch(text)):
            return text.replace(mark, "")
    return text.replace(",", ".")


def _amount(text: str, field_id: str, submitted: dict[str, str], *,
            currency: str) -> Decimal | None:
    """An amount as a shopper types it: "1 299,90", "1,299.90", "120 zł", "PLN 120"."""
    cleaned = "".join(text.split()).casefold()  # every kind of space, the no-break too
    for mark in _currency_marks(currency):
        cleaned = cleaned.removeprefix(mark).removesuffix(mark)
    if not cleaned:
        return None
    cleaned = _plain_number(cleaned)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise FormProblem("budget", {field_id: AMOUNT_MESSAGE}, submitted) from None
    if not amount.is_finite():
        raise FormProblem("budget", {field_id: AMOUNT_MESSAGE}, submitted)
    return amount


@router.post(f"{PAGE}/budget")
def budget_route(request: Request, session: DbSession, runtime: Rt,
                 low_text: Annotated[str, Form(alias="min", max_length=40)] = "",
                 high_text: Annotated[str, Form(alias="max", max_length=40)] = "") -> Response:
    submitted = {"budget-min": low_text, "budget-max": high_text}

    def act(cid: str) -> dict[str, Any]:
        currency = runtime.settings.shop_currency
        low = _amount(low_text, "budget-min", submitted, currency=currency)
        high = _amount(high_text, "budget-max", submitted, currency=currency)
        fields = {"min": "budget-min", "max": "budget-max"}
        try:
            budget = Budget(min=low, max=high) if low is not None or high is not None else None
            set_budget(session, customer_id=cid, budget=budget, settings=runtime.settings)
        except ValidationError as exc:
            raise _from_validation(exc, section="budget", fields=fields, default="budget-max",
                                   submitted=submitted) from exc
        except InvalidInput as exc:
            raise _from_invalid(exc, section="budget", fields=fields, default="budget-max",
                                submitted=submitted) from exc
        return _notice(N_("Budget cleared.") if budget is None else N_("Budget saved."))

    return _change(request, session, runtime, "budget", act)


@router.post(f"{PAGE}/sizes")
def sizes_route(request: Request, session: DbSession, runtime: Rt,
                category: Annotated[str, Form(max_length=500)] = "",
                sizes: Annotated[str, Form(max_length=1000)] = "") -> Response:
    submitted = {"size-category": category, "size-values": sizes}

    def act(cid: str) -> dict[str, Any]:
        words = page_words(request, session, runtime)
        path = normalize_category(category)
        if path not in _choices(session, runtime, words).categories:
            raise FormProblem("sizes", {"size-category": _FIELD_MESSAGES["size-category"]},
                              submitted)
        wanted = [part.strip() for part in sizes.replace(";", ",").split(",") if part.strip()]
        if not wanted:
            raise FormProblem("sizes", {"size-values": N_("Enter at least one size, like M "
                                                          "or 42.")}, submitted)
        fields = {"values": "size-values", "category": "size-category"}
        try:
            set_sizes(session, customer_id=cid, schema=runtime.facet_schema,
                      sizes=SizeSet(category=path, values=wanted))
        except ValidationError as exc:
            raise _from_validation(exc, section="sizes", fields=fields,
                                   default="size-values", submitted=submitted) from exc
        except InvalidInput as exc:
            raise _from_invalid(exc, section="sizes", fields=fields, default="size-values",
                                submitted=submitted) from exc
        return _notice(N_("Sizes saved for {what}."), what=words.path(path))

    return _change(request, session, runtime, "sizes", act)


@router.post(f"{PAGE}/sizes/remove")
def remove_sizes_route(request: Request, session: DbSession, runtime: Rt,
                       category: Annotated[str, Form(max_length=500)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        if not remove_sizes(session, customer_id=cid, category=category):
            return _notice(_NOTHING_REMOVED)
        return _notice(N_("Sizes removed for {what}."),
                       what=page_words(request, session, runtime).path(category))

    return _change(request, session, runtime, "sizes", act)


@router.post(f"{PAGE}/level")
def level_route(request: Request, session: DbSession, runtime: Rt,
                level: Annotated[str, Form(max_length=20)] = "",
                exploration: Annotated[str | None, Form(max_length=10)] = None) -> Response:
    submitted = {"level": level, "exploration": "on" if exploration else ""}

    def act(cid: str) -> dict[str, Any]:
        chosen = next(((code, name) for code, name, _ in LEVELS if code == level), None)
        if chosen is None:
            raise FormProblem("level", {"level": _FIELD_MESSAGES["level"]}, submitted)
        # A checkbox is sent only when ticked.
        set_level(session, customer_id=cid, level=chosen[0],
                  exploration=exploration is not None)
        return _notice(N_("Personalization level: {what}."),
                       what=translator(language_of(request))(chosen[1]))

    return _change(request, session, runtime, "level", act)


@router.post(f"{PAGE}/timezone")
def time_zone_route(request: Request, session: DbSession, runtime: Rt,
                    time_zone: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Set the zone the shop reads the time of day in; the empty choice clears it."""
    submitted = {"time-zone": time_zone}

    def act(cid: str) -> dict[str, Any]:
        chosen = time_zone.strip() or None
        try:
            set_time_zone(session, customer_id=cid, time_zone=chosen)
        except InvalidInput as exc:
            raise _from_invalid(exc, section="timezone", fields={"time_zone": "time-zone"},
                                default="time-zone", submitted=submitted) from exc
        if chosen is None:
            return _notice(N_("Time zone cleared: the shop's time zone applies."))
        return _notice(N_("Time zone: {what}."),
                       what=zone_label(chosen, language_of(request)))

    return _change(request, session, runtime, "timezone", act)


@router.post(f"{PAGE}/consents")
def consent_route(request: Request, session: DbSession, runtime: Rt,
                  purpose: Annotated[str, Form(max_length=40)] = "",
                  granted: Annotated[str, Form(max_length=10)] = "") -> Response:
    def act(cid: str) -> dict[str, Any]:
        if granted not in ("true", "false"):
            raise FormProblem("consents", {f"consent-{purpose}": N_("Choose on or off.")})
        try:
            consent = ConsentIn(purpose=purpose,  # pydantic checks it against the purposes
                                granted=granted == "true", source=CONSENT_SOURCE)
        except ValidationError as exc:
            raise FormProblem("consents", {"consents": N_("Choose one of the listed "
                                                          "purposes.")}) from exc
        # The account holder's, mirrored to every profile (customers.household_consent).
        record_consent(session, customer_id=visitor(request).account_id, consent=consent,
                       settings=runtime.settings)
        title = translator(language_of(request))(PURPOSE_TEXTS[consent.purpose][0])
        text = (N_("Consent given: {what}.") if consent.granted
                else N_("Consent withdrawn: {what}."))
        return _notice(text, what=title)

    return _change(request, session, runtime, "consents", act)


@router.post(f"{PAGE}/suggestions/{{suggestion_id}}/{{decision}}")
def suggestion_route(request: Request, session: DbSession, runtime: Rt,
                     suggestion_id: str, decision: str) -> Response:
    def act(cid: str) -> dict[str, Any]:
        if decision not in ("accept", "reject"):
            raise FormProblem("suggestions", {"suggestions": N_("Choose accept or reject.")})
        decide = (suggestion_service.accept if decision == "accept"
                  else suggestion_service.reject)
        try:
            out = decide(session, customer_id=cid, suggestion_id=suggestion_id,
                         settings=runtime.settings, schema=runtime.facet_schema)
        except (NotFound, Conflict) as exc:
            # Gone (the evidence changed, consent withdrawn) or answered in another tab.
            raise FormProblem("suggestions",
                              {"suggestions": _FIELD_MESSAGES["suggestions"]}) from exc
        except InvalidInput as exc:
            raise _from_invalid(exc, section="suggestions", fields={},
                                default="suggestions", submitted={}) from exc
        text = N_("Added to your likes: {what}.") if decision == "accept" else \
            N_("We will not suggest {what} again for now.")
        return _notice(text, what=page_words(request, session, runtime).what(out.facet,
                                                                          out.value))

    return _change(request, session, runtime, "suggestions", act,
                   audit_action=f"suggestion.{decision}")


@router.post(f"{PAGE}/quizzes/{{quiz_id}}/remove")
def remove_quiz_route(request: Request, session: DbSession, runtime: Rt,
                      quiz_id: str) -> Response:
    def act(cid: str) -> dict[str, Any]:
        removed = remove_quiz_preferences(session, customer_id=cid, quiz_id=quiz_id)
        words = page_words(request, session, runtime)
        title = words.quiz(quiz_id)
        n = removed.preferences + removed.traits + int(removed.budget)
        if title is None:
            return _notice(N_("Removed {n} answers of a quiz that is no longer offered."),
                           n=words.t.number(n))
        return _notice(N_("Removed {n} answers of the quiz {what}."), n=words.t.number(n),
                       what=title)

    return _change(request, session, runtime, "quizzes", act)


# --------------------------------------------------------------------------- your data


@router.get(f"{PAGE}/export")
def export_route(request: Request, session: WriteSession, runtime: Rt) -> Response:
    """Everything held about the visitor as a JSON file: the API's data export, for the
    session's own customer only. A write session although a GET: the download is audited."""
    # The account's, whichever household profile is active.
    cid = visitor(request).account_id
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
        problem = FormProblem("data", {"delete-confirm": N_("Tick the box to confirm that "
                                                            "everything should be deleted.")})
        return _render(request, session, runtime, problem=problem, status_code=422)
    # The whole account, every household profile with it.
    cid = visitor(request).account_id
    deleted: dict[str, int] = {}
    if get_customer(session, cid) is not None:
        # The erasure keeps this entry, under the keyed subject hash instead of the id.
        _audit(request, session, action="customer.erase", customer_id=cid)
        erased = erase_account(session, customer_id=cid, settings=runtime.settings)
        deleted = erased.receipt.deleted
        for gone in erased.customer_ids:
            after_release(session, partial(runtime.recommender.forget, gone))
    # The next page starts as a brand-new anonymous visitor with nothing held.
    sign_out(request)
    visitor(request)
    items = [[_TABLE_WORDS.get(table, N_("other records")), count]
             for table, count in sorted(deleted.items()) if count]
    text = (N_("Your data was deleted. You now browse as a new visitor with a clean profile.")
            if items else N_("We held nothing about you, so there was nothing to delete."))
    request.session[_NOTICE_KEY] = {"text": text, "values": {}, "items": items}
    return RedirectResponse(f"{PAGE}#data", status_code=303)
