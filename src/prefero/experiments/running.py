"""The experiments running now, as every request reads them: compiled once per change of the
``experiments`` revision counter, held by the process, and answering in memory which arm a
unit is in.

Assignment is ``prefero.assignment``'s scheme (the content slots' control groups use the
same): the unit's place in [0, 1) under the experiment's salt. A place beyond ``traffic``
leaves the unit out; the rest is split by the arms' shares. Nothing is stored, so a unit sees
the same arm on every request, in every process, in every session. After an anonymous
visitor is merged into a known customer, the customer's id is the unit: their assignment
wins.

Consent: a unit with tracking consent is measured as itself (an exposure row). A unit without
it takes part only in an experiment that allows anonymous measurement, and then only adds to
anonymous per-arm tallies; in any other experiment it sees the shop as it is.

The long-term holdout: while one runs, its held-out units (its control arm) take part in no
other experiment and get no personalization, so that what personalization adds as a whole
stays measurable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.assignment import bucket, pick
from prefero.catalog.revisions import current
from prefero.experiments.models import Experiment, ExperimentArm
from prefero.experiments.schemas import ContentArm, Kind, MessageArm, RecommendationArm
from prefero.experiments.service import EXPERIMENTS

__all__ = ["Assignment", "Book", "CompiledArm", "CompiledExperiment", "Measured",
           "RunningExperiments", "compile_running"]

Measured = Literal["unit", "anonymous"]


@dataclass(frozen=True)
class CompiledArm:
    key: str
    share: float
    control: bool
    config: BaseModel | None


@dataclass(frozen=True)
class CompiledExperiment:
    id: int
    key: str
    kind: Kind
    target: str | None
    salt: str
    traffic: float
    anonymous_measurement: bool
    arms: tuple[CompiledArm, ...]

    def arm_for(self, unit: str) -> CompiledArm | None:
        """The unit's arm (``None``: outside the experiment's traffic).

        >>> e = CompiledExperiment(id=1, key="x", kind="content", target="s", salt="s",
        ...     traffic=1.0, anonymous_measurement=False, arms=(
        ...     CompiledArm("a", 0.5, True, None), CompiledArm("b", 0.5, False, None)))
        >>> e.arm_for("visitor-1") == e.arm_for("visitor-1")
        True
        """
        position = bucket(unit=unit, salt=self.salt)
        if position >= self.traffic:
            return None
        index = pick(position / self.traffic, [arm.share for arm in self.arms])
        # Shares sum to one up to rounding: a place in the last sliver is the last arm's.
        return self.arms[index if index is not None else -1]


@dataclass(frozen=True)
class Assignment:
    """A unit placed in an arm, and how it is measured."""

    experiment: CompiledExperiment
    arm: CompiledArm
    measured: Measured


@dataclass(frozen=True)
class RunningExperiments:
    """Every running experiment as of ``revision`` of the counter."""

    revision: int
    experiments: tuple[CompiledExperiment, ...]

    @property
    def holdout(self) -> CompiledExperiment | None:
        return next((e for e in self.experiments if e.kind == "holdout"), None)

    def held_out(self, unit: str | None) -> bool:
        """Is ``unit`` in the running holdout's held-out arm (no personalization)?"""
        holdout = self.holdout
        if holdout is None or unit is None:
            return False
        arm = holdout.arm_for(unit)
        return arm is not None and arm.control

    def of_kind(self, kind: Kind, target: str | None = None) -> tuple[CompiledExperiment, ...]:
        """The running experiments of ``kind`` that apply to ``target`` (an experiment
        without a target applies to every one)."""
        return tuple(e for e in self.experiments if e.kind == kind
                     and (e.target is None or target is None or e.target == target))

    def assign(self, experiment: CompiledExperiment, *, unit: str | None,
               tracking: bool) -> Assignment | None:
        """The unit's arm in ``experiment``, or ``None`` when it takes no part: no unit to
        place, held out by the holdout, outside the traffic, or without tracking consent in
        an experiment that does not allow anonymous measurement.

        >>> # running.assign(experiment, unit="c1", tracking=True).arm.key -> 'treatment'
        """
        if unit is None:
            return None
        if experiment.kind != "holdout" and self.held_out(unit):
            return None
        if not tracking and not experiment.anonymous_measurement:
            return None
        arm = experiment.arm_for(unit)
        if arm is None:
            return None
        return Assignment(experiment=experiment, arm=arm,
                          measured="unit" if tracking else "anonymous")


NOTHING_RUNNING = RunningExperiments(revision=-1, experiments=())

_SHAPES: dict[str, type[BaseModel]] = {"recommendations": RecommendationArm,
                                       "content": ContentArm, "messages": MessageArm}


def compile_running(session: Session, revision: int) -> RunningExperiments:
    """Read the running experiments and their arms (two queries)."""
    rows = list(session.scalars(select(Experiment).where(Experiment.status == "running")
                                .order_by(Experiment.id)))
    if not rows:
        return RunningExperiments(revision=revision, experiments=())
    arms: dict[int, list[CompiledArm]] = {row.id: [] for row in rows}
    for arm in session.scalars(select(ExperimentArm)
                               .where(ExperimentArm.experiment_id.in_(list(arms)))
                               .order_by(ExperimentArm.experiment_id, ExperimentArm.position)):
        kind = next(row.kind for row in rows if row.id == arm.experiment_id)
        shape = _SHAPES.get(kind)
        arms[arm.experiment_id].append(CompiledArm(
            key=arm.key, share=arm.share, control=arm.control,
            config=shape.model_validate(arm.config) if shape is not None else None))
    return RunningExperiments(revision=revision, experiments=tuple(
        CompiledExperiment(id=row.id, key=row.key, kind=row.kind,  # type: ignore[arg-type]
                           target=row.target, salt=row.salt, traffic=row.traffic,
                           anonymous_measurement=row.anonymous_measurement,
                           arms=tuple(arms[row.id]))
        for row in rows))


class Book:
    """One per process: the running experiments, recompiled when the counter moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = NOTHING_RUNNING

    def running(self, session: Session, *, revision: int | None = None
                ) -> RunningExperiments:
        """The running experiments; ``revision`` when the caller has read the counter already
        (the recommendation engine reads it with the catalogue's), else one read here."""
        if revision is None:
            revision = current(session, EXPERIMENTS)
        held = self._running
        if held.revision == revision:
            return held
        with self._lock:
            if self._running.revision != revision:
                self._running = compile_running(session, revision)
            return self._running
