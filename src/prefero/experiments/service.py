"""Experiments in the database: listed, checked, created, changed while a draft, started,
stopped and deleted. Every change bumps the ``experiments`` revision counter, which the
request path reads with the catalogue's (one read for all), so every process serves a started
or stopped experiment from its next request on.

Once started, an experiment's arms, shares, salt and traffic never change: assignment is a
function of them, and changing one would move units between arms mid-test. A stopped
experiment stays stopped (a new test is a new experiment); its exposures stay for its results.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.catalog.revisions import bump
from prefero.content.models import ContentSlot, ContentVariant
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.experiments.models import Experiment, ExperimentArm
from prefero.experiments.requested import TESTABLE, requested
from prefero.experiments.schemas import (
    PLACEMENTS,
    ArmOut,
    ContentArm,
    ExperimentIn,
    ExperimentOut,
    MessageArm,
    RecommendationArm,
)
from prefero.messaging.kinds import TRIGGERS

__all__ = [
    "EXPERIMENTS",
    "MAX_EXPERIMENTS",
    "RESERVED_KEYS",
    "check_experiment",
    "create_experiment",
    "delete_experiment",
    "get_experiment",
    "list_experiments",
    "replace_experiment",
    "start_experiment",
    "stop_experiment",
]

#: The revision counter every change bumps.
EXPERIMENTS = "experiments"
#: Experiments a shop keeps, at most (every running one is held by every process).
MAX_EXPERIMENTS = 500
#: Keys an experiment cannot take: the API's addresses beside ``/{key}`` use them.
RESERVED_KEYS = frozenset({"check", "power"})

_ARM_CONFIG: dict[str, type[BaseModel] | None] = {
    "recommendations": RecommendationArm, "content": ContentArm, "messages": MessageArm,
    "holdout": None}


def _arms(session: Session, experiment_id: int) -> list[ExperimentArm]:
    return list(session.scalars(select(ExperimentArm)
                                .where(ExperimentArm.experiment_id == experiment_id)
                                .order_by(ExperimentArm.position)))


def _out(row: Experiment, arms: list[ExperimentArm]) -> ExperimentOut:
    return ExperimentOut.model_validate({
        "key": row.key, "name": row.name, "description": row.description, "kind": row.kind,
        "target": row.target, "status": row.status,
        "arms": [ArmOut(key=a.key, name=a.name, share=a.share, control=a.control,
                        config=dict(a.config)) for a in arms],
        "primary_metric": row.primary_metric, "guardrails": list(row.guardrails),
        "anonymous_measurement": row.anonymous_measurement,
        "pre_period_days": row.pre_period_days, "traffic": row.traffic,
        "started_at": row.started_at, "stopped_at": row.stopped_at,
        "created_at": row.created_at, "updated_at": row.updated_at})


def _row(session: Session, key: str) -> Experiment:
    row = session.scalar(select(Experiment).where(Experiment.key == key))
    if row is None:
        raise NotFound(f"there is no experiment {key!r}")
    return row


def _config_problems(body: ExperimentIn) -> list[FieldError]:
    shape = _ARM_CONFIG[body.kind]
    problems: list[FieldError] = []
    for i, arm in enumerate(body.arms):
        if shape is None:
            if arm.config:
                problems.append(FieldError(("arms", i, "config"),
                                           "a holdout's arms change nothing; leave it empty"))
            continue
        try:
            shape.model_validate(arm.config)
        except ValidationError as exc:
            problems.extend(FieldError(("arms", i, "config", *e["loc"]), e["msg"])
                            for e in exc.errors())
    return problems


def _target_problems(session: Session, body: ExperimentIn) -> list[FieldError]:
    if body.kind == "recommendations":
        if body.target is not None and body.target not in PLACEMENTS:
            return [FieldError(("target",), "not a placement: one of "
                               + ", ".join(PLACEMENTS))]
        return []
    if body.kind == "holdout":
        return ([FieldError(("target",), "a holdout covers the whole shop; leave it out")]
                if body.target is not None else [])
    if body.target is None:
        return [FieldError(("target",), "Field required")]
    if body.kind == "messages":
        if body.target not in TRIGGERS:
            return [FieldError(("target",), "not a message trigger: one of "
                               + ", ".join(TRIGGERS))]
        # Holding back what a customer asked for is not a test a shop may run.
        return ([FieldError(("target",), f"{body.target} messages answer a customer's own "
                            "request (a watch, a subscription, a reminder they switched on) "
                            "and are never held back; a test may target one of "
                            + ", ".join(TESTABLE))]
                if requested(body.target) else [])
    slot = session.scalar(select(ContentSlot).where(ContentSlot.key == body.target))
    if slot is None:
        return [FieldError(("target",), f"there is no content slot {body.target!r}")]
    variants = set(session.scalars(select(ContentVariant.key)
                                   .where(ContentVariant.slot_id == slot.id)))
    return [FieldError(("arms", i, "config", "variant"),
                       f"the slot {body.target!r} has no variant {arm.config['variant']!r}")
            for i, arm in enumerate(body.arms)
            if isinstance(arm.config.get("variant"), str)
            and arm.config["variant"] not in variants]


def _version_problems(body: ExperimentIn, versions: Collection[str] | None
                      ) -> list[FieldError]:
    if body.kind != "recommendations" or versions is None:
        return []
    return [FieldError(("arms", i, "config", "model_version"),
                       f"no trained model version {arm.config['model_version']!r} is kept")
            for i, arm in enumerate(body.arms)
            if isinstance(arm.config.get("model_version"), str)
            and arm.config["model_version"] not in versions]


def check_experiment(session: Session, body: ExperimentIn, *,
                     versions: Collection[str] | None = None) -> list[FieldError]:
    """What is wrong with ``body`` (empty: it may be stored), each field with its path from
    the body's root; stores nothing. ``versions``: the trained model versions kept
    (``prefero.recommend.quality_reads.kept_versions``), which an arm's ``model_version``
    must name; ``None`` leaves that unchecked (a version pruned later is served as the
    newest, with a warning).

    >>> # check_experiment(session, ExperimentIn(key="x", name="X", kind="content",
    >>> #                  arms=[...])) -> [FieldError(loc=('target',), msg='Field required')]
    """
    problems: list[FieldError] = []
    if body.key in RESERVED_KEYS:
        problems.append(FieldError(("key",), f"{body.key!r} is reserved; choose another key"))
    keys = [arm.key for arm in body.arms]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            problems.append(FieldError(("arms", i, "key"), f"arm {key!r} is named twice"))
    controls = [i for i, arm in enumerate(body.arms) if arm.control]
    if len(controls) != 1:
        problems.append(FieldError(("arms",), "exactly one arm must be the control"))
    total = math.fsum(arm.share for arm in body.arms)
    if abs(total - 1.0) > 1e-9:
        problems.append(FieldError(("arms",), f"the shares must sum to 1 (they sum to "
                                              f"{total:.6g})"))
    if body.kind == "holdout" and len(body.arms) != 2:
        problems.append(FieldError(("arms",), "a holdout has two arms: the held-out "
                                              "control and everyone else"))
    for i, metric in enumerate(body.guardrails):
        if metric == body.primary_metric or metric in body.guardrails[:i]:
            problems.append(FieldError(("guardrails", i), f"{metric!r} is already measured"))
    return (problems + _config_problems(body) + _target_problems(session, body)
            + _version_problems(body, versions))


def _valid(session: Session, body: ExperimentIn, versions: Collection[str] | None) -> None:
    problems = check_experiment(session, body, versions=versions)
    if problems:
        raise InvalidInput("the experiment is not valid", problems)


def _write(session: Session, row: Experiment, body: ExperimentIn) -> None:
    row.name = body.name.strip()
    row.description = body.description
    row.kind = body.kind
    row.target = body.target
    row.primary_metric = body.primary_metric
    row.guardrails = list(body.guardrails)
    row.anonymous_measurement = body.anonymous_measurement
    row.pre_period_days = body.pre_period_days
    row.traffic = body.traffic
    row.updated_at = utcnow()
    for old in _arms(session, row.id):
        session.delete(old)
    session.flush()
    session.add_all(ExperimentArm(experiment_id=row.id, key=arm.key, name=arm.name.strip(),
                                  position=i, share=arm.share, control=arm.control,
                                  config=_stored_config(body.kind, arm.config))
                    for i, arm in enumerate(body.arms))
    session.flush()


def _stored_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """The arm's config as its shape reads it, defaults left out (what the request path
    compares)."""
    shape = _ARM_CONFIG[kind]
    if shape is None:
        return {}
    return shape.model_validate(config).model_dump(exclude_defaults=True)


def list_experiments(session: Session) -> list[ExperimentOut]:
    """Every experiment, the newest first.

    >>> # list_experiments(session) -> [ExperimentOut(key='home-diversity', …), …]
    """
    rows = list(session.scalars(select(Experiment).order_by(Experiment.created_at.desc(),
                                                            Experiment.id.desc())))
    arms: dict[int, list[ExperimentArm]] = {row.id: [] for row in rows}
    for arm in session.scalars(select(ExperimentArm).order_by(ExperimentArm.position)):
        arms.setdefault(arm.experiment_id, []).append(arm)
    return [_out(row, arms[row.id]) for row in rows]


def get_experiment(session: Session, key: str) -> ExperimentOut:
    """One experiment (``NotFound`` when there is none)."""
    row = _row(session, key)
    return _out(row, _arms(session, row.id))


def create_experiment(session: Session, body: ExperimentIn, *,
                      versions: Collection[str] | None = None) -> ExperimentOut:
    """Store a new draft; ``InvalidInput`` names each wrong field, ``Conflict`` a key in use.

    >>> # create_experiment(session, ExperimentIn(key="home-diversity", …)).status -> 'draft'
    """
    _valid(session, body, versions)
    if session.scalar(select(Experiment.id).where(Experiment.key == body.key)) is not None:
        raise Conflict(f"the experiment {body.key!r} exists already")
    if (session.scalar(select(func.count()).select_from(Experiment)) or 0) >= MAX_EXPERIMENTS:
        raise Conflict(f"a shop keeps at most {MAX_EXPERIMENTS} experiments; delete one")
    row = Experiment(key=body.key, name=body.name, kind=body.kind, status="draft",
                     salt=secrets.token_hex(16), primary_metric=body.primary_metric,
                     guardrails=[], created_at=utcnow())
    session.add(row)
    session.flush()
    _write(session, row, body)
    bump(session, EXPERIMENTS)
    return _out(row, _arms(session, row.id))


def replace_experiment(session: Session, key: str, body: ExperimentIn, *,
                       versions: Collection[str] | None = None) -> ExperimentOut:
    """Change a draft wholly (``Conflict`` once it has started: its units are placed)."""
    row = _row(session, key)
    if row.status != "draft":
        raise Conflict(f"the experiment {key!r} has started; its set-up can no longer change")
    if body.key != key:
        raise InvalidInput("the experiment is not valid",
                           [FieldError(("key",), "the key cannot change")])
    _valid(session, body, versions)
    _write(session, row, body)
    bump(session, EXPERIMENTS)
    return _out(row, _arms(session, row.id))


def start_experiment(session: Session, key: str) -> ExperimentOut:
    """Start a draft: from the next request on, its units are placed and exposures logged.
    Only one holdout runs at a time (two would hold out two groups)."""
    row = _row(session, key)
    if row.status != "draft":
        raise Conflict(f"the experiment {key!r} is {row.status}, not a draft")
    if row.kind == "holdout" and session.scalar(
            select(Experiment.key).where(Experiment.kind == "holdout",
                                         Experiment.status == "running")) is not None:
        raise Conflict("a holdout is running already; stop it first")
    row.status = "running"
    row.started_at = row.updated_at = utcnow()
    bump(session, EXPERIMENTS)
    return _out(row, _arms(session, row.id))


def stop_experiment(session: Session, key: str) -> ExperimentOut:
    """Stop a running experiment: everyone sees the shop as it is from the next request on;
    the results keep what was measured."""
    row = _row(session, key)
    if row.status != "running":
        raise Conflict(f"the experiment {key!r} is {row.status}, not running")
    row.status = "stopped"
    row.stopped_at = row.updated_at = utcnow()
    bump(session, EXPERIMENTS)
    return _out(row, _arms(session, row.id))


def delete_experiment(session: Session, key: str) -> None:
    """Delete an experiment that is not running, with its exposures and tallies."""
    row = _row(session, key)
    if row.status == "running":
        raise Conflict(f"the experiment {key!r} is running; stop it first")
    session.delete(row)
    session.flush()
    bump(session, EXPERIMENTS)
