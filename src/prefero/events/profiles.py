"""Events of a household profile: an event's ``profile_id`` routes it to the customer row
that holds the profile's data (``prefero.customers.households``), so it feeds that
profile's recommendations and not the account's.

One query per batch, and none at all for a batch without profile ids: the ingest hot path
stays as cheap as before for shops that do not use households.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from prefero.customers.households import subjects_for
from prefero.events.schemas import ErrorItem, EventIn, RejectedEvent

__all__ = ["route_profiles"]


def route_profiles(session: Session, events: Sequence[EventIn], positions: Sequence[int]
                   ) -> tuple[list[EventIn], list[RejectedEvent]]:
    """Each event of a profile re-addressed to its subject; an event naming a profile the
    customer lacks is rejected at ``["events", <its position>, "profile_id"]``.

    >>> route_profiles(session, [EventIn(event_id="e", type="view", customer_id="c1",
    ...                                  profile_id="kids", product_id="p")], [0])
    ... # doctest: +SKIP
    ([EventIn(..., customer_id='c1~kids', profile_id=None, ...)], [])
    """
    pairs: set[tuple[str, str]] = set()
    for event in events:
        if event.profile_id is not None and event.customer_id is not None:
            pairs.add((event.customer_id, event.profile_id))
    if not pairs:
        return list(events), []
    subjects = subjects_for(session, pairs)
    routed: list[EventIn] = []
    rejected: list[RejectedEvent] = []
    for event, position in zip(events, positions, strict=True):
        if event.profile_id is None or event.customer_id is None:
            routed.append(event)
            continue
        subject = subjects.get((event.customer_id, event.profile_id))
        if subject is None:
            rejected.append(RejectedEvent(index=position, errors=[ErrorItem(
                loc=["events", position, "profile_id"],
                msg=f"the customer has no profile {event.profile_id!r}")]))
            continue
        routed.append(event if subject == event.customer_id
                      else event.model_copy(update={"customer_id": subject}))
    return routed, rejected
