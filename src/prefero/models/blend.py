"""A weighted blend of other models, its weights chosen on the validation item.

Each component's scores are put on a common scale per history (standardised: minus the
row mean, over the row's standard deviation), then summed with weights. The weights come
from a bounded coordinate search on the validation item: start from the single best
component, then, for each other component in turn, try a short list of relative weights and
keep the best; two passes. The components' own hyper-parameters were chosen on the same
validation item, and nothing here reads the test item.

The blend can be fitted from scratch (``fit`` fits each component) or on top of components
the caller already fitted (``fit_components``), which is what the evaluator does so that no
model is trained twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from prefero.models.base import (
    FloatArray,
    IntArray,
    ItemRecommender,
    ModelFormatError,
    TrainingData,
    Validation,
    popularity_tiebreak,
    read_manifest,
)
from prefero.models.ranking import rank_targets, ranking_metrics
from prefero.models.tuning import Search, sample_validation

__all__ = ["Blend"]

COMPONENTS_DIR = "components"


def _standardised(scores: NDArray[Any]) -> NDArray[np.float32]:
    """Per row: minus the mean, over the standard deviation (rows without spread → 0)."""
    values = np.asarray(scores, dtype=np.float32)
    mean = values.mean(axis=1, keepdims=True)
    spread = values.std(axis=1, keepdims=True)
    out: NDArray[np.float32] = (values - mean) / np.where(spread > 0, spread, 1.0)
    return out


class Blend(ItemRecommender):
    """Weighted sum of standardised component scores; see the module docstring."""

    name = "blend"
    #: Components fitted by ``fit`` when none are named in ``params["components"]``.
    DEFAULT_COMPONENTS: ClassVar[tuple[str, ...]] = ("transitions", "ease", "sasrec")
    #: Relative weights tried for each component after the first.
    WEIGHTS: ClassVar[tuple[float, ...]] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
    #: Users the weight search scores (float32 score caches: users × items × components).
    TUNING_USERS: ClassVar[int] = 4_000

    def __init__(self, *, seed: int = 0, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(seed=seed, params=params)
        self.components: dict[str, ItemRecommender] = {}
        self._tiebreak: FloatArray = np.zeros(0, dtype=np.float64)

    # ---- learning --------------------------------------------------------------------
    def _component_names(self) -> list[str]:
        from prefero.models.registry import MissingExtra, model_class

        names = list(self.params.get("components") or self.DEFAULT_COMPONENTS)
        usable = []
        for name in names:
            try:
                model_class(name)
            except MissingExtra:
                continue  # an optional component whose extra is not installed
            usable.append(name)
        return usable

    def fit(self, data: TrainingData, *, validation: Validation | None = None) -> Self:
        """With ``validation``: fit every component on it, then choose the weights. Without:
        refit the components and weights already chosen (or, on a fresh blend, fit the
        default components with their defaults and weigh them equally)."""
        from prefero.models.registry import model_class

        chosen: Mapping[str, Any] = self.params.get("component_params") or {}
        if validation is None and chosen:
            components = {name: model_class(name)(seed=self.seed, params=params).refit(data)
                          for name, params in chosen.items()}
            self._adopt(components, data)
            return self
        components = {name: model_class(name)(seed=self.seed).fit(data, validation=validation)
                      for name in self._component_names()}
        if validation is None:
            self._adopt(components, data)
            return self
        return self.fit_components(components, data=data, validation=validation)

    def fit_components(self, components: Mapping[str, ItemRecommender], *,
                       data: TrainingData, validation: Validation) -> Self:
        """Choose weights for already fitted ``components`` on ``validation``."""
        if not components:
            raise ValueError("a blend needs at least one component")
        self._adopt(dict(components), data)
        sample = sample_validation(
            Validation(histories=validation.histories, targets=validation.targets,
                       max_users=min(validation.max_users, self.TUNING_USERS)), seed=self.seed)
        targets = np.asarray(sample.targets, dtype=np.int64)
        cache = {name: _standardised(model.score(sample.histories))
                 for name, model in self.components.items()}

        def ndcg(total: NDArray[np.float32]) -> float:
            scores = total.astype(np.float64) + self._tiebreak[None, :]
            ranks, _ = rank_targets(scores, targets, sample.histories)
            return ranking_metrics(ranks, (10,))["NDCG@10"]

        search = Search()
        singles = {name: ndcg(part) for name, part in cache.items()}
        for name, value in singles.items():
            search.offer({name: 1.0}, value)
        first = max(singles, key=lambda name: singles[name])
        current = {name: (1.0 if name == first else 0.0) for name in cache}
        # The current mix's sum, kept up to date: a trial changes one weight, so it costs
        # one scaled add instead of a sum over every part.
        total = cache[first].copy()
        best = singles[first]
        for _ in range(2):
            for name in cache:
                if name == first:
                    continue
                for weight in self.WEIGHTS:
                    if weight == current[name]:
                        continue
                    trial_total = total + np.float32(weight - current[name]) * cache[name]
                    trial = {**current, name: weight}
                    value = ndcg(trial_total)
                    search.offer(trial, value)
                    if value > best:
                        best, current, total = value, trial, trial_total
        self.params = {
            **{k: v for k, v in self.params.items() if k not in ("weights", "component_params")},
            "weights": current,
            "component_params": {name: model.params for name, model in self.components.items()},
        }
        self.search_log = search.log
        return self

    def refit(self, data: TrainingData) -> Self:
        self._adopt({name: model.refit(data) for name, model in self.components.items()}, data)
        return self

    def adopt(self, components: Mapping[str, ItemRecommender], data: TrainingData) -> None:
        """Use ``components`` that the caller already refitted on ``data`` (the weights stay
        as chosen); the evaluator does this so that no model is refitted twice."""
        missing = set(self.components) - set(components)
        if missing:
            raise ValueError(f"components missing: {sorted(missing)}")
        self._adopt({name: components[name] for name in self.components}, data)

    def _adopt(self, components: dict[str, ItemRecommender], data: TrainingData) -> None:
        self.components = components
        self.n_items = data.n_items
        self._tiebreak = popularity_tiebreak(data.item_counts(), scale=1e-6)

    # ---- scoring ---------------------------------------------------------------------
    def score(self, histories: Sequence[IntArray]) -> FloatArray:
        weights: Mapping[str, float] = self.params.get("weights") or {
            name: 1.0 for name in self.components}
        total = np.zeros((len(histories), self.n_items), dtype=np.float64)
        for name, weight in weights.items():
            if weight:
                total += weight * _standardised(self.components[name].score(histories))
        total += self._tiebreak[None, :]
        return total

    # ---- persistence: the blend's own tie-break, and each component in a subfolder ---
    def _state(self) -> dict[str, NDArray[Any]]:
        return {"tiebreak": self._tiebreak}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self._tiebreak = np.asarray(arrays["tiebreak"], dtype=np.float64)

    def save(self, folder: Path) -> None:
        super().save(folder)
        for name, model in self.components.items():
            model.save(folder / COMPONENTS_DIR / name)

    @classmethod
    def load(cls, folder: Path) -> Self:
        from prefero.models.registry import load_model

        model = super().load(folder)
        for name in model.params.get("weights") or {}:
            path = folder / COMPONENTS_DIR / name
            if read_manifest(path)["name"] != name:
                raise ModelFormatError(f"{path}: expected a {name!r} component")
            model.components[name] = load_model(path)
        return model


