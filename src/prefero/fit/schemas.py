"""Measurements and size advice as the API reads and answers them, and as the data export
lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prefero.fit.measurements import MEASURES, FitPreference

__all__ = ["MeasurementsIn", "MeasurementsOut", "SizeAdviceOut", "SizesOut"]


def _cm(name: str, what: str) -> Any:
    low, high = MEASURES[name]
    return Field(default=None, ge=low, le=high, allow_inf_nan=False,
                 description=f"{what}, in cm ({low:g} to {high:g})")


class MeasurementsIn(BaseModel):
    """Body measurements in cm and the fit the customer likes; a measurement left out is not
    held (a PUT replaces the whole set)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    chest: float | None = _cm("chest", "Chest girth at its fullest")
    waist: float | None = _cm("waist", "Natural waist girth")
    hips: float | None = _cm("hips", "Hip girth at its fullest")
    height: float | None = _cm("height", "Height without shoes")
    inseam: float | None = _cm("inseam", "Inside leg, crotch to floor")
    foot_length: float | None = _cm("foot_length", "Heel to longest toe")
    fit: FitPreference = Field(default="regular",
                               description="How clothes should sit: slim, regular or relaxed")


class MeasurementsOut(BaseModel):
    """What is held; with the ``fit`` consent not granted nothing is (``consent`` false)."""

    customer_id: str
    profile_id: str = Field(description="The household profile ('main': the account's own)")
    consent: bool = Field(description="Whether the customer allows measurements for fit")
    held: bool = Field(description="Whether measurements are held")
    chest: float | None = None
    waist: float | None = None
    hips: float | None = None
    height: float | None = None
    inseam: float | None = None
    foot_length: float | None = None
    fit: FitPreference | None = None
    updated_at: datetime | None = None


class SizeAdviceOut(BaseModel):
    """The recommended size of one product, with its reason (or why there is none)."""

    product_id: str
    chart_id: str | None = Field(description="The size chart that sizes the product")
    made_to_measure: bool = False
    size: str | None = Field(description="The recommended size; null: no advice")
    code: str | None = Field(description="Reason code: size_in_range, size_relaxed_fit, "
                                         "size_slim_fit, size_after_return")
    params: dict[str, str | float] = Field(default_factory=dict,
                                           description="The reason's typed parameters")
    reason: str | None = Field(description="The reason in the requested language")


class SizesOut(BaseModel):
    customer_id: str
    consent: bool
    items: list[SizeAdviceOut]
