"""The customer's caps on prompts and what they count: the settings (at most ``per_visit``
a visit, at least ``gap_minutes`` apart, or none at all), the prompts dismissed for good, and
the log of prompts shown.

A visit is the shop's (its visit id); a new visit id cannot start the count again within
``VISIT_WINDOW`` (a visit lasts at least that long, as ``prefero.content.visitor`` counts a
session), so a page that made up a visit id per request would still see one prompt a visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from prefero.content.visitor import RETURNING_AFTER
from prefero.customers.models import ANONYMOUS_PREFIX
from prefero.customers.repository import ensure_customers
from prefero.prompts.models import PromptDismissal, PromptSetting, PromptShown
from prefero.prompts.reasons import caps_text
from prefero.prompts.schemas import PromptSettingsIn, PromptSettingsOut

__all__ = [
    "DEFAULT_CAPS",
    "VISIT_WINDOW",
    "Caps",
    "caps_of",
    "dismiss",
    "dismissed_keys",
    "ensure_person",
    "last_shown_at",
    "prompt_settings",
    "save_settings",
    "shown_this_visit",
    "undismiss_all",
]

#: However the shop numbers visits, the prompts of the last this-long count as this visit's.
VISIT_WINDOW = RETURNING_AFTER


@dataclass(frozen=True)
class Caps:
    per_visit: int
    gap_minutes: int
    off: bool


#: Never more than one prompt a visit, and half an hour between two, until the customer
#: says otherwise.
DEFAULT_CAPS = Caps(per_visit=1, gap_minutes=30, off=False)


def ensure_person(session: Session, customer_id: str) -> None:
    """The customer row the caps hang on (an anonymous visitor's marked as anonymous)."""
    ensure_customers(session, {customer_id: customer_id.startswith(ANONYMOUS_PREFIX)})


def caps_of(session: Session, customer_id: str) -> tuple[Caps, bool]:
    """The caps in force and whether they are the defaults (never changed).

    >>> # caps_of(session, "c1") -> (Caps(per_visit=1, gap_minutes=30, off=False), True)
    """
    row = session.get(PromptSetting, customer_id)
    if row is None:
        return DEFAULT_CAPS, True
    return Caps(per_visit=row.per_visit, gap_minutes=row.gap_minutes, off=row.off), False


def dismissed_keys(session: Session, customer_id: str) -> list[str]:
    """The keys of the prompts the customer dismissed, by key."""
    return list(session.scalars(select(PromptDismissal.prompt_key)
                                .where(PromptDismissal.customer_id == customer_id)
                                .order_by(PromptDismissal.prompt_key)))


def prompt_settings(session: Session, customer_id: str, *, language: str
                    ) -> PromptSettingsOut:
    """The caps as the customer sees them, with the dismissed prompts and the caps in words.

    >>> # prompt_settings(session, "c1", language="en").text
    >>> # 'At most 1 suggestion like this per visit. At least 30 minutes between two of them.'
    """
    caps, defaults = caps_of(session, customer_id)
    return PromptSettingsOut(
        per_visit=caps.per_visit, gap_minutes=caps.gap_minutes, off=caps.off,
        dismissed=dismissed_keys(session, customer_id), defaults=defaults,
        text=caps_text(per_visit=caps.per_visit, gap_minutes=caps.gap_minutes, off=caps.off,
                       language=language))


def save_settings(session: Session, customer_id: str, change: PromptSettingsIn, *,
                  now: datetime, language: str) -> PromptSettingsOut:
    """Change the fields ``change`` gives (creating the customer when new); the rest stays.

    >>> # save_settings(session, "c1", PromptSettingsIn(off=True), now=now,
    >>> #               language="en").off -> True
    """
    ensure_person(session, customer_id)
    row = session.get(PromptSetting, customer_id)
    if row is None:
        row = PromptSetting(customer_id=customer_id, per_visit=DEFAULT_CAPS.per_visit,
                            gap_minutes=DEFAULT_CAPS.gap_minutes, off=DEFAULT_CAPS.off)
        session.add(row)
    if change.per_visit is not None:
        row.per_visit = change.per_visit
    if change.gap_minutes is not None:
        row.gap_minutes = change.gap_minutes
    if change.off is not None:
        row.off = change.off
    row.updated_at = now
    session.flush()
    return prompt_settings(session, customer_id, language=language)


def dismiss(session: Session, customer_id: str, prompt_key: str, *, now: datetime) -> None:
    """Remember that the customer never wants prompt ``prompt_key`` again; idempotent."""
    ensure_person(session, customer_id)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(PromptDismissal).values(
        customer_id=customer_id, prompt_key=prompt_key, at=now).on_conflict_do_nothing())
    session.flush()


def undismiss_all(session: Session, customer_id: str) -> int:
    """Forget every dismissal (the preference center's "show them again"); answers how many."""
    result = session.execute(delete(PromptDismissal)
                             .where(PromptDismissal.customer_id == customer_id))
    return int(getattr(result, "rowcount", 0) or 0)


def shown_this_visit(session: Session, customer_id: str, *, visit: str | None,
                     now: datetime) -> int:
    """How many prompts the customer was shown in this visit: with its id, or within
    ``VISIT_WINDOW``."""
    recent = PromptShown.at > now - VISIT_WINDOW
    condition = recent if visit is None else or_(PromptShown.visit == visit, recent)
    return int(session.scalar(select(func.count()).select_from(PromptShown).where(
        PromptShown.customer_id == customer_id, condition)) or 0)


def last_shown_at(session: Session, customer_id: str) -> datetime | None:
    """When the customer was last shown a prompt."""
    return session.scalar(select(func.max(PromptShown.at))
                          .where(PromptShown.customer_id == customer_id))
