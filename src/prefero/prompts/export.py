"""What the data export holds about a customer's prompts: their caps (when they set any),
the prompts they dismissed, and every prompt shown to them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.prompts.models import PromptDismissal, PromptSetting, PromptShown

__all__ = ["PromptDataExport", "exported_prompts"]


class _Caps(BaseModel):
    per_visit: int
    gap_minutes: int
    off: bool
    updated_at: datetime


class _Dismissal(BaseModel):
    prompt: str
    at: datetime


class _Shown(BaseModel):
    prompt: str
    visit: str = Field(description="The shop's id of the visit (empty: none was given)")
    trigger: str
    reasons: list[str] = Field(description="The reason codes it was explained by")
    at: datetime


class PromptDataExport(BaseModel):
    settings: _Caps | None = Field(description="null: the shop's defaults, never changed")
    dismissed: list[_Dismissal]
    shown: list[_Shown]


def exported_prompts(session: Session, customer_id: str) -> PromptDataExport:
    """The customer's prompt data, oldest first.

    >>> exported_prompts(session, "c1").shown[0].prompt  # doctest: +SKIP
    'cart-exit'
    """
    row = session.get(PromptSetting, customer_id)
    return PromptDataExport(
        settings=_Caps(per_visit=row.per_visit, gap_minutes=row.gap_minutes, off=row.off,
                       updated_at=row.updated_at) if row is not None else None,
        dismissed=[_Dismissal(prompt=d.prompt_key, at=d.at) for d in session.scalars(
            select(PromptDismissal).where(PromptDismissal.customer_id == customer_id)
            .order_by(PromptDismissal.at, PromptDismissal.prompt_key))],
        shown=[_Shown(prompt=s.prompt_key, visit=s.visit, trigger=s.trigger,
                      reasons=list(s.reasons), at=s.at) for s in session.scalars(
            select(PromptShown).where(PromptShown.customer_id == customer_id)
            .order_by(PromptShown.at, PromptShown.id))])
