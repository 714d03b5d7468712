"""``/v1/customers/{customer_id}/profiles/{profile_id}/...``: every customer route, for one
profile of a household, without a second copy of each route.

The path is rewritten to the route's own path for the profile's subject (the customer row
that holds the profile's data, ``prefero.customers.households``) before routing, so the
route, its validation, its audit entry and its answer are the ones it has for any customer.
Paths that are not under ``/v1/customers/{id}`` (recommendations, search) get the subject as
their ``customer_id`` query parameter.

Who may: an API key as for the route itself (its scopes are checked by the route), or the
account's own customer token, which is then carried to the route as acting for the subject;
another customer's token is refused (403) before the profile is even looked up, so it cannot
tell which profiles exist. Consent belongs to the account holder: consent paths under a
profile are 409, and paths that make sense for an account only (tokens, merge, profiles)
404.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from prefero.api.errors import problem
from prefero.api.principal import Principal
from prefero.customers.household_consent import ConsentBelongsToHolder
from prefero.customers.household_schemas import MAIN_PROFILE, PROFILE_KEY_PATTERN
from prefero.customers.households import subject_for
from prefero.errors import Forbidden, NotFound, PreferoError
from prefero.runtime import Runtime

__all__ = ["ProfilePathMiddleware", "install_profile_paths"]

_PATH = re.compile(r"^/v1/customers/(?P<owner>[^/]+)/profiles/(?P<profile>[^/]+)/"
                   r"(?P<rest>.+)$")
_KEY = re.compile(PROFILE_KEY_PATTERN)
# Routes whose person is a query parameter, not a path segment.
_BY_QUERY = {"recommendations": "/v1/recommendations", "search": "/v1/search",
             "search/suggest": "/v1/search/suggest"}
# The account's business, not a profile's.
_ACCOUNT_ONLY = ("tokens", "merge", "profiles")


def _first(rest: str) -> str:
    return rest.split("/", 1)[0]


class ProfilePathMiddleware:
    """Rewrites a profile's path to its subject's, after checking who may reach it."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    def _subject(self, owner: str, profile: str) -> str:
        with self.runtime.session() as session:
            return subject_for(session, owner_id=owner, profile_id=profile)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        owner, profile, rest = match["owner"], match["profile"], match["rest"]
        try:
            subject = await self._resolve(scope, owner, profile, rest)
        except PreferoError as error:
            answer = problem(error.status, error.slug, error.title, error.detail,
                             [e.as_dict() for e in error.errors] or None)
            await answer(scope, receive, send)
            return
        scope = dict(scope)
        if rest in _BY_QUERY:
            path = _BY_QUERY[rest]
            query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode(
                "latin-1"), keep_blank_values=True) if k != "customer_id"]
            query.append(("customer_id", subject))
            scope["query_string"] = urlencode(query).encode("latin-1")
        else:
            path = f"/v1/customers/{subject}/{rest}"
        scope["path"] = path
        scope["raw_path"] = quote(path, safe="/~").encode("ascii")
        await self.app(scope, receive, send)

    async def _resolve(self, scope: Scope, owner: str, profile: str, rest: str) -> str:
        principal = scope.get("state", {}).get("principal")
        if isinstance(principal, Principal) and principal.is_customer \
                and principal.customer_id != owner:
            raise Forbidden("a customer token reaches only its own household's profiles")
        if _first(rest) == "consents":
            raise ConsentBelongsToHolder(
                "consent belongs to the account holder: read and record it at "
                f"/v1/customers/{owner}/consents; it applies to every profile")
        if _first(rest) in _ACCOUNT_ONLY or not _KEY.match(profile):
            raise NotFound(f"no such path for the profile {profile!r}")
        subject = owner if profile == MAIN_PROFILE else \
            await run_in_threadpool(self._subject, owner, profile)
        if isinstance(principal, Principal) and principal.is_customer:
            # The route's "own customer" check then lets the account's token through for
            # the subject, and for nothing else (the audit still names the account).
            scope["state"]["principal"] = replace(principal, customer_id=subject)
        return subject


def install_profile_paths(app: FastAPI, runtime: Runtime) -> None:
    """Serve every customer route under ``/v1/customers/{id}/profiles/{profile_id}/``. Install
    it before the authentication gate (so that it runs after it: the gate finds the caller)."""
    app.add_middleware(ProfilePathMiddleware, runtime=runtime)
