"""Bodies of experiments as the tests write them."""

from __future__ import annotations

from typing import Any

from prefero.experiments.schemas import ExperimentIn


def experiment_body(key: str = "home-test", *, kind: str = "recommendations",
                    target: str | None = None, arms: list[dict[str, Any]] | None = None,
                    **fields: Any) -> ExperimentIn:
    """A valid experiment: by default two equal arms, the first the control."""
    arms = arms if arms is not None else [
        {"key": "control", "name": "As the shop is", "share": 0.5, "control": True},
        {"key": "treatment", "name": "Changed", "share": 0.5}]
    return ExperimentIn.model_validate({"key": key, "name": key.replace("-", " ").title(),
                                        "kind": kind, "target": target, "arms": arms,
                                        **fields})
