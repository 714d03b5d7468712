"""Latency summaries."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["summarise"]


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Median, p90, p99 and max in milliseconds.

    >>> summarise([0.001, 0.002, 0.003])["median_ms"]
    2.0
    """
    values = np.asarray(seconds, dtype=np.float64) * 1000.0
    if values.size == 0:
        return {"count": 0, "median_ms": 0.0, "p90_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    return {
        "count": float(values.size),
        "median_ms": round(float(np.percentile(values, 50)), 3),
        "p90_ms": round(float(np.percentile(values, 90)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
    }
