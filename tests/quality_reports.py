"""Artefact versions with a quality report of known figures, for the tests that read reports
(API, CLI, dashboard) without training models to get one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from prefero.recommend.artefact_store import publish
from prefero.recommend.artefacts import write_version
from prefero.recommend.quality import ModelQuality


def sample_quality(**changes: Any) -> ModelQuality:
    """A report of three candidates: two served history models, one dropped, a form model
    calibrated on real forms. The weights are relative, as the search gives them (1 and
    0.5: two thirds and one third of the score); a reason is stored as its code, as
    ``prefero.recommend.selection`` writes it."""
    report: dict[str, Any] = {
        "trained_at": "2026-11-20T12:00:00+00:00",
        "training_seconds": 84.5, "selection_seconds": 61.2,
        "selection_budget_seconds": 120.0,
        "products": 1200, "customers": 3400, "events": 125000, "validation_customers": 2900,
        "candidates": {
            "transitions": {"role": "history", "val_hr10": 0.1834, "val_ndcg10": 0.0912,
                            "fit_seconds": 3.2, "score_ms": 0.41, "weight": 1.0},
            "als": {"role": "history", "val_hr10": 0.1411, "val_ndcg10": 0.0703,
                    "fit_seconds": 12.8, "score_ms": 0.9, "weight": 0.5,
                    "params": {"factors": 64}},
            "ease": {"role": "history", "val_hr10": 0.1502, "val_ndcg10": 0.0755,
                     "fit_seconds": 40.1, "score_ms": 9.5, "weight": 0.0,
                     "dropped": "over_budget"},
            "declared": {"role": "form", "val_hr10": 0.052, "val_ndcg10": 0.0233,
                         "fit_seconds": 1.1, "score_ms": 0.3, "weight": 1.0},
        },
        "served": {"val_hr10": 0.1962, "val_ndcg10": 0.0987, "score_ms": 1.31,
                   "budget_ms": 4.0},
        "forms": {"real_forms": 240, "minimum": 50, "calibrated": True,
                  "params_before": {"alpha": 10.0, "beta": 1.0},
                  "params_after": {"alpha": 3.0, "beta": 3.0},
                  "ndcg10_before": 0.081, "ndcg10_after": 0.104},
    }
    report.update(changes)
    return ModelQuality.model_validate(report)


def write_reported_version(root: Path, quality: ModelQuality | None, *,
                           session: Session | None = None) -> str:
    """A version of two items with ``quality`` in its manifest (none: a version trained
    before reports existed), made current; with ``session``, also published to the
    database's store."""
    arrays = {"popularity": np.zeros(2, np.float32), "trending": np.zeros(2, np.float32),
              "co_purchase_idx": np.full((2, 1), -1, np.int32),
              "co_purchase_score": np.zeros((2, 1), np.float32),
              "co_view_idx": np.full((2, 1), -1, np.int32),
              "co_view_score": np.zeros((2, 1), np.float32)}
    version = write_version(root, item_ids=["sku-1", "sku-2"], arrays=arrays, stats={},
                            quality=quality)
    if session is not None:
        publish(session, root / version)
    return version
