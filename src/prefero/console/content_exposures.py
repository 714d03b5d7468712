"""How often each content slot showed each of its variants lately, read from the exposure
log (``prefero.content.decisions``): what the dashboard's content page shows beside every
variant.

One grouped count over the log's ``(slot_key, at)`` index for the window asked; choices
still waiting in a process to be written (at most ``decisions.FLUSH_SECONDS``) are not in it
yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.content.models import ContentDecision
from prefero.db.base import utcnow

__all__ = ["WINDOW", "Shown", "shown_counts"]

#: The window the dashboard counts over.
WINDOW = timedelta(days=7)

#: slot key → variant key → times shown (the control group's fallback counted under its key).
Shown = Mapping[str, Mapping[str, int]]


def shown_counts(session: Session, *, since: datetime | None = None) -> Shown:
    """Times each variant was shown since ``since`` (default: ``WINDOW`` ago). Choices that
    showed nothing are not counted.

    >>> shown_counts(session)["home-hero"]["everyone"]  # doctest: +SKIP
    1204
    """
    since = since if since is not None else utcnow() - WINDOW
    counts: dict[str, dict[str, int]] = {}
    for slot_key, variant_key, shown in session.execute(  # variant_key: never null here
            select(ContentDecision.slot_key, ContentDecision.variant_key, func.count())
            .where(ContentDecision.at >= since, ContentDecision.variant_key.is_not(None))
            .group_by(ContentDecision.slot_key, ContentDecision.variant_key)):
        counts.setdefault(slot_key, {})[str(variant_key)] = int(shown)
    return counts
