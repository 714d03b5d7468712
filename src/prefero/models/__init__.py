"""Recommender models behind one base class: fit, score, recommend, save and load."""

from __future__ import annotations

from prefero.models.base import (
    ItemRecommender,
    ModelFormatError,
    TrainingData,
    Validation,
    popularity_tiebreak,
)
from prefero.models.registry import MissingExtra, load_model, model_class, model_names

__all__ = [
    "ItemRecommender",
    "MissingExtra",
    "ModelFormatError",
    "TrainingData",
    "Validation",
    "load_model",
    "model_class",
    "model_names",
    "popularity_tiebreak",
]
