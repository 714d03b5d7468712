"""The storefront configurator: the customer chooses the options of a configurable product,
sees the price, the delivery estimate and why an option cannot be chosen now, and saves the
configuration to their profile or puts it in the cart.

Every change posts the whole form (htmx: on ``change``; without JavaScript: the "Update"
button) and the page answers the groups and summary evaluated anew, so the page works either
way. The first view pre-selects what the customer's declared wishes suggest (each with its
reason), and a guided-selling quiz that ends in a configuration links here with the answers
that pre-select options (``prefero.quizzes.configuration``), each explained by its answer.

The customer is always the session's visitor: a saved configuration is read, saved and
deleted only as theirs, whatever id the request names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from babel.dates import format_date
from fastapi import APIRouter, Depends, Form, Path, Query
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.configurators.defaults import Preselection
from prefero.configurators.definition import Configurator
from prefero.configurators.engine import Evaluation
from prefero.configurators.schemas import SavedConfigurationOut
from prefero.configurators.service import (
    configurator,
    defaults_for,
    delete_configuration,
    evaluate_choices,
    get_configuration,
    list_configurations,
    save_configuration,
)
from prefero.customers.repository import ensure_customers
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.i18n.catalogues import N_
from prefero.orders.cart import CartEntry
from prefero.orders.checkout import CheckoutRefused, Shop, add_to_cart
from prefero.quizzes.configuration import (
    Preselected,
    ending_link,
    parse_picks,
    preselections,
)
from prefero.quizzes.publish import get_version
from prefero.quizzes.texts import localized
from prefero.runtime import Runtime
from prefero.types import EventType
from prefero.web.form_numbers import whole_number
from prefero.web.i18n import Translator, language_of, translator
from prefero.web.identity import visitor
from prefero.web.render import page, templates
from prefero.web.visit_events import record

__all__ = ["SavedView", "router", "saved_configurations"]

router = APIRouter()

#: A posted choice's field: ``choice:<group key>`` (radios; checkboxes repeat it).
CHOICE_PREFIX = "choice:"
# The form's own limits (a configurator has at most 50 groups of 100 options).
MAX_GROUPS = 60
MAX_VALUES = 100
MAX_KEY = 100
MAX_NAME = 100
# Saved configurations and quiz versions are int4 columns (the API's ConfigurationId says the
# same): a larger id names nothing and must not reach the database.
MAX_ID = 2**31 - 1

_NO_PRODUCT = N_("This product cannot be configured, or it is no longer in the shop.")
# Problems that mean the form was not one this page sent (a tampered or stale form).
_MALFORMED = frozenset({"unknown_group", "unknown_option", "not_a_choice", "single_choice"})
# The preference center's notice (web/routes/preferences.py keeps it under this key).
_PREFERENCES_NOTICE = "preferences_notice"


# --------------------------------------------------------------------------- view models


@dataclass(frozen=True)
class OptionView:
    key: str
    field_id: str
    label: str
    description: str | None
    price: Decimal
    chosen: bool
    # Cannot be chosen now; ``why`` says why in the page's language.
    disabled: bool
    why: tuple[str, ...]
    # Why it was pre-selected (while it still is), or why it never is (a brand the
    # customer never wants).
    reason: str | None
    mark: str | None
    recommended: bool


@dataclass(frozen=True)
class GroupView:
    key: str
    label: str
    required: bool
    multiple: bool
    options: tuple[OptionView, ...]
    problems: tuple[str, ...]
    # An optional single-choice group offers "None"; True while nothing is chosen in it.
    none_chosen: bool


@dataclass(frozen=True)
class Line:
    group: str
    option: str
    price: Decimal


@dataclass(frozen=True)
class Builder:
    """Everything the configurator page shows for one set of choices."""

    product_id: str
    title: str
    currency: str
    base_price: Decimal
    groups: tuple[GroupView, ...]
    lines: tuple[Line, ...]
    price: Decimal
    valid: bool
    delivery: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    # Hidden fields that carry the quiz the page came from across every post.
    carry: tuple[tuple[str, str], ...]
    action: str
    saved: SavedConfigurationOut | None = None
    # The name typed for the profile (kept across the page's re-evaluations).
    name: str = ""


@dataclass(frozen=True)
class Start:
    """What the page starts from: choices and why each was pre-selected."""

    choices: dict[str, str | list[str]]
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)
    marks: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers


def _t(request: Request) -> Translator:
    return translator(language_of(request))


def _address(product_id: str) -> str:
    return f"/configure/{quote(product_id, safe='')}"


def _delivery(t: Translator, evaluation: Evaluation) -> str:
    delivery = evaluation.delivery

    def day(value: date) -> str:
        return format_date(value, format="d MMMM", locale=t.language)

    if delivery.earliest == delivery.latest:
        return t("Estimated delivery on {date}", date=day(delivery.earliest))
    return t("Estimated delivery between {earliest} and {latest}",
             earliest=day(delivery.earliest), latest=day(delivery.latest))


def _field_id(group: str, option: str) -> str:
    return f"opt-{group}-{option}"


def _chosen(choices: Mapping[str, Any], group: str) -> set[str]:
    value = choices.get(group)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return set()


def _builder(t: Translator, definition: Configurator, evaluation: Evaluation, start: Start,
             *, carry: Sequence[tuple[str, str]] = (),
             saved: SavedConfigurationOut | None = None, name: str | None = None) -> Builder:
    language = t.language
    choices = evaluation.choices
    problems_by_group: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in evaluation.problems:
        text = problem.message.text(language)
        if definition.group(problem.group) is not None:
            problems_by_group.setdefault(problem.group, []).append(text)
        else:
            general.append(text)
    groups: list[GroupView] = []
    for group in definition.groups:
        chosen = _chosen(choices, group.key)
        options = []
        for option in group.options:
            is_chosen = option.key in chosen
            why = tuple(dict.fromkeys(
                w.message.text(language)
                for w in evaluation.unavailable_reasons(group.key, option.key)))
            options.append(OptionView(
                key=option.key, field_id=_field_id(group.key, option.key),
                label=option.label.text(language),
                description=option.description.text(language) if option.description else None,
                price=option.price, chosen=is_chosen,
                # A chosen option stays choosable: the problem list says what is wrong, and
                # a disabled field would not be sent with the form.
                disabled=bool(why) and not is_chosen, why=why,
                reason=start.reasons.get((group.key, option.key)) if is_chosen else None,
                mark=start.marks.get((group.key, option.key)),
                recommended=option.recommended))
        groups.append(GroupView(key=group.key, label=group.label.text(language),
                                required=group.required, multiple=group.multiple,
                                options=tuple(options),
                                problems=tuple(dict.fromkeys(problems_by_group.get(group.key,
                                                                                   []))),
                                none_chosen=not chosen))
    lines = tuple(Line(group=(g.label.text(language) if (g := definition.group(c.group))
                              else c.group), option=c.label.text(language), price=c.price)
                  for c in evaluation.chosen)
    return Builder(
        product_id=definition.product_id, title=definition.title.text(language),
        currency=evaluation.currency, base_price=definition.base_price,
        groups=tuple(groups), lines=lines, price=evaluation.price, valid=evaluation.valid,
        delivery=_delivery(t, evaluation), problems=tuple(dict.fromkeys(general)),
        notes=start.notes, carry=tuple(carry), action=_address(definition.product_id),
        saved=saved, name=name or (saved.name if saved is not None else ""))


def _definition(runtime: Runtime, product_id: str) -> Configurator | None:
    try:
        return configurator(runtime.configurators, product_id)
    except NotFound:
        return None


def _not_found(request: Request, session: Session, runtime: Runtime) -> Response:
    return page(request, "storefront/not_found.html", session=session, runtime=runtime,
                status_code=404, message=_NO_PRODUCT)


# --------------------------------------------------------------------------- the start


def _quiz_choices(session: Session, *, definition: Configurator, language: str,
                  quiz_id: str | None, version: int | None, picks: Sequence[str]
                  ) -> list[Preselected]:
    """The options the visitor's quiz answers pre-select, when the quiz ends in a
    configuration of this product; nothing for an unknown quiz or answers it does not map
    (an address is anyone's to type)."""
    if not quiz_id:
        return []
    try:
        _, stored = get_version(session, quiz_id, version)
    except NotFound:
        return []
    quiz = localized(stored, language)
    if quiz.configuration is None or quiz.configuration.product_id != definition.product_id:
        return []
    return [p for p in preselections(quiz, parse_picks(picks))
            if (group := definition.group(p.group)) is not None
            and group.option(p.option) is not None]


def _start(request: Request, session: Session, runtime: Runtime, definition: Configurator,
           *, quiz: list[Preselected]) -> Start:
    """The customer's defaults (their declared wishes, or the shop's), then the quiz's
    pre-selections over them, each with its reason in the page's language."""
    t = _t(request)
    who = visitor(request)
    pre: Preselection = defaults_for(session, runtime.configurators, customer_id=who.customer_id,
                                     product_id=definition.product_id,
                                     settings=runtime.settings, language=t.language)
    choices: dict[str, str | list[str]] = dict(pre.choices)
    reasons: dict[tuple[str, str], str] = {}
    notes: list[str] = []
    for reason in pre.reasons:
        if reason.group is not None and reason.option is not None:
            reasons.setdefault((reason.group, reason.option), reason.text)
        elif reason.code != "shop_default":
            notes.append(reason.text)
    marks = {(m.group, m.option): m.text for m in pre.marked
             if m.group is not None and m.option is not None}
    for chosen in quiz:
        if (chosen.group, chosen.option) in marks:
            # The customer's own "never" outranks a quiz answer (declared beats quiz).
            continue
        group = definition.group(chosen.group)
        if group is not None and group.multiple:
            current = choices.get(chosen.group)
            listed = list(current) if isinstance(current, list) else []
            choices[chosen.group] = [*listed, chosen.option] if chosen.option not in listed \
                else listed
        else:
            choices[chosen.group] = chosen.option
        reasons[(chosen.group, chosen.option)] = t("From your quiz answer: {answer}",
                                                   answer=chosen.answer_label)
    return Start(choices=choices, reasons=reasons, marks=marks, notes=tuple(notes))


def _carry(quiz_id: str | None, version: int | None, picks: Sequence[str]
           ) -> list[tuple[str, str]]:
    if not quiz_id:
        return []
    return [("from_quiz", quiz_id), *([("quiz_version", str(version))] if version else []),
            *(("pick", pick) for pick in picks[:MAX_VALUES])]


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class Posted:
    """The configurator form as sent: the choices, the quiz it came from, a name."""

    choices: dict[str, list[str]]
    quiz_id: str | None
    quiz_version: int | None
    picks: tuple[str, ...]
    name: str | None


async def _posted(request: Request) -> Posted:
    """Read the form once (the CSRF check has already parsed it; Starlette caches it).
    ``InvalidInput`` (422, nothing done) for a quiz version that is not one: the page only
    ever sends back the one it was given."""
    form = await request.form()
    choices: dict[str, list[str]] = {}
    for key in dict.fromkeys(form.keys()):
        if not key.startswith(CHOICE_PREFIX) or len(choices) >= MAX_GROUPS:
            continue
        group = key[len(CHOICE_PREFIX):][:MAX_KEY]
        values = [v[:MAX_KEY] for v in form.getlist(key) if isinstance(v, str) and v][:MAX_VALUES]
        if group:
            choices.setdefault(group, []).extend(values)
    quiz = form.get("from_quiz")
    version = form.get("quiz_version")
    quiz_version = (whole_number(version, least=1, most=MAX_ID)
                    if isinstance(version, str) and version else None)
    if version and quiz_version is None:
        raise InvalidInput("The quiz version is not a version number.", errors=[
            FieldError(loc=("body", "quiz_version"), msg="not a version number")])
    name = form.get("name")
    return Posted(
        choices=choices,
        quiz_id=quiz[:MAX_KEY] if isinstance(quiz, str) and quiz else None,
        quiz_version=quiz_version,
        picks=tuple(p for p in form.getlist("pick") if isinstance(p, str))[:MAX_VALUES],
        name=" ".join(name.split())[:MAX_NAME] or None if isinstance(name, str) else None)


PostedForm = Annotated[Posted, Depends(_posted)]


def _as_choices(definition: Configurator, posted: Mapping[str, list[str]]
                ) -> dict[str, str | list[str]]:
    """The posted values as the engine takes them: one key for a single-choice group (two
    for a tampered one, which the engine then reports), a list for a multiple one."""
    choices: dict[str, str | list[str]] = {}
    for key, values in posted.items():
        group = definition.group(key)
        if group is not None and group.multiple:
            choices[key] = values
        elif len(values) == 1:
            choices[key] = values[0]
        elif values:
            choices[key] = values
    return choices


def _render(request: Request, session: Session, runtime: Runtime, builder: Builder, *,
            status_code: int = 200, notice: str | None = None) -> Response:
    if request.headers.get("hx-request") == "true":
        # htmx leaves 4xx answers unswapped: the problems are in the swapped part either way.
        return page(request, "storefront/_configure_swap.html", session=session,
                    runtime=runtime, builder=builder, notice=notice)
    return page(request, "storefront/configure.html", session=session, runtime=runtime,
                status_code=status_code, builder=builder, notice=notice)


def _evaluated(request: Request, session: Session, runtime: Runtime, definition: Configurator,
               posted: Posted) -> tuple[Evaluation, Start]:
    """The posted choices evaluated, with the reasons of the page's first view (they stay
    beside an option for as long as it is still chosen)."""
    start = _start(request, session, runtime, definition,
                   quiz=_quiz_choices(session, definition=definition,
                                      language=language_of(request), quiz_id=posted.quiz_id,
                                      version=posted.quiz_version, picks=posted.picks))
    evaluation = evaluate_choices(session, runtime.configurators,
                                  product_id=definition.product_id,
                                  choices=_as_choices(definition, posted.choices))
    return evaluation, start


def _malformed(evaluation: Evaluation) -> bool:
    return any(problem.code in _MALFORMED for problem in evaluation.problems)


# --------------------------------------------------------------------------- pages


@router.get("/configure/{product_id}")
def configure_page(request: Request, session: DbSession, runtime: Rt, product_id: str,
                   configuration: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                   saved: Annotated[bool, Query()] = False,
                   from_quiz: Annotated[str | None, Query(max_length=MAX_KEY)] = None,
                   quiz_version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                   pick: Annotated[list[str] | None, Query(max_length=201)] = None
                   ) -> Response:
    """The configurator, starting from the customer's saved configuration (``configuration``,
    theirs only), else from their defaults and the quiz answers that led here."""
    definition = _definition(runtime, product_id)
    if definition is None:
        return _not_found(request, session, runtime)
    t = _t(request)
    picks = list(pick or [])[:MAX_VALUES]
    mine = None
    if configuration is not None:
        try:
            mine = get_configuration(session, customer_id=visitor(request).customer_id,
                                     configuration_id=configuration)
        except NotFound:
            mine = None  # someone else's or gone: the page starts afresh, saying nothing
        if mine is not None and mine.product_id != definition.product_id:
            mine = None
    if mine is not None:
        start = _start(request, session, runtime, definition, quiz=[])
        start = Start(choices=dict(mine.choices), reasons={}, marks=start.marks,
                      notes=(t("Your saved configuration: {name}", name=mine.name),))
    else:
        start = _start(request, session, runtime, definition,
                       quiz=_quiz_choices(session, definition=definition,
                                          language=t.language, quiz_id=from_quiz,
                                          version=quiz_version, picks=picks))
    evaluation = evaluate_choices(session, runtime.configurators, product_id=product_id,
                                  choices=start.choices)
    builder = _builder(t, definition, evaluation, start,
                       carry=_carry(from_quiz, quiz_version, picks), saved=mine)
    notice = (t("Saved to your profile as “{name}”.", name=mine.name)
              if saved and mine is not None else None)
    return _render(request, session, runtime, builder, notice=notice)


@router.post("/configure/{product_id}")
def configure_change(request: Request, session: DbSession, runtime: Rt, product_id: str,
                     posted: PostedForm) -> Response:
    """The choices evaluated anew (htmx answers the groups and the summary)."""
    definition = _definition(runtime, product_id)
    if definition is None:
        return _not_found(request, session, runtime)
    evaluation, start = _evaluated(request, session, runtime, definition, posted)
    builder = _builder(_t(request), definition, evaluation, start,
                       carry=_carry(posted.quiz_id, posted.quiz_version, posted.picks),
                       name=posted.name)
    return _render(request, session, runtime, builder,
                   status_code=422 if _malformed(evaluation) else 200)


def _save(request: Request, session: Session, runtime: Runtime, definition: Configurator,
          evaluation: Evaluation, *, name: str | None, reuse: bool
          ) -> SavedConfigurationOut:
    """Save the valid configuration for the session's visitor (``InvalidInput`` otherwise);
    with ``reuse``, the customer's identical saved one is used instead of a copy."""
    who = visitor(request)
    # Created as anonymous before the service creates it (as a known customer), as the
    # preference center does.
    ensure_customers(session, {who.customer_id: not who.signed_in})
    if reuse:
        for existing in list_configurations(session, customer_id=who.customer_id):
            if existing.product_id == definition.product_id \
                    and existing.choices == evaluation.choices:
                return existing
    return save_configuration(session, runtime.configurators, customer_id=who.customer_id,
                              product_id=definition.product_id, choices=evaluation.choices,
                              name=name, language=language_of(request))


def _refused(request: Request, session: Session, runtime: Runtime, definition: Configurator,
             evaluation: Evaluation, start: Start, posted: Posted, *, full: bool = False
             ) -> Response:
    """The page again with what stopped the save; nothing was written (``full``: the
    profile holds as many configurations as it may)."""
    session.rollback()
    t = _t(request)
    builder = _builder(t, definition, evaluation, start,
                       carry=_carry(posted.quiz_id, posted.quiz_version, posted.picks),
                       name=posted.name)
    notice = (t("Your profile holds as many configurations as it can: delete one in your "
                "preferences first.") if full
              else t("Nothing was saved: choose the options marked below first."))
    return page(request, "storefront/configure.html", session=session, runtime=runtime,
                status_code=409 if full else 422, builder=builder, notice=notice)


def _save_posted(request: Request, session: Session, runtime: Runtime, product_id: str,
                 posted: Posted, *, reuse: bool) -> SavedConfigurationOut | Response:
    """The posted configuration saved for the visitor (``reuse``: their identical saved one
    instead of a copy), or the page that says why not: no such configurator, choices still
    to make, or a profile that holds as many configurations as it may."""
    definition = _definition(runtime, product_id)
    if definition is None:
        return _not_found(request, session, runtime)
    evaluation, start = _evaluated(request, session, runtime, definition, posted)
    if not evaluation.valid:
        return _refused(request, session, runtime, definition, evaluation, start, posted)
    try:
        return _save(request, session, runtime, definition, evaluation, name=posted.name,
                     reuse=reuse)
    except InvalidInput:
        return _refused(request, session, runtime, definition, evaluation, start, posted)
    except Conflict:
        return _refused(request, session, runtime, definition, evaluation, start, posted,
                        full=True)


@router.post("/configure/{product_id}/save")
def configure_save(request: Request, session: DbSession, runtime: Rt, product_id: str,
                   posted: PostedForm) -> Response:
    """Save the configuration to the visitor's profile, then show it saved."""
    saved = _save_posted(request, session, runtime, product_id, posted, reuse=False)
    if isinstance(saved, Response):
        return saved
    query = urlencode({"configuration": saved.id, "saved": 1})
    return RedirectResponse(f"{_address(product_id)}?{query}", status_code=303)


@router.post("/configure/{product_id}/cart")
def configure_add_to_cart(request: Request, session: DbSession, runtime: Rt, product_id: str,
                          posted: PostedForm) -> Response:
    """Save the configuration if it is not saved yet, then put it in the cart (the cart
    service the storefront's own "Add to cart" uses) and show the cart."""
    # A product the shop no longer sells is not put in the cart, nor saved on the way.
    index, _model = runtime.recommender.snapshot(session)
    position = index.position.get(product_id)
    if position is None or not index.eligible[position]:
        return _not_found(request, session, runtime)
    saved = _save_posted(request, session, runtime, product_id, posted, reuse=True)
    if isinstance(saved, Response):
        return saved
    shop = Shop(index=index, configurators=runtime.configurators, settings=runtime.settings)
    try:
        added = add_to_cart(session, shop, request.session,
                            customer_id=visitor(request).customer_id,
                            entry=CartEntry(product_id=product_id, configuration_id=saved.id))
    except CheckoutRefused:
        # Only a size can be missing (the configuration is the visitor's, just saved): the
        # product page's size choice, as the storefront's own "Add to cart" answers.
        return RedirectResponse(f"/p/{quote(product_id, safe='')}?choose=size#size-choice",
                                status_code=303)
    if added.added:
        # The service prices the line as the configuration, not at the catalogue's price.
        record(session, request, runtime, EventType.ADD_TO_CART, product_id=product_id,
               quantity=1, price=added.unit_price)
    return RedirectResponse("/cart", status_code=303)


# --------------------------------------------------------------------------- saved ones


@dataclass(frozen=True)
class SavedView:
    """A saved configuration as the preference center lists it."""

    id: int
    product_id: str
    name: str
    title: str
    options: tuple[str, ...]
    price: Decimal
    currency: str
    open_url: str
    # The product is still configurable (else only "delete" is offered).
    available: bool


def saved_configurations(session: Session, runtime: Runtime, *, customer_id: str,
                         language: str) -> list[SavedView]:
    """The customer's saved configurations, in words (for the preference center).

    >>> saved_configurations(session, runtime, customer_id="c1", language="pl"
    ...                      )[0].options  # doctest: +SKIP
    ('Procesor: Intel Core i7', 'Pamięć: 32 GB')
    """
    found: list[SavedView] = []
    for saved in list_configurations(session, customer_id=customer_id):
        definition = runtime.configurators.get(saved.product_id)
        words: list[str] = []
        for key, value in saved.choices.items():
            group = definition.group(key) if definition is not None else None
            keys = [value] if isinstance(value, str) else list(value)
            labels = [(o.label.text(language) if group is not None
                       and (o := group.option(k)) is not None else k) for k in keys]
            if labels:
                words.append(f"{group.label.text(language) if group else key}: "
                             f"{', '.join(labels)}")
        found.append(SavedView(
            id=saved.id, product_id=saved.product_id, name=saved.name,
            title=definition.title.text(language) if definition is not None
            else saved.product_id,
            options=tuple(words), price=saved.price, currency=saved.currency,
            open_url=f"{_address(saved.product_id)}?{urlencode({'configuration': saved.id})}",
            available=definition is not None))
    return found


@router.post("/preferences/configurations/{configuration_id}/delete")
def delete_saved(request: Request, session: DbSession, runtime: Rt,
                 configuration_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                 name: Annotated[str, Form(max_length=MAX_NAME * 4)] = "") -> Response:
    """Delete one of the visitor's saved configurations (another's is "not found")."""
    t = _t(request)
    try:
        delete_configuration(session, customer_id=visitor(request).customer_id,
                             configuration_id=configuration_id)
    except NotFound:
        request.session[_PREFERENCES_NOTICE] = {
            "text": N_("There was nothing to remove."), "values": {}}
    else:
        request.session[_PREFERENCES_NOTICE] = {
            "text": N_("The configuration “{name}” is deleted."),
            "values": {"name": name or t("Configuration")}}
    return RedirectResponse("/preferences#configurations", status_code=303)


# --------------------------------------------------------------------------- templates


@pass_context
def _configurable(context: Context, product_id: str) -> bool:
    """Whether the product has a configurator (the product page links to it)."""
    runtime: Runtime = context["request"].app.state.runtime
    return runtime.configurators.get(product_id) is not None


@pass_context
def _quiz_configure(context: Context) -> dict[str, str] | None:
    """The quiz results' "Configure yours" offer: the link and the product's title, when the
    quiz ends in a configuration of a product the shop can configure."""
    definition = context.get("definition")
    state = context.get("state")
    ending = getattr(definition, "configuration", None)
    if ending is None or state is None:
        return None
    runtime: Runtime = context["request"].app.state.runtime
    product = runtime.configurators.get(ending.product_id)
    if product is None:
        return None
    link = ending_link(definition, state.answers, version=state.version)
    if link is None:
        return None
    return {"url": link,
            "title": product.title.text(str(context.get("lang") or "en"))}


templates.env.globals["configurable"] = _configurable
templates.env.globals["quiz_configure"] = _quiz_configure
