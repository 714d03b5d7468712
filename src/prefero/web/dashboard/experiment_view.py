"""What the experiments pages offer and show besides the figures: the choices of the set-up
form (placements, content slots and their variants, message triggers, trained model
versions, levels, metrics) and an experiment's set-up in staff's words.

Every choice is one the shop has, so that the form cannot name a slot or a version that
does not exist; the service checks again when the form is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from prefero.analytics.reasons import placement_label
from prefero.content.slots import list_slots
from prefero.experiments.requested import TESTABLE
from prefero.experiments.schemas import METRICS, PLACEMENTS, ExperimentOut
from prefero.i18n.catalogues import N_
from prefero.messaging.kinds import TRIGGERS, Trigger
from prefero.messaging.wording import TRIGGER_NAMES
from prefero.recommend.quality_reads import kept_versions
from prefero.runtime import Runtime
from prefero.web.dashboard.experiment_form import ExperimentForm
from prefero.web.dashboard.experiment_words import (
    EXPLORATION_NAMES,
    KIND_HINTS,
    KIND_NAMES,
    METRIC_HINTS,
    METRIC_NAMES,
    OTHER,
    SEND_NAMES,
)
from prefero.web.dashboard.render import Numbers
from prefero.web.dashboard.words import LEVEL_NAMES
from prefero.web.i18n import Translator

__all__ = ["Choice", "arm_settings", "form_choices", "kind_choices", "metric_name",
           "setup_rows", "target_name", "version_name"]

_EVERY_PLACEMENT = N_("Every placement")
_WHOLE_SHOP = N_("The whole shop")
_NEWEST = N_("The newest trained version")
_VERSION = N_("Trained {moment}")
_AS_SHOP = N_("As the shop is")
_SLOT_CHOICE = N_("The slot's own choice")
_VERSION_FORMAT = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Choice:
    """One option of a choice: what is posted, and its words."""

    value: str
    label: str
    hint: str = ""


def metric_name(code: str, t: Translator) -> str:
    return t(METRIC_NAMES.get(code, OTHER))


def version_name(version: str, t: Translator) -> str:
    """A trained version (``20261120T120000000000Z``) as the moment it was trained."""
    try:
        moment = datetime.strptime(version, _VERSION_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return version
    return t(_VERSION, moment=Numbers(t).moment(moment))


def target_name(session: Session, kind: str, target: str | None, t: Translator) -> str:
    """Where the experiment runs, in words."""
    if kind == "holdout":
        return t(_WHOLE_SHOP)
    if target is None:
        return t(_EVERY_PLACEMENT)
    if kind == "recommendations":
        return placement_label(target, t.language)
    if kind == "messages":
        return t(TRIGGER_NAMES[Trigger(target)]) if target in TRIGGERS else t(OTHER)
    names = {slot.key: slot.name for slot in list_slots(session)}
    return names.get(target, target)


def kind_choices(t: Translator) -> list[Choice]:
    return [Choice(code, t(name), t(KIND_HINTS[code])) for code, name in KIND_NAMES.items()]


def _targets(session: Session, kind: str, t: Translator) -> list[Choice]:
    if kind == "recommendations":
        return [Choice("", t(_EVERY_PLACEMENT))] + [
            Choice(code, placement_label(code, t.language)) for code in PLACEMENTS]
    if kind == "content":
        return [Choice(slot.key, slot.name) for slot in list_slots(session)]
    if kind == "messages":
        # Only triggers a shop may test: a message the customer asked for is never held back.
        return [Choice(str(code), t(TRIGGER_NAMES[code])) for code in TESTABLE]
    return []


def form_choices(session: Session, runtime: Runtime, *, form: ExperimentForm,
                 t: Translator) -> dict[str, Any]:
    """What the set-up form of ``form.kind`` offers."""
    context: dict[str, Any] = {
        "targets": _targets(session, form.kind, t),
        "metrics": [Choice(code, metric_name(code, t), t(METRIC_HINTS[code]))
                    for code in METRICS],
        "rows": form.rows(at_least=2 if form.kind == "holdout" else 3),
    }
    if form.kind == "recommendations":
        context["levels"] = [Choice("", t(_AS_SHOP))] + [
            Choice(code, t(name)) for code, name in LEVEL_NAMES.items()]
        versions = kept_versions(session, settings=runtime.settings)
        context["versions"] = [Choice("", t(_NEWEST))] + [
            Choice(v, version_name(v, t)) for v in reversed(versions)]
        context["explorations"] = [Choice(code, t(name))
                                   for code, name in EXPLORATION_NAMES.items()]
    elif form.kind == "content":
        context["slot_variants"] = [
            (slot.name, [Choice(v.key, v.key) for v in slot.variants])
            for slot in list_slots(session)]
        context["slot_choice"] = t(_SLOT_CHOICE)
    elif form.kind == "messages":
        context["sends"] = [Choice(code, t(name)) for code, name in SEND_NAMES.items()]
    return context


def arm_settings(session: Session, experiment: ExperimentOut, config: dict[str, object],
                 t: Translator) -> str:
    """What an arm changes, in words (empty: nothing, the shop as it is)."""
    n = Numbers(t)
    parts: list[str] = []
    if experiment.kind == "recommendations":
        level = config.get("default_level")
        if isinstance(level, str):
            parts.append(t("Default level: {level}",
                           level=t(LEVEL_NAMES.get(level, OTHER))))
        version = config.get("model_version")
        if isinstance(version, str):
            parts.append(t("Model: {version}", version=version_name(version, t)))
        diversity = config.get("diversity")
        if isinstance(diversity, int | float):
            parts.append(t("Diversity: {share}", share=n.share(float(diversity))))
        if config.get("merchandising") is False:
            parts.append(t("Without merchandising rules"))
        exploration = config.get("exploration")
        if exploration is not None:
            chosen = EXPLORATION_NAMES["on" if exploration else "off"]
            parts.append(t(chosen))
    elif experiment.kind == "content":
        variant = config.get("variant")
        parts.append(t("Variant: {variant}", variant=variant) if isinstance(variant, str)
                     else t(_SLOT_CHOICE))
    elif experiment.kind == "messages":
        sending = SEND_NAMES["hold" if config.get("send") is False else "send"]
        parts.append(t(sending))
    return "; ".join(parts) if parts else t(_AS_SHOP)


def setup_rows(session: Session, runtime: Runtime, experiment: ExperimentOut, *,
               t: Translator) -> dict[str, Any]:
    """The experiment's set-up in words, for its page and the confirmations."""
    n = Numbers(t)
    return {
        "kind": t(KIND_NAMES.get(experiment.kind, OTHER)),
        "target": target_name(session, experiment.kind, experiment.target, t),
        "arms": [{"name": arm.name, "key": arm.key, "share": n.share(arm.share),
                  "control": arm.control,
                  "settings": arm_settings(session, experiment, arm.config, t)}
                 for arm in experiment.arms],
        "primary": metric_name(experiment.primary_metric, t),
        "guardrails": ", ".join(metric_name(g, t) for g in experiment.guardrails)
                      or t("None"),
        "traffic": n.share(experiment.traffic),
        "pre_period": t.plural("{n} day before the first exposure",
                               "{n} days before the first exposure",
                               experiment.pre_period_days),
        "started": n.moment(experiment.started_at),
        "stopped": n.moment(experiment.stopped_at),
    }
