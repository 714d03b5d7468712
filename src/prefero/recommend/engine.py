"""Placeholder engine, replaced by the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefero.runtime import Runtime


class RecommendationEngine:
    def __init__(self, *, runtime: Runtime) -> None:
        self.runtime = runtime
        self.artefact_version: str | None = None

    def refresh(self) -> None:
        return None
