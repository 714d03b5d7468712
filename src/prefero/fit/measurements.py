"""What a customer can measure for fit, in centimetres, and the ranges a measurement must lie
in (wide enough for children's profiles, narrow enough to catch a value typed in inches or
millimetres)."""

from __future__ import annotations

from typing import Literal

__all__ = ["FIT_PREFERENCES", "MEASURES", "FitPreference", "Measure", "measure_range"]

Measure = Literal["chest", "waist", "hips", "height", "inseam", "foot_length"]
#: Each measurement's accepted range in cm (inclusive), in the order forms show them.
MEASURES: dict[str, tuple[float, float]] = {
    "chest": (40.0, 180.0),
    "waist": (35.0, 180.0),
    "hips": (40.0, 190.0),
    "height": (45.0, 230.0),
    "inseam": (15.0, 110.0),
    "foot_length": (8.0, 35.0),
}

FitPreference = Literal["slim", "regular", "relaxed"]
#: How the customer likes clothes to sit; between two sizes it decides which one.
FIT_PREFERENCES: tuple[FitPreference, ...] = ("slim", "regular", "relaxed")


def measure_range(name: str) -> tuple[float, float]:
    """The accepted range of one measurement.

    >>> measure_range("chest")
    (40.0, 180.0)
    """
    return MEASURES[name]
