"""Follow and unfollow buttons on the storefront (product and category pages) and the
"New from what you follow" section of the home page.

Each button is a form posting to ``/follows`` (follow) or ``/follows/remove`` (unfollow)
with the CSRF token; htmx swaps the button for its new state in place, and without
JavaScript the answer is ``303 See Other`` back to the page. The customer is always the
session's visitor: no route reads a customer id from the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.db.base import utcnow
from prefero.errors import Conflict, InvalidInput
from prefero.follows import service
from prefero.follows.models import Follow
from prefero.follows.new_arrivals import NewArrival, new_from_followed
from prefero.i18n.catalogues import N_
from prefero.recommend.catalog_index import CatalogIndex
from prefero.recommend.profile import CustomerProfile
from prefero.runtime import Runtime
from prefero.web.i18n import translator
from prefero.web.identity import visitor
from prefero.web.render import page

__all__ = ["FollowButton", "NewCard", "NewGroup", "follow_buttons", "new_arrival_cards",
           "router"]

router = APIRouter()

NEW_N = 8

_UNKNOWN = N_("This shop has no such brand or category any more.")
_TOO_MANY = N_("You follow as many brands and categories as you can. Unfollow one in your "
               "preferences first.")


@dataclass(frozen=True)
class FollowButton:
    kind: str
    value: str  # as stored: what the form posts back
    label: str  # a brand as the shop writes it; a category path (the template words it)
    following: bool
    problem: str | None = None


def follow_buttons(session: Session, *, index: CatalogIndex, customer_id: str,
                   wanted: list[tuple[str, str | None]]) -> list[FollowButton]:
    """The buttons for ``wanted`` (kind, value as products hold it) that the catalogue
    carries, each saying whether the visitor follows it already (one query for all)."""
    pairs: list[tuple[str, str]] = []
    for kind, raw in wanted:
        if not raw:
            continue
        value = service.compared_value(index, kind=kind, value=raw)
        if (kind, value) in index.postings and (kind, value) not in pairs:
            pairs.append((kind, value))
    if not pairs:
        return []
    held = {(str(k), str(v)) for k, v in session.execute(
        select(Follow.kind, Follow.value).where(
            Follow.customer_id == customer_id,
            Follow.value.in_([value for _kind, value in pairs])))}
    return [FollowButton(kind, value, index.label(kind, value) if kind == "brand" else value,
                         (kind, value) in held) for kind, value in pairs]


@dataclass(frozen=True)
class NewCard:
    """What ``storefront/_card.html`` reads, for a product new from a followed brand or
    category; ``arrival`` keeps why it is here."""

    arrival: NewArrival
    reasons: tuple[str, ...]
    exploring: bool = False
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    follow: str = ""

    @property
    def product_id(self) -> str:
        return self.arrival.product_id

    @property
    def title(self) -> str:
        return self.arrival.title

    @property
    def price(self) -> float:
        return self.arrival.price

    @property
    def currency(self) -> str:
        return self.arrival.currency

    @property
    def category(self) -> str:
        return self.arrival.category


@dataclass(frozen=True)
class NewGroup:
    """The cards one follow brought, under the sentence that says so."""

    why: str
    cards: list[NewCard]


def new_arrival_cards(session: Session, runtime: Runtime, *, profile: CustomerProfile,
                      index: CatalogIndex, language: str) -> list[NewGroup]:
    """The home section: the newest products of what the visitor follows, grouped by the
    follow that brought them (the group of the newest product first), each group headed by
    why it is there ("New from Acme, which you follow")."""
    t = translator(language)
    arrivals = new_from_followed(
        session, profile=profile, index=index, now=utcnow(), n=NEW_N,
        window=timedelta(days=runtime.settings.follows_new_days))
    groups: dict[tuple[str, str], NewGroup] = {}
    for arrival in arrivals:
        key = (arrival.kind, arrival.value)
        if key not in groups:
            if arrival.kind == "brand":
                why = t("New from {brand}, which you follow", brand=arrival.label)
            else:
                why = t("New in {category}, which you follow",
                        category=runtime.facet_schema.path_in(arrival.value, language))
            groups[key] = NewGroup(why, [])
        groups[key].cards.append(NewCard(arrival, reasons=(groups[key].why,)))
    return list(groups.values())


def _local(path: str) -> str:
    """Only a path on this site may be a redirect target (no open redirect)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _answer(request: Request, session: Session, runtime: Runtime, button: FollowButton,
            back: str) -> Response:
    if request.headers.get("hx-request") == "true":
        return page(request, "storefront/_follow_button.html", session=session,
                    runtime=runtime, button=button, back=back)
    if button.problem is not None:
        return page(request, "storefront/not_found.html", session=session, runtime=runtime,
                    status_code=409 if button.problem == _TOO_MANY else 422,
                    message=button.problem)
    return RedirectResponse(_local(back), status_code=303)


Kind = Annotated[str, Form(max_length=10)]
Value = Annotated[str, Form(min_length=1, max_length=500)]
Back = Annotated[str, Form(max_length=2000)]


@router.post("/follows")
def follow_route(request: Request, session: DbSession, runtime: Rt, kind: Kind,
                 value: Value, back: Back = "/") -> Response:
    """Follow a brand or category from a storefront page."""
    who = visitor(request)
    index = runtime.recommender.snapshot(session)[0]
    label = index.label(kind, value) if kind == "brand" else value
    try:
        service.follow(session, customer_id=who.customer_id, kind=kind, value=value,
                       index=index, settings=runtime.settings)
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        problem = _TOO_MANY if isinstance(exc, Conflict) else _UNKNOWN
        return _answer(request, session, runtime,
                       FollowButton(kind, value, label, False, problem), back)
    return _answer(request, session, runtime, FollowButton(kind, value, label, True), back)


@router.post("/follows/remove")
def unfollow_route(request: Request, session: DbSession, runtime: Rt, kind: Kind,
                   value: Value, back: Back = "/") -> Response:
    """Stop following, from a storefront page."""
    who = visitor(request)
    index = runtime.recommender.snapshot(session)[0]
    service.unfollow(session, customer_id=who.customer_id, kind=kind, value=value,
                     index=index)
    label = index.label(kind, value) if kind == "brand" else value
    return _answer(request, session, runtime, FollowButton(kind, value, label, False), back)
