"""Flash messages: one line shown on the next dashboard page after a change ("Account
added"), kept in the signed session between the redirect and the page. Stored as a message
id with its values and translated when shown, so the language is the page's."""

from __future__ import annotations

from starlette.requests import Request

from prefero.web.i18n import Translator

__all__ = ["flash", "take_flashes"]

_KEY = "dashboard_flash"
_MAX = 5  # a page never needs more; a loop of redirects must not grow the cookie


def flash(request: Request, message: str, **values: str) -> None:
    """Show ``message`` (a msgid marked with ``N_``; ``{name}`` placeholders filled from
    ``values``) on the next dashboard page."""
    waiting = list(request.session.get(_KEY) or [])[-(_MAX - 1):]
    waiting.append([message, values])
    request.session[_KEY] = waiting


def take_flashes(request: Request, t: Translator) -> list[str]:
    """The waiting messages in the page's language; they are shown once."""
    waiting = request.session.pop(_KEY, None) or []
    shown = []
    for entry in waiting:
        if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and isinstance(entry[1], dict)):
            shown.append(t(entry[0], **{str(k): str(v) for k, v in entry[1].items()}))
    return shown
