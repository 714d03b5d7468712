"""What we know about a customer, and complete erasure. No HTTP here.

Erasure is driven by the schema rather than by a hand-kept list: every table with a foreign
key to ``customers.id`` or a ``customer_id`` column is swept, so a table another area adds
later is erased too without touching this module (as long as its model is imported by
``prefero.db.models``, which Alembic needs anyway).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import Column, ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from prefero.analytics.counts import uncount_clicks
from prefero.audit.models import AuditEntry
from prefero.audit.schemas import CustomerAction
from prefero.audit.service import customer_actions, pseudonymise_customer
from prefero.boxes.service import exported_boxes
from prefero.catalog.facets import normalize_value
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.configurators.service import exported_configurations
from prefero.content.decisions import exported_decisions
from prefero.coupons.service import exported_coupons
from prefero.customers.consent import get_consents
from prefero.customers.household_models import HouseholdProfile
from prefero.customers.household_schemas import as_profile_kind
from prefero.customers.models import Customer, Preference, SuggestionDecision
from prefero.customers.preferences import DISMISS_FACET, get_preferences
from prefero.customers.repository import get_customer
from prefero.db.base import utcnow
from prefero.db.models import Base
from prefero.delivery.service import exported_delivery
from prefero.errors import NotFound
from prefero.events.models import Event, ProductActivity
from prefero.experiments.export import exported_exposures
from prefero.fit.export import exported_fit
from prefero.follows.service import exported_follows
from prefero.messaging.history import exported_messages
from prefero.messaging.terms import exported_message_terms
from prefero.messaging.triggers.watches import exported_watches
from prefero.orders.service import exported_orders
from prefero.privacy.models import ErasureReceipt
from prefero.privacy.retrain import request_retrain
from prefero.privacy.schemas import (
    Affinity,
    CustomerDataOut,
    DerivedItem,
    DismissedProduct,
    ErasureReceiptOut,
    EventOut,
    EventSummary,
    ProfileExport,
    ProfileOut,
    QuizSessionRecord,
    SuggestionDecisionRecord,
    TraitRecord,
)
from prefero.privacy.scrub import schedule_scrub
from prefero.prompts.export import exported_prompts
from prefero.quizzes.models import CustomerTrait, QuizSession
from prefero.segments.membership import exported_memberships

__all__ = ["LATEST_EVENTS", "customer_data", "erase_customer", "subject_hash"]

LATEST_EVENTS = 50
TOP_AFFINITIES = 5
# How much one interaction says about taste. Removals, dismissals and searches carry no
# product affinity (a dismissal is shown separately, as the customer's own statement).
_AFFINITY_WEIGHTS: dict[str, float] = {
    "purchase": 5.0,
    "add_to_cart": 3.0,
    "rating": 2.0,
    "rec_click": 1.0,
    "view": 1.0,
}
_WEIGHTS_TEXT = "purchase 5, add to cart 3, rating 2, view or recommendation click 1"
def subject_hash(customer_id: str, *, key: str) -> str:
    """The only trace an erasure keeps: a keyed hash (HMAC-SHA-256) of the id, so that a
    repeated request can be answered with the earlier receipt. Keyed, because an ordinary
    hash of a guessable id (an e-mail, a sequence number) is reversed by trying candidates.

    >>> subject_hash("c1", key="k")[:12]
    'e6c96bef3e7a'
    """
    return hmac.new(key.encode("utf-8"), customer_id.encode("utf-8"), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- export


def customer_data(session: Session, *, customer_id: str, settings: Settings) -> CustomerDataOut:
    """Everything held about the customer and everything derived from it; ``NotFound`` when
    the id is unknown (including after erasure).

    >>> customer_data(session, customer_id="c1", settings=settings).events.total
    ... # doctest: +SKIP
    12
    """
    customer = get_customer(session, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    preferences = get_preferences(session, customer_id=customer_id, settings=settings)
    profile = ProfileOut(
        anonymous=customer.anonymous,
        level=preferences.level,
        effective_level=preferences.effective_level,
        level_updated_at=customer.level_updated_at,
        exploration=customer.exploration,
        budget=preferences.budget,
        budget_updated_at=customer.budget_updated_at,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )
    return CustomerDataOut(
        customer_id=customer_id,
        generated_at=utcnow(),
        profile=profile,
        preferences=preferences,
        consents=get_consents(session, customer_id=customer_id, settings=settings),
        events=_event_summary(session, customer_id),
        dismissed_products=_dismissed(session, customer_id),
        derived=_derived(session, customer_id),
        traits=_traits(session, customer_id),
        quiz_sessions=_quiz_sessions(session, customer_id),
        suggestion_decisions=_suggestion_decisions(session, customer_id),
        content_decisions=exported_decisions(session, customer_id),
        segments=exported_memberships(session, customer_id),
        actions=[CustomerAction(at=entry.at, actor=entry.actor, action=entry.action)
                 for entry in customer_actions(session, customer_id=customer_id)],
        follows=exported_follows(session, customer_id),
        watches=exported_watches(session, customer_id),
        coupons=exported_coupons(session, customer_id, settings=settings),
        boxes=exported_boxes(session, customer_id),
        message_terms=exported_message_terms(session, customer_id),
        messages=exported_messages(session, customer_id),
        profiles=_profiles(session, customer_id, settings),
        experiments=exported_exposures(session, customer_id),
        fit=exported_fit(session, customer_id),
        delivery=exported_delivery(session, customer_id),
        prompts=exported_prompts(session, customer_id),
        orders=exported_orders(session, customer_id),
        configurations=exported_configurations(session, customer_id),
    )


def _profiles(session: Session, owner_id: str, settings: Settings) -> list[ProfileExport]:
    """The account's household profiles, each with its own full export (profiles do not
    nest: a profile's row owns none)."""
    rows = session.scalars(select(HouseholdProfile)
                           .where(HouseholdProfile.owner_id == owner_id)
                           .order_by(HouseholdProfile.position, HouseholdProfile.id))
    return [ProfileExport(profile_id=row.profile_key, name=row.name,
                          kind=as_profile_kind(row.kind),
                          data=customer_data(session, customer_id=row.subject_id,
                                             settings=settings))
            for row in rows]



def _traits(session: Session, customer_id: str) -> list[TraitRecord]:
    return [TraitRecord(trait=row.trait, value=row.value, source=row.source,
                        updated_at=row.updated_at)
            for row in session.scalars(select(CustomerTrait).where(
                CustomerTrait.customer_id == customer_id).order_by(CustomerTrait.trait))]


def _suggestion_decisions(session: Session, customer_id: str
                          ) -> list[SuggestionDecisionRecord]:
    return [SuggestionDecisionRecord(kind=row.kind, facet=row.facet, value=row.value,
                                     decision=row.decision, decided_at=row.decided_at)
            for row in session.scalars(select(SuggestionDecision).where(
                SuggestionDecision.customer_id == customer_id)
                .order_by(SuggestionDecision.decided_at, SuggestionDecision.id))]


def _quiz_sessions(session: Session, customer_id: str) -> list[QuizSessionRecord]:
    return [QuizSessionRecord(session_id=row.id, quiz_id=row.quiz_id, version=row.version,
                              status=row.status, stored=row.stored,
                              answers=list(row.answers or []), started_at=row.started_at,
                              completed_at=row.completed_at)
            for row in session.scalars(select(QuizSession).where(
                QuizSession.customer_id == customer_id)
                .order_by(QuizSession.started_at, QuizSession.id))]


def _event_summary(session: Session, customer_id: str) -> EventSummary:
    mine = Event.customer_id == customer_id
    by_type = {str(kind): int(count) for kind, count in session.execute(
        select(Event.type, func.count()).where(mine).group_by(Event.type).order_by(Event.type))}
    first_at, last_at = session.execute(
        select(func.min(Event.occurred_at), func.max(Event.occurred_at)).where(mine)).one()
    latest = session.scalars(select(Event).where(mine)
                             .order_by(Event.occurred_at.desc(), Event.id.desc())
                             .limit(LATEST_EVENTS))
    return EventSummary(
        total=sum(by_type.values()),
        by_type=by_type,
        first_at=first_at,
        last_at=last_at,
        latest=[EventOut(id=e.id, type=e.type, product_id=e.product_id, quantity=e.quantity,
                         price=e.price, rating=e.rating, query=e.query, placement=e.placement,
                         reason=e.reason, session_id=e.session_id, order_id=e.order_id,
                         size=e.size, occurred_at=e.occurred_at,
                         received_at=e.received_at) for e in latest],
    )


def _dismissed(session: Session, customer_id: str) -> list[DismissedProduct]:
    rows = session.execute(
        select(Preference, Product.title)
        .outerjoin(Product, Product.id == Preference.value)
        .where(Preference.customer_id == customer_id, Preference.kind == "dismiss",
               Preference.facet == DISMISS_FACET)
        .order_by(Preference.id))
    return [DismissedProduct(product_id=row.value, title=title, source=row.source,
                             dismissed_at=row.updated_at) for row, title in rows]


def _derived(session: Session, customer_id: str) -> list[DerivedItem]:
    counts = session.execute(
        select(Event.type, Product.brand, Product.category, func.count())
        .join(Product, Product.id == Event.product_id)
        .where(Event.customer_id == customer_id, Event.type.in_(list(_AFFINITY_WEIGHTS)))
        .group_by(Event.type, Product.brand, Product.category)).all()
    brands = _affinities((normalize_value(brand), kind, n) for kind, brand, _, n in counts
                         if brand and normalize_value(brand))
    categories = _affinities((category, kind, n) for kind, _, category, n in counts if category)
    source = (f"Computed when you ask, from your linked events ({_WEIGHTS_TEXT}); "
              "never stored.")
    return [
        DerivedItem(name="inferred_brand_affinity",
                    description=f"Brands you seem to like most. {source}",
                    stored=False, values=brands),
        DerivedItem(name="inferred_category_affinity",
                    description=f"Categories you seem to like most. {source}",
                    stored=False, values=categories),
    ]


def _affinities(rows: Iterable[tuple[str, str, int]]) -> list[Affinity]:
    scores: dict[str, float] = {}
    events: dict[str, int] = {}
    for value, kind, count in rows:
        scores[value] = scores.get(value, 0.0) + _AFFINITY_WEIGHTS[kind] * count
        events[value] = events.get(value, 0) + count
    total = sum(scores.values())
    if total <= 0:
        return []
    ranked = sorted(scores, key=lambda value: (-scores[value], value))[:TOP_AFFINITIES]
    return [Affinity(value=value, score=round(scores[value] / total, 4), events=events[value])
            for value in ranked]


# --------------------------------------------------------------------------- erasure


def _uncount(session: Session, customer_id: str) -> None:
    """Subtract the customer's stored events from the per-product, per-day counters (rows that
    reach zero go). Events ingested without tracking consent were never linked to anyone and
    cannot be told apart from anyone else's: they stay counted, anonymously."""
    counts: Counter[tuple[str, date, str]] = Counter(
        (str(product_id), occurred_at.date(), str(kind))
        for product_id, occurred_at, kind in session.execute(
            select(Event.product_id, Event.occurred_at, Event.type)
            .where(Event.customer_id == customer_id, Event.product_id.is_not(None))))
    # Sorted like ingest's upsert, so concurrent writers lock counter rows in one order.
    for (product_id, day, kind), n in sorted(counts.items()):
        where = (ProductActivity.product_id == product_id, ProductActivity.day == day,
                 ProductActivity.type == kind)
        session.execute(update(ProductActivity).where(*where)
                        .values(count=ProductActivity.count - n)
                        .execution_options(synchronize_session=False))
        session.execute(delete(ProductActivity).where(*where, ProductActivity.count <= 0)
                        .execution_options(synchronize_session=False))


def _customer_columns(table: Table) -> list[Column[object]]:
    """Columns that name a customer: a foreign key to customers.id or a ``customer_id``."""
    found: list[Column[object]] = []
    for column in table.columns:
        points_at_customer = any(fk.column.table.name == Customer.__tablename__
                                 for fk in column.foreign_keys)
        if points_at_customer or column.name == "customer_id":
            found.append(column)
    return found


def _through_parents(table: Table, customer_id: str) -> ColumnElement[bool] | None:
    """Rows of ``table`` that belong to the customer through a foreign key to a table that
    names the customer; None when ``table`` has no such parent."""
    conditions: list[ColumnElement[bool]] = []
    for fk in table.foreign_keys:
        parent = fk.column.table
        if not isinstance(parent, Table) or parent is Customer.__table__:
            continue
        owners = _customer_columns(parent)
        if owners:
            conditions.append(fk.parent.in_(select(fk.column).where(
                or_(*(c == customer_id for c in owners)))))
    return or_(*conditions) if conditions else None


def erase_customer(session: Session, *, customer_id: str, settings: Settings
                   ) -> ErasureReceiptOut:
    """Delete everything held about the customer and keep only a receipt.

    Every table naming the customer is swept explicitly (children first), so erasure does not
    depend on foreign-key cascades being enabled. What stays is an ``ErasureReceipt`` with
    ``subject_hash(customer_id, key=settings.erasure_key)`` and the time. Derived data is
    computed on request and never stored, so nothing else remains. Idempotent: erasing an id
    already erased answers the earlier receipt with ``already_erased=True``; an id never seen
    is ``NotFound``.

    >>> erase_customer(session, customer_id="c1", settings=settings).already_erased
    ... # doctest: +SKIP
    False
    """
    digest = subject_hash(customer_id, key=settings.erasure_key)
    # Write out whatever the caller has pending first: the expire_all() below must not drop it.
    session.flush()
    # Lock the row so that two erasures of one id queue up: the second finds the receipt.
    customer = session.scalars(select(Customer).where(Customer.id == customer_id)
                               .with_for_update()).first()
    if customer is None:
        earlier = session.scalars(select(ErasureReceipt)
                                  .where(ErasureReceipt.subject_hash == digest)
                                  .order_by(ErasureReceipt.id.desc())).first()
        if earlier is None:
            raise NotFound(f"no customer {customer_id!r}")
        # The audit entry of this very request names the id: it, too, keeps only the hash.
        pseudonymise_customer(session, customer_id=customer_id, subject=digest)
        return ErasureReceiptOut(subject_hash=digest, erased_at=earlier.erased_at,
                                 already_erased=True, deleted={})

    session.expunge(customer)
    # The anonymous per-product counters counted each of the customer's linked events once;
    # take them back out, so that popularity and trending no longer carry the customer.
    _uncount(session, customer_id)
    # So do the recommendation click counts, for the customer's linked clicks.
    uncount_clicks(session, customer_id)
    deleted: dict[str, int] = {}
    customers_table = Customer.__table__
    for table in reversed(Base.metadata.sorted_tables):
        if table is customers_table:
            continue
        columns = _customer_columns(table)
        if columns:
            condition = or_(*(c == customer_id for c in columns))
        else:
            # A child of the customer's rows that names no customer itself (a box's items
            # under its deliveries): deleted through its parent, not left to the cascade.
            through = _through_parents(table, customer_id)
            if through is None:
                continue
            condition = through
        result = session.execute(delete(table).where(condition))
        deleted[table.name] = int(getattr(result, "rowcount", 0))
    result = session.execute(delete(Customer).where(Customer.id == customer_id))
    deleted[Customer.__tablename__] = int(getattr(result, "rowcount", 0))
    # Objects loaded earlier in this unit of work must not be flushed back after the deletes.
    session.expire_all()

    pseudonymise_customer(session, customer_id=customer_id, subject=digest)
    if deleted.get(Event.__tablename__):
        # Their behaviour trained the current artefacts: retrain without it by a deadline.
        request_retrain(session, settings=settings)
    receipt = ErasureReceipt(subject_hash=digest, erased_at=utcnow())
    session.add(receipt)
    session.flush()
    # Deleted rows must not survive in free pages, the SQLite WAL or PostgreSQL dead tuples;
    # the scrub runs after this unit of work (SQLite) or from `prefero maintain` (PostgreSQL).
    schedule_scrub(session, tables=[name for name, count in deleted.items() if count]
                   + [ProductActivity.__tablename__, AuditEntry.__tablename__],
                   settings=settings)
    return ErasureReceiptOut(subject_hash=digest, erased_at=receipt.erased_at,
                             already_erased=False, deleted=deleted)
