"""The fit data of one customer for the data export ("what we know about you")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.fit.models import FitFeedback, FitProfile

__all__ = ["FitExport", "FitFeedbackRecord", "exported_fit"]


class FitFeedbackRecord(BaseModel):
    product_id: str
    size: str
    reason: str
    occurred_at: datetime


class FitExport(BaseModel):
    """Measurements in cm, the fit preference, and the returns that moved size advice."""

    chest: float | None = None
    waist: float | None = None
    hips: float | None = None
    height: float | None = None
    inseam: float | None = None
    foot_length: float | None = None
    fit: str | None = None
    updated_at: datetime | None = None
    feedback: list[FitFeedbackRecord] = []


def exported_fit(session: Session, customer_id: str) -> FitExport | None:
    """Everything held for fit about the customer, whatever the consent says now (an export
    lists what is held); None when nothing is.

    >>> exported_fit(session, "c1").chest  # doctest: +SKIP
    98.0
    """
    row = session.get(FitProfile, customer_id)
    feedback = [FitFeedbackRecord(product_id=f.product_id, size=f.size,
                                  reason=f.reason, occurred_at=f.occurred_at)
                for f in session.scalars(select(FitFeedback).where(
                    FitFeedback.customer_id == customer_id).order_by(FitFeedback.id))]
    if row is None and not feedback:
        return None
    if row is None:
        return FitExport(feedback=feedback)
    return FitExport(chest=row.chest, waist=row.waist, hips=row.hips, height=row.height,
                     inseam=row.inseam, foot_length=row.foot_length, fit=row.fit,
                     updated_at=row.updated_at, feedback=feedback)
