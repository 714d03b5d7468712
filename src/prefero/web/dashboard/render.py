"""Rendering a dashboard page: the frame's shared context (who is signed in, the menu their
role reaches, the language, flash messages, number formats) around the page's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_percent
from starlette.requests import Request
from starlette.responses import HTMLResponse

from prefero.staff.roles import ROLE_NAMES
from prefero.staff.schemas import StaffOut
from prefero.web.dashboard.flash import take_flashes
from prefero.web.dashboard.nav import NavPage, visible
from prefero.web.i18n import LANGUAGES, Translator, language_of, translator
from prefero.web.render import templates

__all__ = ["Numbers", "dashboard_page"]


class Numbers:
    """Numbers as the page's language writes them (CLDR, through Babel).

    >>> Numbers(translator("pl")).count(1234567), Numbers(translator("en")).share(0.125)
    ('1\\xa0234\\xa0567', '12.5%')
    >>> Numbers(translator("pl")).share(None)
    '–'
    """

    def __init__(self, t: Translator) -> None:
        self._t = t

    def count(self, value: int | float) -> str:
        return self._t.number(value)

    def share(self, fraction: float | None) -> str:
        """A fraction as a percentage to one decimal place at most; a dash for none."""
        if fraction is None:
            return "–"
        return format_percent(fraction, "#,##0.#%", locale=self._t.language)

    def moment(self, moment: datetime | None) -> str:
        """A time in UTC as the language writes it, to the minute; a dash for none."""
        if moment is None:
            return "–"
        return format_datetime(moment, "medium", tzinfo=None, locale=self._t.language)


def dashboard_page(request: Request, template: str, *, staff: StaffOut | None,
                   page: NavPage | None, title: str | None = None, status_code: int = 200,
                   **context: Any) -> HTMLResponse:
    """Render ``template`` (it extends ``dashboard/base.html``) for ``staff``; ``page`` marks
    the current menu entry, and its label is the page's heading unless ``title`` (a message
    id) is given."""
    language = language_of(request)
    t = translator(language)
    shared = {
        "request": request,
        "t": t,
        # t.plural under a name the catalogue's extraction finds in templates
        "tn": t.plural,
        "lang": language,
        "languages": LANGUAGES,
        "staff": staff,
        "role_name": t(ROLE_NAMES[staff.role]) if staff is not None else None,
        "nav": visible(staff.role) if staff is not None else (),
        "current": page.key if page is not None else None,
        "heading": t(title or (page.label if page is not None else "Dashboard")),
        "flashes": take_flashes(request, t),
        "numbers": Numbers(t),
    }
    return templates.TemplateResponse(request, template, {**shared, **context},
                                      status_code=status_code)
