"""What the preference center's "Messages" section shows: every trigger with its switch,
every channel with the consent it needs (and whether this shop can deliver by it), the caps
(as set and after fatigue), quiet hours, the preferred send time, the language, and the
history of what was sent and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.repository import get_customer
from prefero.db.base import utcnow
from prefero.i18n.catalogues import N_
from prefero.messaging.history import MessageOut, message_history
from prefero.messaging.kinds import Channel, Trigger
from prefero.messaging.terms import MessageTermsOut, describe_terms
from prefero.messaging.wording import TRIGGER_DESCRIPTIONS, TRIGGER_NAMES, WHY

__all__ = ["CHANNEL_NAMES", "MessageSection", "message_section"]

CHANNEL_NAMES: dict[Channel, str] = {
    Channel.EMAIL: N_("E-mail"), Channel.PUSH: N_("Push notifications"),
    Channel.INBOX: N_("Inbox on this site"), Channel.WEBHOOK: N_("The shop's own service"),
}


@dataclass(frozen=True)
class MessageSection:
    terms: MessageTermsOut
    history: list[MessageOut]
    trigger_names: dict[Trigger, str]
    why: dict[Trigger, str]
    channel_names: dict[Channel, str]
    defaults_only: bool
    #: What each switch turns on or off (the "why" is what a message itself says).
    descriptions: dict[Trigger, str] = field(default_factory=lambda: TRIGGER_DESCRIPTIONS)
    #: The languages a message can be written in, by code, each named in its own language.
    languages: tuple[tuple[str, str], ...] = (("en", "English"), ("pl", "Polski"))


def message_section(session: Session, *, customer_id: str, settings: Settings
                    ) -> MessageSection:
    """The section's data; a visitor never seen gets the shop's defaults and no history."""
    known = get_customer(session, customer_id) is not None
    terms = describe_terms(session, customer_id=customer_id, settings=settings, now=utcnow())
    history = (message_history(session, customer_id=customer_id, limit=20).items if known
               else [])
    return MessageSection(terms, history, TRIGGER_NAMES, WHY, CHANNEL_NAMES, not known)
