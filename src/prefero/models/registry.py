"""Every model by name, imported lazily so that the light core never imports PyTorch."""

from __future__ import annotations

import importlib
from pathlib import Path

from prefero.models.base import ItemRecommender, ModelFormatError, read_manifest

__all__ = ["MODEL_PATHS", "MissingExtra", "load_model", "model_class", "model_names"]

#: name → "module:Class". Order is the default evaluation order.
MODEL_PATHS: dict[str, str] = {
    "popularity": "prefero.models.popularity:Popularity",
    "trending": "prefero.models.popularity:Trending",
    "cooccurrence": "prefero.models.cooccurrence:CoOccurrence",
    "transitions": "prefero.models.cooccurrence:Transitions",
    "content": "prefero.models.content:AttributeProfile",
    "declared": "prefero.models.declared:DeclaredChoices",
    "ease": "prefero.models.ease:EASE",
    "als": "prefero.models.mf:ALS",
    "bpr": "prefero.models.mf:BPR",
    "sasrec": "prefero.models.sequential:SASRec",
    "blend": "prefero.models.blend:Blend",
}

#: Optional extras a model needs: module name → the pip extra that installs it.
_EXTRAS = {"torch": "sequential"}


class MissingExtra(RuntimeError):
    """A model needs an optional dependency that is not installed."""


def model_names() -> list[str]:
    return list(MODEL_PATHS)


def model_class(name: str) -> type[ItemRecommender]:
    """The class registered as ``name``; ``MissingExtra`` names the pip extra to install."""
    try:
        target = MODEL_PATHS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODEL_PATHS)}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        extra = _EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        raise MissingExtra(f"model {name!r} needs {exc.name}: pip install "
                           f"'prefero[{extra}]'") from exc
    cls: type[ItemRecommender] = getattr(module, class_name)
    return cls


def load_model(folder: Path) -> ItemRecommender:
    """Load whichever model ``folder`` holds (its ``model.json`` names it)."""
    manifest = read_manifest(folder)
    name = str(manifest["name"])
    if name not in MODEL_PATHS:
        raise ModelFormatError(f"{folder}: unknown model {name!r}")
    return model_class(name).load(folder)
