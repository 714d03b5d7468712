"""The quality report of one artefact version: what `prefero train` measured on the shop's
own data, which models it chose to serve and with what weights, and what that cost.

Training writes it into the version's manifest (``manifest["quality"]``); `prefero train`
prints it, the admin API answers it and the shop console shows it. Every figure is measured
by the validation protocol of ``prefero.recommend.selection``: each customer's last item is
held out, the models are fitted on everything before it and ranked against it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CandidateQuality", "FormCalibration", "ModelQuality", "ServedQuality",
           "quality_of"]


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CandidateQuality(_Report):
    """One model `prefero train` was asked to consider (``Settings.models``)."""

    #: ``history``: scores what a customer did (joins the behaviour average);
    #: ``form``: answers declared preferences (never joins it).
    role: Literal["history", "form"]
    #: Validation figures on the held-out last item; ``None`` when too few customers had
    #: enough history to hold one out.
    val_hr10: float | None = Field(default=None, ge=0.0, le=1.0)
    val_ndcg10: float | None = Field(default=None, ge=0.0, le=1.0)
    #: Seconds to fit (with its hyper-parameter search) and refit.
    fit_seconds: float = Field(ge=0.0)
    #: Milliseconds to score one customer's history over the catalogue (median).
    score_ms: float | None = Field(default=None, ge=0.0)
    #: The weight it is served with (0: not served).
    weight: float = Field(default=0.0, ge=0.0)
    #: Why it is not served, when it is not (``weight == 0``): a reason code of
    #: ``prefero.recommend.selection.REASONS`` (the CLI and the console word it).
    dropped: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class ServedQuality(_Report):
    """The served combination of the history models (their weighted, lifted average)."""

    val_hr10: float | None = Field(default=None, ge=0.0, le=1.0)
    val_ndcg10: float | None = Field(default=None, ge=0.0, le=1.0)
    #: The served models' ``score_ms`` together, and the budget it had to fit in.
    score_ms: float | None = Field(default=None, ge=0.0)
    budget_ms: float = Field(ge=0.0)


class FormCalibration(_Report):
    """How the form model (``declared``) was calibrated on forms customers really filled in
    (values declared, then a product chosen): their number, the parameters before and after,
    and its NDCG@10 on those forms before and after. ``calibrated`` is false when there were
    too few real forms (``minimum``), and the parameters chosen on histories stay."""

    real_forms: int = Field(ge=0)
    minimum: int = Field(ge=0)
    calibrated: bool
    params_before: dict[str, Any] = Field(default_factory=dict)
    params_after: dict[str, Any] = Field(default_factory=dict)
    ndcg10_before: float | None = Field(default=None, ge=0.0, le=1.0)
    ndcg10_after: float | None = Field(default=None, ge=0.0, le=1.0)


class ModelQuality(_Report):
    """``manifest["quality"]`` of an artefact version."""

    version: str | None = None
    trained_at: str
    #: The whole training run, and the part spent choosing the models.
    training_seconds: float = Field(ge=0.0)
    selection_seconds: float = Field(ge=0.0)
    #: The time the choice was allowed (``Settings.model_selection_seconds``).
    selection_budget_seconds: float = Field(ge=0.0)
    products: int = Field(ge=0)
    customers: int = Field(ge=0, description="customers with consented behaviour")
    events: int = Field(ge=0, description="consented events read")
    #: Customers whose last item the models were validated on (0: too few to choose; the
    #: configured models are then served with equal weights).
    validation_customers: int = Field(ge=0)
    candidates: dict[str, CandidateQuality] = Field(default_factory=dict)
    served: ServedQuality
    forms: FormCalibration | None = None

    @property
    def weights(self) -> dict[str, float]:
        """The served history models and their weights."""
        return {name: c.weight for name, c in self.candidates.items()
                if c.role == "history" and c.weight > 0}


def quality_of(manifest: dict[str, Any]) -> ModelQuality | None:
    """The quality report of a manifest, or ``None`` for versions trained before reports
    existed.

    >>> quality_of({"stats": {}}) is None
    True
    """
    raw = manifest.get("quality")
    if raw is None:
        return None
    return ModelQuality.model_validate({**raw, "version": manifest.get("version")})
