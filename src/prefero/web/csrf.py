"""Cross-site request forgery: a state-changing request to a page route must come from this
shop's own pages. Two independent checks, both before the route runs:

1. **Origin.** The ``Origin`` header (or, without one, the ``Referer``) names this app's own
   origin or one of ``settings.allowed_origins``. Browsers send ``Origin`` on every
   cross-origin POST, so a forged form from another site always fails here.
2. **Synchronizer token.** A random token kept in the signed session comes back as the form's
   hidden ``csrf_token`` field, or as the ``X-CSRF-Token`` header that htmx sends (set once on
   ``<body hx-headers>``). Another site can make the browser send the cookie but cannot read
   the token out of our pages.

Only page routes get the guard (``install_web`` adds it to their routers): they are the ones
a session cookie authenticates. The ``/v1`` API is authenticated by an API key or an
``Authorization: Bearer`` customer token, which a browser never attaches on its own, so it is
not subject to these checks.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import Request

from prefero.origins import origin_of

__all__ = [
    "FIELD",
    "HEADER",
    "CsrfRefused",
    "csrf_input",
    "csrf_token",
    "guard",
    "session_token",
]

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfRefused(Exception):
    """A state-changing request that did not come from this shop's pages; nothing ran."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def session_token(request: Request) -> str:
    """This session's token, created on first use (the session cookie carries it, signed)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


@pass_context
def csrf_token(context: Any) -> str:
    """The token, for templates (``base.html`` puts it in ``<body hx-headers>``)."""
    request: Request = context["request"]
    return session_token(request)


@pass_context
def csrf_input(context: Any) -> Markup:
    """The hidden field every ``<form method="post">`` carries: ``{{ csrf_input() }}``."""
    request: Request = context["request"]
    # Written once per page: a page of cards carries a form on each.
    field: Markup | None = getattr(request.state, "csrf_input", None)
    if field is None:
        field = Markup('<input type="hidden" name="{}" value="{}">').format(
            FIELD, session_token(request))
        request.state.csrf_input = field
    return field


def _check_origin(request: Request, trusted: frozenset[str]) -> None:
    own = origin_of(str(request.base_url))
    origin = request.headers.get("origin")
    if origin is not None:
        source, header = origin_of(origin), "Origin"
    else:
        referer = request.headers.get("referer")
        if referer is None:
            # Neither header: not a browser posting across sites (every current browser sends
            # Origin on a cross-origin POST), so the token alone decides.
            return
        source, header = origin_of(referer), "Referer"
    if source is None or (source != own and source not in trusted):
        raise CsrfRefused(f"the {header} header names a site that is not this shop")


async def _check_token(request: Request) -> None:
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if sent is None:
        # FastAPI has already parsed the form of a route with Form fields; Starlette caches
        # it, so this reads the body at most once.
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent:
        raise CsrfRefused("the form's security token is missing; reload the page")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("the form's security token does not match this session; "
                          "reload the page")


def guard(allowed_origins: Iterable[str]) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A route dependency that refuses (``CsrfRefused``) a state-changing request from
    anywhere but this app's own origin and ``allowed_origins``, or without the session's
    token. Safe methods pass untouched."""
    trusted = frozenset(o for o in map(origin_of, allowed_origins) if o is not None)

    async def check(request: Request) -> None:
        if request.method in SAFE_METHODS:
            return
        _check_origin(request, trusted)
        await _check_token(request)

    return check
