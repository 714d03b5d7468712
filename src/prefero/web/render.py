"""Rendering pages: one Jinja2 environment, and the context every page shares (who is
browsing, their personalization level, the language)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from prefero.customers.models import Customer
from prefero.runtime import Runtime
from prefero.types import Level
from prefero.web.csrf import csrf_input, csrf_token
from prefero.web.i18n import LANGUAGES, language_of, translator
from prefero.web.identity import visitor

__all__ = ["LEVEL_NAMES", "page", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Globals, not page context: a partial rendered on its own (an htmx swap) has its forms'
# token too.
templates.env.globals.update(csrf_input=csrf_input, csrf_token=csrf_token)

# What each level uses, in the customer's words (shown in the header and the preference
# center).
LEVEL_NAMES = {
    "off": "Off",
    "declared": "Only what I said",
    "balanced": "Balanced",
    "full": "Full",
}


def page(request: Request, template: str, *, session: Session, runtime: Runtime,
         status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the shared context; ``context`` adds the page's own."""
    who = visitor(request)
    language = language_of(request)
    # The header needs only the level: one primary-key read, not the whole profile (its
    # preferences, consent ledger and recent events), on every page.
    customer = session.get(Customer, who.customer_id)
    level: Level = cast(Level, customer.level) if customer is not None and customer.level \
        else runtime.settings.default_level
    shared = {
        "request": request,
        "visitor": who,
        "level": level,
        "level_name": LEVEL_NAMES[level],
        "t": translator(language),
        "lang": language,
        "languages": LANGUAGES,
        # Persona sign-in exists in demo mode only; production pages never link to it.
        "demo_mode": runtime.settings.mode == "demo",
    }
    return templates.TemplateResponse(request, template, {**shared, **context},
                                      status_code=status_code)
