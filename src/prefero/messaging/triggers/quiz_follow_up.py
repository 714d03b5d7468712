"""quiz_follow_up: some hours after a customer finished a quiz, its top results that can be
ordered now.

The results are computed again at scan time, exactly as the quiz shows them
(``prefero.quizzes.results.quiz_results`` under the customer's current rules), and only those
in stock that pass every hard rule are listed (at most ``MAX_LISTED``); none left, no
message. The scanner reads finished sessions in (completion time, id) order from where it
stopped, up to ``now - settings.quiz_follow_up_hours``, at most a batch per scan; the
occasion is the quiz session.

``MessageOffer.params`` (all text):

- ``quiz_id``, ``quiz_title`` (also as ``quiz``): the quiz (its title as stored, in the
  shop's language)
- ``products``: the listed products' titles, one per line, in ``product_ids`` order
- ``count``: how many are listed
- ``title``, ``brand``, ``category``, ``price``, ``currency``, ``product_id``: the first one
- ``because``: ``quiz``
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.errors import NotFound
from prefero.messaging import service
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.triggers.audience import facet_schema, product_params
from prefero.messaging.triggers.cursors import cursor_of, save_cursor
from prefero.quizzes.engine import Answer
from prefero.quizzes.models import QuizSession
from prefero.quizzes.publish import get_version
from prefero.quizzes.results import quiz_results
from prefero.recommend.catalog_index import CatalogIndex, build_catalog_index
from prefero.recommend.constraints import violations
from prefero.recommend.profile import load_profile

__all__ = ["MAX_LISTED", "NAME", "scan"]

NAME = "quiz_follow_up"
MAX_LISTED = 3
#: How far back the very first scan looks.
FIRST_LOOKBACK = timedelta(days=7)
#: Sessions handled per scan at most.
BATCH = 500


def scan(session: Session, now: datetime, settings: Settings, *, batch: int = BATCH) -> int:
    """Offer a follow-up for each quiz finished long enough ago; how many offers.

    >>> scan(session, now, settings)  # doctest: +SKIP
    1
    """
    cursor = cursor_of(session, NAME)
    until = now - timedelta(hours=settings.quiz_follow_up_hours)
    since = cursor.last_at or until - FIRST_LOOKBACK
    # Sessions ids are text, and the cursor keeps a number: it keeps how many sessions
    # finished at ``last_at`` itself were read (in id order), and those are skipped. So a
    # full batch of one moment moves on instead of reading itself again. The window ends
    # hours in the past, so no session finishing at ``last_at`` can appear later.
    seen_at_since = cursor.last_id if cursor.last_at is not None else 0
    if since > until or (since == until and seen_at_since == 0):
        return 0
    after = (QuizSession.completed_at >= since if seen_at_since
             else QuizSession.completed_at > since)
    rows = list(session.scalars(
        select(QuizSession).where(
            QuizSession.status == "completed", QuizSession.customer_id.is_not(None),
            after, QuizSession.completed_at <= until)
        .order_by(QuizSession.completed_at, QuizSession.id)
        .offset(seen_at_since).limit(batch)))
    last_at = rows[-1].completed_at if rows else None
    if last_at is not None and (len(rows) == batch or last_at == until):
        # Stop at the last session read: count those of its moment read so far.
        end_at, end_seen = last_at, sum(1 for r in rows if r.completed_at == last_at) + (
            seen_at_since if last_at == since else 0)
    else:
        end_at, end_seen = until, 0
    schema = facet_schema(settings)
    index: CatalogIndex | None = None
    offered = 0
    for row in rows:
        assert row.customer_id is not None  # selected so
        try:
            version, definition = get_version(session, row.quiz_id, row.version)
        except NotFound:
            continue  # the quiz is gone: nothing to follow up
        if index is None:  # read the catalogue once, and only when there is work
            index = build_catalog_index(session, schema)
        profile = load_profile(session, customer_id=row.customer_id, settings=settings)
        answers = [Answer.from_json(raw) for raw in row.answers or []]
        found = quiz_results(index, definition, answers, customer=profile, schema=schema,
                             currency=settings.shop_currency)
        ids = tuple(
            pick.product_id for pick in found.picks
            if (position := index.position.get(pick.product_id)) is not None
            and not violations(index, position, profile))[:MAX_LISTED]
        if not ids:
            continue
        products = {p.id: p for p in session.scalars(
            select(Product).where(Product.id.in_(ids)))}
        listed = [products[pid] for pid in ids if pid in products]
        if not listed:
            continue
        params = {**product_params(listed[0]), "quiz_id": row.quiz_id,
                  # ``quiz`` is the key the wording names it by.
                  "quiz_title": version.title, "quiz": version.title,
                  "products": "\n".join(p.title for p in listed),
                  "count": str(len(listed)), "because": "quiz"}
        service.offer(session, MessageOffer(
            customer_id=row.customer_id, trigger=Trigger.QUIZ_FOLLOW_UP,
            subject_key=f"quiz:{row.quiz_id}", occasion=row.id, params=params,
            product_ids=tuple(p.id for p in listed), occurred_at=row.completed_at),
            now=now, settings=settings)
        offered += 1
    save_cursor(cursor, now=now, last_at=end_at, last_id=end_seen)
    session.flush()
    return offered
