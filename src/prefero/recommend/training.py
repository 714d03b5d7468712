"""Offline training of the artefacts the request path reads (placeholder, filled by the
pipeline work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["train"]


def train(runtime: Runtime) -> str:
    """Build popularity, trending and co-occurrence artefacts; return the new version id."""
    raise NotImplementedError
