"""A customer's exposures as the data export lists them: which experiments showed them
which arm, from when to when, how often."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.experiments.models import Experiment, ExperimentExposure

__all__ = ["ExposureRecord", "exported_exposures"]


class ExposureRecord(BaseModel):
    experiment: str = Field(description="The experiment's key")
    arm: str = Field(description="The arm's key")
    first_at: datetime = Field(description="The first time the arm was shown")
    last_at: datetime = Field(description="The last time the arm was shown")
    renders: int = Field(description="How many times it was shown")


def exported_exposures(session: Session, customer_id: str) -> list[ExposureRecord]:
    """The exposures that name the customer, the earliest first (for the data export).

    >>> exported_exposures(session, "c1")[0].arm  # doctest: +SKIP
    'treatment'
    """
    return [ExposureRecord(experiment=key, arm=row.arm_key, first_at=row.first_at,
                           last_at=row.last_at, renders=row.renders)
            for row, key in session.execute(
                select(ExperimentExposure, Experiment.key)
                .join(Experiment, Experiment.id == ExperimentExposure.experiment_id)
                .where(ExperimentExposure.unit_id == customer_id)
                .order_by(ExperimentExposure.first_at, ExperimentExposure.id))]
