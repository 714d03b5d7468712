"""Trained artefacts seen through the current catalog: arrays re-indexed to catalog
positions, so the pipeline never translates ids on the hot path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from prefero.recommend.artefacts import Artefacts
from prefero.recommend.catalog_index import CatalogIndex, FloatArray, IntArray

__all__ = ["ModelView", "build_model_view"]

EMPTY_INT: IntArray = np.zeros(0, dtype=np.int64)
EMPTY_FLOAT: FloatArray = np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class ModelView:
    version: str | None
    popularity: FloatArray
    trending: FloatArray
    artefacts: Artefacts | None
    cat_to_art: IntArray
    art_to_cat: IntArray
    # Plain ndarray views of the memory-mapped neighbour tables: same pages, without the
    # per-access overhead of the np.memmap subclass on the hot path.
    neighbour_tables: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def neighbours(self, position: int, kind: Literal["purchase", "view"] | str
                   ) -> tuple[IntArray, FloatArray]:
        """Co-occurring items of the item at catalog ``position``, as catalog positions."""
        table = self.neighbour_tables.get(kind)
        if table is None:
            return EMPTY_INT, EMPTY_FLOAT
        art = int(self.cat_to_art[position])
        if art < 0:
            return EMPTY_INT, EMPTY_FLOAT
        idx, score = table[0][art], table[1][art]
        valid = idx >= 0
        targets = self.art_to_cat[idx[valid]]
        kept = targets >= 0
        return targets[kept], np.asarray(score[valid][kept], dtype=np.float64)


def build_model_view(index: CatalogIndex, artefacts: Artefacts | None) -> ModelView:
    n = index.size
    if artefacts is None:
        return ModelView(None, np.zeros(n), np.zeros(n), None,
                         np.full(n, -1, dtype=np.int64), EMPTY_INT)
    art_to_cat = np.array([index.position.get(pid, -1) for pid in artefacts.item_ids],
                          dtype=np.int64)
    cat_to_art = np.full(n, -1, dtype=np.int64)
    known = art_to_cat >= 0
    cat_to_art[art_to_cat[known]] = np.flatnonzero(known)
    popularity = np.zeros(n)
    trending = np.zeros(n)
    popularity[art_to_cat[known]] = np.asarray(artefacts.popularity)[known]
    trending[art_to_cat[known]] = np.asarray(artefacts.trending)[known]
    tables = {
        "purchase": (np.asarray(artefacts.co_purchase_idx),
                     np.asarray(artefacts.co_purchase_score)),
        "view": (np.asarray(artefacts.co_view_idx), np.asarray(artefacts.co_view_score)),
    }
    return ModelView(artefacts.version, popularity, trending, artefacts, cat_to_art, art_to_cat,
                     tables)
