"""The storefront's inbox: the messages delivered to the account's in-app inbox, newest
first, and one message opened (which marks it read). The account holder's inbox, whichever
household profile the pages follow: messages and consent belong to the account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from fastapi import APIRouter, Path, Query
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt, WriteSession
from prefero.catalog.models import Product
from prefero.customers.models import Customer
from prefero.db.base import utcnow
from prefero.errors import InvalidInput, NotFound
from prefero.messaging import inbox_service
from prefero.messaging.inbox_service import InboxMessageOut
from prefero.web.i18n import language_of
from prefero.web.identity import visitor
from prefero.web.render import page

__all__ = ["router"]

router = APIRouter()

_PAGE_SIZE = 20


@dataclass(frozen=True)
class Link:
    url: str
    #: The product's title when the link is a product page of this shop, else None (the
    #: page then says "See the product").
    title: str | None


@dataclass(frozen=True)
class Shown:
    message: InboxMessageOut
    sent: str
    links: tuple[Link, ...]


def _zone(session: DbSession, runtime: Rt, account_id: str) -> ZoneInfo:
    """The customer's time zone, else the shop's: a message "sent at 9:00" means their 9:00."""
    declared = session.scalar(select(Customer.time_zone).where(Customer.id == account_id))
    for name in (declared, runtime.settings.content_time_zone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _shown(session: DbSession, messages: list[InboxMessageOut], *, language: str,
           zone: ZoneInfo) -> list[Shown]:
    # Product pages (/p/<id>) are named by their titles, in one read for the whole page.
    ids = {urlsplit(url).path.removeprefix("/p/") for message in messages
           for url in message.links if urlsplit(url).path.startswith("/p/")}
    titles = dict(session.execute(select(Product.id, Product.title)
                                  .where(Product.id.in_(ids))).all()) if ids else {}

    def when(moment: datetime) -> str:
        return format_datetime(moment.astimezone(zone), format="medium", locale=language)

    return [Shown(message=message, sent=when(message.sent_at),
                  links=tuple(Link(url=url, title=titles.get(
                      urlsplit(url).path.removeprefix("/p/"))) for url in message.links))
            for message in messages]


@router.get("/inbox")
def inbox_page(request: Request, session: DbSession, runtime: Rt,
               cursor: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    who = visitor(request)
    language = language_of(request)
    try:
        found = inbox_service.inbox(session, customer_id=who.account_id, limit=_PAGE_SIZE,
                                    cursor=cursor)
    except InvalidInput:
        # A cursor from an old bookmark: the inbox from its newest message.
        found = inbox_service.inbox(session, customer_id=who.account_id, limit=_PAGE_SIZE)
    shown = _shown(session, found.items, language=language,
                   zone=_zone(session, runtime, who.account_id))
    return page(request, "storefront/inbox.html", session=session, runtime=runtime,
                messages=shown, unread=found.unread, next_cursor=found.next_cursor,
                opened=None)


@router.get("/inbox/{message_id}")
def message_page(request: Request, session: WriteSession, runtime: Rt,
                 message_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Response:
    """One message, opened: marked read (a GET that writes, as following an e-mail's link
    does; marking read twice keeps the first time)."""
    who = visitor(request)
    try:
        message = inbox_service.mark_read(session, customer_id=who.account_id,
                                          message_id=message_id, now=utcnow())
    except NotFound:
        return page(request, "storefront/inbox.html", session=session, runtime=runtime,
                    messages=[], unread=0, next_cursor=None, opened=None, missing=True,
                    status_code=404)
    [shown] = _shown(session, [message], language=language_of(request),
                     zone=_zone(session, runtime, who.account_id))
    return page(request, "storefront/inbox.html", session=session, runtime=runtime,
                messages=[], unread=inbox_service.unread_count(
                    session, customer_id=who.account_id),
                next_cursor=None, opened=shown)
