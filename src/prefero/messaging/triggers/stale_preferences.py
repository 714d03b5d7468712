"""stale_preference: a declared value has gone past its freshness window; ask the customer
whether it still holds (``prefero.customers.freshness`` says when a value is stale).

One offer per stale value per window: the occasion is the number of whole windows since the
value was last confirmed, so a value left unconfirmed is asked about again one window later
(and then its weight, if it is a like, has halved again), never twice in one window. The scan
offers for every value that entered a new window since the last scan (on the first scan:
every value stale now); the outbox's dedup key absorbs a repeat after a crash. Whether the
message goes, and by which channel, is the messaging policy's decision (consent per channel,
the trigger switched on, caps, quiet hours).

``MessageOffer.params`` (all text, in the customer's messaging language):

- ``facet``: what the value is about as the shopper reads it ("Allergens", "Size (Fashion ›
  Kids)")
- ``value``: the value as the shopper reads it, a rule with its sense ("never gluten",
  "only vegan"), a size as the catalogue writes it ("EU 43")
- ``months``: whole months since it was last declared or confirmed
- ``kind``: like, never, must or size
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.catalog.facets import FacetSchema
from prefero.catalog.models import Product
from prefero.config import Settings
from prefero.customers.confirmation import CONFIRMABLE_KINDS
from prefero.customers.freshness import DAY_SECONDS, confirmed_at, freshness, window_days
from prefero.customers.models import Customer, Preference
from prefero.customers.preferences import SIZE_FACET
from prefero.i18n.catalogues import N_, translations
from prefero.messaging import service
from prefero.messaging.kinds import Trigger
from prefero.messaging.offers import MessageOffer
from prefero.messaging.terms import read_terms
from prefero.messaging.triggers.audience import facet_schema
from prefero.messaging.triggers.cursors import cursor_of, save_cursor

__all__ = ["NAME", "scan", "subject_key", "value_words"]

NAME = "stale_preference"
# A subject key longer than this is hashed (the outbox column holds 500 characters).
_MAX_SUBJECT = 200
_NEVER = N_("never {what}")
_ONLY = N_("only {what}")
_SIZE_IN = N_("{size} ({category})")


def subject_key(pref: Preference) -> str:
    """What the message is about: one stored value (hashed when long).

    >>> subject_key(Preference(kind="never", facet="allergens", value="gluten"))
    'preference:never:allergens:gluten'
    """
    text = f"preference:{pref.kind}:{pref.facet}:{pref.value}"
    if len(text) <= _MAX_SUBJECT:
        return text
    return f"preference:{pref.kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def _size_shown(value: str) -> str:
    """A stored (case-folded) size with its short letter groups capitalised ("EU 43")."""
    parts = value.split(" ")
    if any(part.isalpha() and len(part) > 3 for part in parts):
        return value
    return " ".join(part.upper() if part.isalpha() else part for part in parts)


def value_words(session: Session, pref: Preference, *, schema: FacetSchema,
                language: str) -> tuple[str, str]:
    """(facet, value) as a shopper of ``language`` reads them; never a raw stored form.

    >>> value_words(session, Preference(kind="never", facet="allergens", value="gluten"),
    ...             schema=schema, language="pl")  # doctest: +SKIP
    ('Alergeny', 'nigdy gluten')
    """
    say = translations(language).gettext
    if pref.kind == "size":
        return (say(_SIZE_IN).format(size=schema.label_in(SIZE_FACET, language),
                                     category=schema.path_in(pref.facet, language)),
                _size_shown(pref.value))
    definition = schema.get(pref.facet)
    if definition is not None and definition.type == "boolean":
        what = say(N_("Yes")) if pref.value == "true" else say(N_("No"))
    elif pref.facet == "category" or (definition is not None
                                      and definition.type == "category_path"):
        what = schema.path_in(pref.value, language)
    else:
        shown = None
        if pref.facet == "brand":  # the shop's own spelling ("H&M", not "h&m")
            shown = session.scalar(select(Product.brand).where(
                func.lower(Product.brand) == pref.value).limit(1))
        what = schema.value_in(pref.facet, pref.value, language, shown=shown)
    if pref.kind == "never":
        what = say(_NEVER).format(what=what)
    elif pref.kind == "must":
        what = say(_ONLY).format(what=what)
    return schema.label_in(pref.facet, language), what


def _shortest_window(settings: Settings) -> int:
    return min([settings.freshness_days, settings.freshness_size_days,
                *settings.freshness_facet_days.values(),
                *settings.freshness_size_category_days.values()])


def _entered_at(pref: Preference, windows: int, settings: Settings) -> datetime:
    """When ``pref`` entered its ``windows``-th window past its confirmation."""
    window = window_days(kind=pref.kind, facet=pref.facet, settings=settings) or 0
    return confirmed_at(pref) + timedelta(seconds=windows * window * DAY_SECONDS)


def scan(session: Session, now: datetime, settings: Settings) -> int:
    """Offer a re-confirmation for each value that entered a new stale window since the last
    scan; how many offers.

    >>> scan(session, now, settings)  # doctest: +SKIP
    2
    """
    cursor = cursor_of(session, NAME)
    since = cursor.last_at
    # Nothing confirmed within the shortest window can be stale: the database leaves it out.
    oldest = now - timedelta(days=_shortest_window(settings))
    rows = session.scalars(
        select(Preference).join(Customer, Customer.id == Preference.customer_id)
        .where(Preference.kind.in_(CONFIRMABLE_KINDS), Customer.anonymous.is_(False),
               func.coalesce(Preference.confirmed_at, Preference.updated_at) <= oldest)
        .order_by(Preference.customer_id, Preference.id))
    schema = facet_schema(settings)
    languages: dict[str, str] = {}
    offered = 0
    for pref in rows:
        state = freshness(pref, now=now, settings=settings)
        if not state.stale:
            continue
        if since is not None and _entered_at(pref, state.windows, settings) <= since:
            continue  # offered for this window by an earlier scan
        language = languages.get(pref.customer_id)
        if language is None:
            language = languages[pref.customer_id] = read_terms(
                session, customer_id=pref.customer_id, settings=settings).locale
        facet, value = value_words(session, pref, schema=schema, language=language)
        service.offer(session, MessageOffer(
            customer_id=pref.customer_id, trigger=Trigger.STALE_PREFERENCE,
            # The confirmation belongs to the occasion: once re-confirmed, the count of
            # windows starts again at one, and the next reminder must not pass for the first.
            subject_key=subject_key(pref),
            occasion=f"{confirmed_at(pref).isoformat()}#{state.windows}",
            params={"facet": facet, "value": value, "months": str(state.months),
                    "kind": pref.kind},
            occurred_at=_entered_at(pref, state.windows, settings)),
            now=now, settings=settings)
        offered += 1
    save_cursor(cursor, now=now, last_at=now)
    session.flush()
    return offered
