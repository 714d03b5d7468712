"""What withdrawing the ``fit`` consent does: the measurements, fit preference and fit
feedback of the account and of every profile of its household are deleted in the same
transaction. Sensitive data kept without a purpose is a liability, and granting the consent
again starts from nothing."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prefero.customers.household_models import HouseholdProfile
from prefero.fit.models import FitFeedback, FitProfile

__all__ = ["forget_fit"]


def forget_fit(session: Session, *, customer_id: str) -> int:
    """Delete everything held for fit about ``customer_id`` and its household's profiles;
    answers how many rows went.

    >>> forget_fit(session, customer_id="c1")  # doctest: +SKIP
    2
    """
    subjects = select(HouseholdProfile.subject_id).where(
        HouseholdProfile.owner_id == customer_id).scalar_subquery()
    gone = 0
    for model in (FitProfile, FitFeedback):
        result = session.execute(delete(model).where(
            (model.customer_id == customer_id) | model.customer_id.in_(subjects)))
        gone += int(getattr(result, "rowcount", 0) or 0)
    return gone
