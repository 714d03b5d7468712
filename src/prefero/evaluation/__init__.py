"""Offline evaluation: leave-one-out by time, full ranking, HR/NDCG@k, baselines."""

from __future__ import annotations

from prefero.evaluation.baselines import PopRec, Popularity, Recommender
from prefero.evaluation.data import LeaveOneOut, SequenceData, leave_one_out, read_sequences
from prefero.evaluation.metrics import evaluate_ranking, ranking_metrics

__all__ = [
    "LeaveOneOut",
    "PopRec",
    "Popularity",
    "Recommender",
    "SequenceData",
    "evaluate_ranking",
    "leave_one_out",
    "ranking_metrics",
    "read_sequences",
]
