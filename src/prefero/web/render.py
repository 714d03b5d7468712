"""Rendering pages: one Jinja2 environment, and the context every page shares (who is
browsing, their personalization level, the language)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from babel.core import Locale
from babel.dates import format_date
from babel.numbers import get_currency_symbol
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from prefero.catalog.facets import FacetSchema
from prefero.customers.consent import consent_defaults, current_consents
from prefero.customers.evidence_text import worded
from prefero.customers.levels import effective_level
from prefero.customers.models import Customer
from prefero.customers.suggestions import Suggestion
from prefero.demo.pictures import picture_path
from prefero.i18n.catalogues import N_
from prefero.i18n.formats import money
from prefero.i18n.languages import DEFAULT_LANGUAGE
from prefero.messaging.inbox_service import unread_count
from prefero.runtime import Runtime
from prefero.search.departments import Department, departments
from prefero.types import Level, Purpose
from prefero.web.csrf import csrf_input, csrf_token
from prefero.web.household_switch import household_menu
from prefero.web.i18n import LANGUAGES, language_of, translator
from prefero.web.identity import visitor

__all__ = ["LEVEL_NAMES", "page", "page_consents", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Globals, not page context: a partial rendered on its own (an htmx swap) has its forms'
# token too.
templates.env.globals.update(csrf_input=csrf_input, csrf_token=csrf_token)
# A product's picture has one address whatever is behind it (prefero.demo.pictures), so a
# page needs nothing but the product's id to show it.
templates.env.globals.update(product_image=picture_path)


def _schema_words(context: Context) -> tuple[FacetSchema, str]:
    runtime: Runtime = context["request"].app.state.runtime
    return runtime.facet_schema, str(context.get("lang") or DEFAULT_LANGUAGE)


@pass_context
def _category_label(context: Context, path: str) -> str:
    """A category path's last segment in the page's language ("Czekolada")."""
    schema, language = _schema_words(context)
    return schema.value_in("category", path, language)


@pass_context
def _category_path_label(context: Context, path: str) -> str:
    """A whole category path in the page's language ("Spożywcze › Słodycze")."""
    schema, language = _schema_words(context)
    return schema.path_in(path, language)


@pass_context
def _money(context: Context, amount: float | Decimal, currency: str | None = None) -> str:
    """An amount in ``currency`` (the shop's when not given), as the page's language writes
    money: "1 299,00 zł" in Polish, "PLN 1,299.00" in English."""
    runtime: Runtime = context["request"].app.state.runtime
    return money(amount, currency or runtime.shop_currency,
                 str(context.get("lang") or DEFAULT_LANGUAGE))


@pass_context
def _currency_symbol(context: Context, currency: str | None = None) -> str:
    """The symbol of ``currency`` (the shop's when not given) in the page's language."""
    runtime: Runtime = context["request"].app.state.runtime
    return get_currency_symbol(currency or runtime.shop_currency,
                               locale=str(context.get("lang") or DEFAULT_LANGUAGE))


@pass_context
def _local_date(context: Context, moment: datetime) -> str:
    """A day as the page's language writes it in full ("7 grudnia 2026")."""
    return format_date(moment, "long", locale=str(context.get("lang") or DEFAULT_LANGUAGE))


def _language_name(code: str) -> str:
    """A language by its own name ("Polski", "English"), whatever the page's language.

    >>> _language_name("pl"), _language_name("en")
    ('Polski', 'English')
    """
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _amount_input(amount: float | Decimal | None) -> str:
    """An amount as a form field's value: plain digits a person can edit, never an
    exponent ("1000000", "99.9").

    >>> _amount_input(1e6), _amount_input(99.90), _amount_input(None)
    ('1000000', '99.9', '')
    """
    if amount is None:
        return ""
    text = format(Decimal(str(amount)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@pass_context
def _evidence(context: Context, suggestion: Suggestion) -> str:
    """A suggestion's evidence in the page's language."""
    schema, language = _schema_words(context)
    return worded(suggestion, schema=schema, language=language).evidence.text


@pass_context
def _departments(context: Context) -> tuple[Department, ...]:
    """The shop's departments for the menu, from the snapshot the process holds."""
    runtime: Runtime = context["request"].app.state.runtime
    index = runtime.recommender.held_index
    return departments(index) if index is not None else ()


templates.env.globals["department_menu"] = _departments
templates.env.filters["evidence"] = _evidence
templates.env.filters["money"] = _money
templates.env.filters["currency_symbol"] = _currency_symbol
templates.env.filters["amount_input"] = _amount_input
templates.env.filters["language_name"] = _language_name
templates.env.filters["local_date"] = _local_date
templates.env.filters["category_label"] = _category_label
templates.env.filters["category_path_label"] = _category_path_label

# What each level uses, in the customer's words (shown in the header and the preference
# center).
LEVEL_NAMES = {
    "off": N_("Off"),
    "declared": N_("Only what I said"),
    "balanced": N_("Balanced"),
    "full": N_("Full"),
}


def page_consents(request: Request, session: Session, runtime: Runtime
                  ) -> Mapping[Purpose, bool]:
    """The consents in force for the page's visitor, read once for the whole page: its
    header, its size advice and its prompts' watcher all depend on them. Kept on the request
    only, so the next request reads them anew (a withdrawal acts at once); a page is
    rendered after its request's writes, never before."""
    who = visitor(request)
    kept = getattr(request.state, "page_consents", None)
    if kept is not None and kept[0] == who.customer_id:
        return cast(Mapping[Purpose, bool], kept[1])
    consents = (current_consents(session, customer_id=who.customer_id,
                                 settings=runtime.settings)
                if session.get(Customer, who.customer_id) is not None
                else consent_defaults(runtime.settings))
    request.state.page_consents = (who.customer_id, consents)
    return consents


def page(request: Request, template: str, *, session: Session, runtime: Runtime,
         status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the shared context; ``context`` adds the page's own."""
    who = visitor(request)
    language = language_of(request)
    # The header needs only the level: one primary-key read and the consents in force, not
    # the whole profile (its preferences and recent events), on every page.
    customer = session.get(Customer, who.customer_id)
    level: Level = cast(Level, customer.level) if customer is not None and customer.level \
        else runtime.settings.default_level
    consents = page_consents(request, session, runtime)
    shared = {
        "request": request,
        "visitor": who,
        # The household switcher in the header (signed-in accounts: one indexed read).
        "household": household_menu(session, request),
        # The header's inbox link says how many messages wait unread (one indexed count).
        "inbox_unread": (unread_count(session, customer_id=who.account_id)
                         if customer is not None else 0),
        # ``level`` is the customer's choice; the header names the level in force, which a
        # withdrawn consent lowers.
        "level": level,
        "level_name": LEVEL_NAMES[effective_level(level, consents)],
        "t": translator(language),
        # t.plural under a name the catalogue's extraction finds in templates
        "tn": translator(language).plural,
        "lang": language,
        "languages": LANGUAGES,
        # Persona sign-in exists in demo mode only; production pages never link to it.
        "demo_mode": runtime.settings.mode == "demo",
    }
    return templates.TemplateResponse(request, template, {**shared, **context},
                                      status_code=status_code)
