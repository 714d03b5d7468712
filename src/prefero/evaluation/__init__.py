"""Offline evaluation: leave-one-out by time, full ranking, HR/NDCG@k and beyond-accuracy
metrics, the reference PopRec, and readers for sequences and interaction tables.

The runner (``prefero.evaluation.runner``) is imported on its own: it pulls in the model
registry, which the light readers and metrics here do not need.
"""

from __future__ import annotations

from prefero.evaluation.baselines import PopRec
from prefero.evaluation.data import (
    LeaveOneOut,
    SequenceData,
    attribute_matrix,
    leave_one_out,
    read_item_attributes,
    read_sequences,
)
from prefero.evaluation.interactions import InputFileError, read_interactions, read_items
from prefero.models.ranking import evaluate_ranking, ranking_metrics

__all__ = [
    "InputFileError",
    "LeaveOneOut",
    "PopRec",
    "SequenceData",
    "attribute_matrix",
    "evaluate_ranking",
    "leave_one_out",
    "ranking_metrics",
    "read_interactions",
    "read_item_attributes",
    "read_items",
    "read_sequences",
]
