"""What a visitor did with the shop before signing in, moved to the account on merge: orders
and their delivery bookings, saved configurations, delivery wishes, the caps and dismissals
of on-site prompts, and (with the account's fit consent) measurements and fit feedback.

The visitor's customer row is deleted after the merge, and every one of these tables
cascades from it: whatever is not moved here is lost, so each table is named here on
purpose. Where both ids hold a single-row setting, the account's stays — except the prompts'
caps, where the stricter of the two wins (a visitor who said "Don't show me these" before
signing in meant it).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from prefero.configurators.models import SavedConfiguration
from prefero.delivery.models import DeliveryBooking, DeliveryWish
from prefero.fit.models import FitFeedback, FitProfile
from prefero.orders.service import move_orders
from prefero.prompts.models import PromptDismissal, PromptSetting, PromptShown

__all__ = ["move_shop_data"]


def _move_rows(session: Session, model: type, *, anonymous_id: str, customer_id: str) -> None:
    session.execute(update(model).where(model.customer_id == anonymous_id)  # type: ignore[attr-defined]
                    .values(customer_id=customer_id))


def _move_single(session: Session, model: type, *, anonymous_id: str,
                 customer_id: str) -> None:
    """A one-row-per-customer table: the visitor's row moves only where the account has
    none (the account's own choice stays)."""
    if session.get(model, customer_id) is None:
        _move_rows(session, model, anonymous_id=anonymous_id, customer_id=customer_id)


def _merge_caps(session: Session, *, anonymous_id: str, customer_id: str) -> None:
    theirs = session.get(PromptSetting, anonymous_id)
    if theirs is None:
        return
    mine = session.get(PromptSetting, customer_id)
    if mine is None:
        _move_rows(session, PromptSetting, anonymous_id=anonymous_id, customer_id=customer_id)
        return
    mine.off = mine.off or theirs.off
    mine.per_visit = min(mine.per_visit, theirs.per_visit)
    mine.gap_minutes = max(mine.gap_minutes, theirs.gap_minutes)


def _merge_dismissals(session: Session, *, anonymous_id: str, customer_id: str) -> None:
    held = set(session.scalars(select(PromptDismissal.prompt_key)
                               .where(PromptDismissal.customer_id == customer_id)))
    session.execute(delete(PromptDismissal).where(PromptDismissal.customer_id == anonymous_id,
                                                  PromptDismissal.prompt_key.in_(held)))
    _move_rows(session, PromptDismissal, anonymous_id=anonymous_id, customer_id=customer_id)


def move_shop_data(session: Session, *, anonymous_id: str, customer_id: str,
                   fit_consent: bool) -> None:
    """Give the visitor's shop data to the account (``fit_consent``: the account's consent
    to use measurements for fit, after the merge's consents moved; without it the visitor's
    measurements go with the visitor's row).

    >>> move_shop_data(session, anonymous_id="anon-1", customer_id="c-1",
    ...                fit_consent=False)  # doctest: +SKIP
    """
    ids = {"anonymous_id": anonymous_id, "customer_id": customer_id}
    # An order is the person's whatever they allowed to be tracked: it is what they bought,
    # and its delivery booking holds a place in a window.
    move_orders(session, **ids)
    _move_rows(session, DeliveryBooking, **ids)
    _move_rows(session, SavedConfiguration, **ids)
    _move_single(session, DeliveryWish, **ids)
    _merge_caps(session, **ids)
    _merge_dismissals(session, **ids)
    _move_rows(session, PromptShown, **ids)
    if fit_consent:
        _move_single(session, FitProfile, **ids)
        _move_rows(session, FitFeedback, **ids)
    session.flush()
