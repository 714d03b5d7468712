"""Versioned model artefacts on disk: plain ``.npy`` arrays plus a JSON manifest, no pickle.

A version is a folder written completely under a temporary name and then renamed, and the
``CURRENT`` file is replaced atomically, so a reader never sees half an artefact. Arrays are
memory-mapped, so several worker processes share the same pages.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from prefero.models import ItemRecommender, load_model
from prefero.models.serving import INDEX_FILE, VectorIndex
from prefero.recommend.followers import FollowersTable
from prefero.recommend.quality import ModelQuality, quality_of

__all__ = [
    "ARTEFACT_FORMAT",
    "Artefacts",
    "current_version",
    "load_current",
    "load_version",
    "prune",
    "read_manifest",
    "write_version",
]

ARTEFACT_FORMAT = 1
CURRENT = "CURRENT"
MODELS_DIR = "models"
ATTRIBUTES_FILE = "attributes.json"
MANIFEST = "manifest.json"
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class Artefacts:
    """What training produced, indexed by the artefact's own item order (``item_ids``)."""

    version: str
    item_ids: list[str]
    popularity: npt.NDArray[np.float32]
    trending: npt.NDArray[np.float32]
    # Top-K neighbours per item: indices into item_ids (-1 = none) and their scores.
    co_purchase_idx: npt.NDArray[np.int32]
    co_purchase_score: npt.NDArray[np.float32]
    co_view_idx: npt.NDArray[np.int32]
    co_view_score: npt.NDArray[np.float32]
    manifest: dict[str, Any]
    #: Fitted recommender models by name, indexed like ``item_ids``.
    models: dict[str, ItemRecommender] = field(default_factory=dict)
    #: The (facet, value) of each attribute column the models were given, in column order.
    attribute_keys: list[tuple[str, str]] = field(default_factory=list)
    #: Each item's followers worked out at training (``prefero.recommend.followers``);
    #: ``None`` for versions trained without them.
    followers: FollowersTable | None = None
    #: The vector index (HNSW) of each factorisation that has one: large catalogues only.
    vector_indexes: dict[str, VectorIndex] = field(default_factory=dict)

    @property
    def quality(self) -> ModelQuality | None:
        """The version's quality report (``manifest["quality"]``): which models training
        chose to serve and with what weights; ``None`` for versions trained before it."""
        return quality_of(self.manifest)


_ARRAYS = (
    "popularity",
    "trending",
    "co_purchase_idx",
    "co_purchase_score",
    "co_view_idx",
    "co_view_score",
)


def write_version(
    root: Path, *, item_ids: list[str], arrays: dict[str, np.ndarray[Any, Any]],
    stats: dict[str, Any], models: Mapping[str, ItemRecommender] | None = None,
    attribute_keys: list[tuple[str, str]] | None = None,
    followers: FollowersTable | None = None,
    vector_indexes: Mapping[str, VectorIndex] | None = None,
    quality: ModelQuality | None = None,
) -> str:
    """Write a new artefact version and make it current; returns the version name.
    ``quality`` (what training measured and chose) goes into the manifest."""
    missing = set(_ARRAYS) - set(arrays)
    if missing:
        raise ValueError(f"artefact arrays missing: {sorted(missing)}")
    root.mkdir(parents=True, exist_ok=True)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    for name in _ARRAYS:
        np.save(staging / f"{name}.npy", arrays[name], allow_pickle=False)
    for name, model in (models or {}).items():
        model.save(staging / MODELS_DIR / name)
    for name, index in (vector_indexes or {}).items():
        index.save(staging / MODELS_DIR / name)
    for name, array in (followers.arrays() if followers is not None else {}).items():
        np.save(staging / f"{name}.npy", array, allow_pickle=False)
    manifest = {
        "format": ARTEFACT_FORMAT,
        "version": version,
        "created_at": datetime.now(UTC).isoformat(),
        "items": len(item_ids),
        "stats": stats,
        "models": {name: {"params": model.params} for name, model in (models or {}).items()},
        "followers_k": followers.k if followers is not None else None,
    }
    if quality is not None:
        # The version is named here, so the report's own name of it is left to the reader.
        manifest["quality"] = quality.model_dump(mode="json", exclude={"version"})
    (staging / "items.json").write_text(json.dumps(item_ids), "utf-8")
    (staging / ATTRIBUTES_FILE).write_text(json.dumps(attribute_keys or []), "utf-8")
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    staging.rename(root / version)
    pointer = root / f".{CURRENT}.tmp"
    pointer.write_text(version, "utf-8")
    os.replace(pointer, root / CURRENT)
    prune(root, keep=version)
    return version


def prune(root: Path, *, keep: str) -> None:
    """Remove all but the newest ``KEEP_VERSIONS`` version folders, never ``keep``. A
    process still serving a removed version keeps its memory-mapped pages."""
    versions = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in versions[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def current_version(root: Path) -> str | None:
    try:
        return (root / CURRENT).read_text("utf-8").strip() or None
    except FileNotFoundError:
        return None


def load_current(root: Path) -> Artefacts | None:
    """Load the current version memory-mapped, or ``None`` when nothing was trained yet."""
    version = current_version(root)
    if version is None:
        return None
    return load_version(root, version)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the version in ``folder`` (its arrays and models are not opened)."""
    manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text("utf-8"))
    return manifest


def load_version(root: Path, version: str) -> Artefacts:
    """Load ``root/version`` memory-mapped."""
    folder = root / version
    manifest = read_manifest(folder)
    if manifest.get("format") != ARTEFACT_FORMAT:
        raise ValueError(f"artefact {version} has format {manifest.get('format')}, "
                         f"this build reads {ARTEFACT_FORMAT}: run `prefero train`")
    loaded = {
        name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        for name in _ARRAYS
    }
    item_ids = json.loads((folder / "items.json").read_text("utf-8"))
    models = {name: load_model(folder / MODELS_DIR / name)
              for name in manifest.get("models", {})}
    keys_file = folder / ATTRIBUTES_FILE
    attribute_keys = ([(str(facet), str(value)) for facet, value
                       in json.loads(keys_file.read_text("utf-8"))]
                      if keys_file.exists() else [])
    followers_k = manifest.get("followers_k")
    followers = (FollowersTable.from_arrays(
        {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
         for name in FollowersTable.FILES}, k=int(followers_k))
        if followers_k is not None else None)
    indexes = {name: VectorIndex.load(folder / MODELS_DIR / name) for name in models
               if (folder / MODELS_DIR / name / INDEX_FILE).exists()}
    return Artefacts(version=version, item_ids=item_ids, manifest=manifest, models=models,
                     attribute_keys=attribute_keys, followers=followers,
                     vector_indexes=indexes, **loaded)
