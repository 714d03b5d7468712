"""Experiments over HTTP: listed, read, checked and their results read with a read key;
created, changed while a draft, started, stopped and deleted with the admin key, every write
in the audit log. Also the planner: power, minimum detectable effect and sample size.

Thin on purpose: ``prefero.experiments.service`` keeps the experiments,
``prefero.experiments.results`` measures them, ``prefero.experiments.power`` plans them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, require
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.experiments import service
from prefero.experiments.power import (
    comparison_alpha,
    proportion_mde,
    proportion_power,
    proportion_sample_size,
)
from prefero.experiments.results import ExperimentResults, experiment_results
from prefero.experiments.schemas import ExperimentIn, ExperimentOut
from prefero.recommend.quality_reads import kept_versions
from prefero.runtime import Runtime

__all__ = ["router"]

router = APIRouter(prefix="/v1/admin/experiments", tags=["experiments"])

_ADMIN = Depends(require("admin"))
_READ = [Depends(require("read"))]
_EXPERIMENT = ("experiment", "key")

Key = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                          description="The experiment's key")]
#: The words this API's own paths use where a key would stand.
RESERVED_KEYS = ("check", "power")


class _KeyPath(Convertor[str]):
    """An experiment's key in a path, never one of ``RESERVED_KEYS``: without this,
    ``/{key}`` would also match ``/check`` and ``/power``, and their answers would list its
    methods as allowed."""

    regex = r"(?!(?:" + "|".join(RESERVED_KEYS) + r")(?:/|$))[a-z0-9][a-z0-9_\-]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("experiment_key", _KeyPath())


class Experiments(BaseModel):
    items: list[ExperimentOut]


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description='Path to the field, from "body"')
    msg: str


class Problems(BaseModel):
    """What is wrong with an experiment; no errors: it may be stored."""

    valid: bool
    errors: list[FieldProblem]


class Plan(BaseModel):
    """A test of a rate: its power, the smallest relative lift it finds with that power,
    and the units per arm it needs."""

    base_rate: float
    alpha: float
    arms: int = Field(description="Arms, the control included")
    comparison_alpha: float = Field(description="The level each arm's comparison with the "
                                                "control is planned at: alpha / (arms - 1), "
                                                "the strictest step of the primary verdict's "
                                                "Holm adjustment (Bonferroni, so on the safe "
                                                "side)")
    power: float = Field(description="The power asked for, or found for the given lift "
                                     "and units")
    relative_lift: float | None = Field(description="The lift asked for, or the minimum "
                                                    "detectable one at the units given")
    units_per_arm: int | None = Field(description="The units given, or those the lift needs")



@contextmanager
def _in_body() -> Iterator[None]:
    """The service points into an experiment from its root; FastAPI's own validation errors
    start with "body". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


def _versions(session: Session, runtime: Runtime) -> list[str]:
    """The trained versions an arm may serve (those kept)."""
    return kept_versions(session, settings=runtime.settings)


@router.get("", dependencies=_READ)
def list_experiments(session: DbSession) -> Experiments:
    """Every experiment, the newest first."""
    return Experiments(items=service.list_experiments(session))


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(409),
             dependencies=[_ADMIN, Depends(audited("experiments.create"))])
def create_experiment(body: ExperimentIn, session: DbSession, runtime: Rt) -> ExperimentOut:
    """Store a new draft, e.g. ``{"key": "home-diversity", "name": "More variety on the home
    page", "kind": "recommendations", "target": "home", "arms": [{"key": "control", "name":
    "As it is", "share": 0.5, "control": true}, {"key": "diverse", "name": "More variety",
    "share": 0.5, "config": {"diversity": 0.6}}]}``. Every wrong field is named, e.g.
    ``["body", "arms", 1, "config", "diversity"]``; 409 when the key is taken."""
    with _in_body():
        return service.create_experiment(session, body, versions=_versions(session, runtime))


@router.post("/check", dependencies=_READ)
def check_experiment(body: ExperimentIn, session: DbSession, runtime: Rt) -> Problems:
    """What is wrong with an experiment, every field named; nothing is stored (the set-up
    form's live check). A body that is not an experiment at all is a 422."""
    problems = service.check_experiment(session, body, versions=_versions(session, runtime))
    return Problems(valid=not problems, errors=[
        FieldProblem(loc=["body", *problem.loc], msg=problem.msg) for problem in problems])


@router.get("/power", dependencies=_READ)
def plan(
    # Rates nearer 0 or 1 than this are not experiments anyone can run (and leave the
    # planner's arithmetic nothing to divide by).
    base_rate: Annotated[float, Query(ge=0.0001, le=0.9999, description=(
        "The control's rate, e.g. 0.1"))],
    relative_lift: Annotated[float | None, Query(
        gt=-1.0, le=100.0, description="The lift to find, e.g. 0.2 for 10 % → 12 %: gives "
                                       "the units per arm needed")] = None,
    units_per_arm: Annotated[int | None, Query(
        ge=2, le=1_000_000_000, description="Units per arm: gives the minimum detectable "
                                            "lift (and the power, with relative_lift)")
    ] = None,
    alpha: Annotated[float, Query(gt=0.0, le=0.5)] = 0.05,
    power: Annotated[float, Query(gt=0.0, lt=1.0, description="The power to plan for")
                     ] = 0.8,
    arms: Annotated[int, Query(ge=2, le=10, description=(
        "Arms, the control included: each comparison with the control is planned at "
        "alpha / (arms - 1)"))] = 2,
) -> Plan:
    """The power calculator of a test of a rate (two-sided, equal arms), each arm against
    the control at ``alpha / (arms - 1)``, as the primary verdict adjusts over the arms.
    Give ``relative_lift`` for the units it needs, ``units_per_arm`` for the smallest lift
    they find, or both for the power they have. What cannot be computed (a lift beyond a
    rate of 1, power not above alpha) is a 422 naming the query parameter."""
    if relative_lift is None and units_per_arm is None:
        raise InvalidInput("give relative_lift or units_per_arm", [
            FieldError(("query", "relative_lift"), "give relative_lift or units_per_arm")])
    try:
        level = comparison_alpha(alpha, arms=arms)
        if relative_lift is not None and units_per_arm is not None:
            found = proportion_power(base_rate=base_rate, relative_lift=relative_lift,
                                     units_per_arm=units_per_arm, alpha=level)
            return Plan(base_rate=base_rate, alpha=alpha, arms=arms, comparison_alpha=level,
                        power=found, relative_lift=relative_lift, units_per_arm=units_per_arm)
        if relative_lift is not None:
            return Plan(base_rate=base_rate, alpha=alpha, arms=arms, comparison_alpha=level,
                        power=power, relative_lift=relative_lift,
                        units_per_arm=proportion_sample_size(
                            base_rate=base_rate, relative_lift=relative_lift, alpha=level,
                            power=power))
        assert units_per_arm is not None
        return Plan(base_rate=base_rate, alpha=alpha, arms=arms, comparison_alpha=level,
                    power=power,
                    relative_lift=proportion_mde(base_rate=base_rate,
                                                 units_per_arm=units_per_arm, alpha=level,
                                                 power=power),
                    units_per_arm=units_per_arm)
    except ValueError as exc:
        given = "relative_lift" if relative_lift is not None else "units_per_arm"
        raise InvalidInput("the plan cannot be computed", [
            FieldError(("query", _culprit(str(exc), given=given)), str(exc))]) from exc


def _culprit(message: str, *, given: str) -> str:
    """The query parameter a planner's refusal is about (its messages name it first; a lift
    beyond a rate of 1 names the lift; too few units for any lift, the units).

    >>> _culprit("power must exceed alpha (0.5), got 0.3", given="units_per_arm")
    'power'
    >>> _culprit("base_rate * (1 + relative_lift) must lie in (0, 1), got 1.2", given="x")
    'relative_lift'
    """
    if "relative_lift" in message:
        return "relative_lift"
    if message.startswith("no lift reaches"):
        return "units_per_arm"
    first = message.split(" ", 1)[0]
    return first if first in ("power", "alpha", "units_per_arm", "base_rate") else given


@router.get("/{key:experiment_key}", dependencies=_READ, responses=problem_responses(404))
def get_experiment(key: Key, session: DbSession) -> ExperimentOut:
    """One experiment."""
    return service.get_experiment(session, key)


@router.put("/{key:experiment_key}", responses=problem_responses(404, 409),
            dependencies=[_ADMIN, Depends(audited("experiments.write", target=_EXPERIMENT))])
def replace_experiment(key: Key, body: ExperimentIn, session: DbSession, runtime: Rt
                       ) -> ExperimentOut:
    """Replace a draft wholly (its key stays); 409 once it has started: its units are
    placed, and a change would move them between arms."""
    with _in_body():
        return service.replace_experiment(session, key, body,
                                          versions=_versions(session, runtime))


@router.delete("/{key:experiment_key}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=problem_responses(404, 409),
               dependencies=[_ADMIN,
                             Depends(audited("experiments.delete", target=_EXPERIMENT))])
def delete_experiment(key: Key, session: DbSession) -> Response:
    """Delete an experiment that is not running, with what it measured; 409 while it runs."""
    service.delete_experiment(session, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{key:experiment_key}/start", responses=problem_responses(404, 409),
             dependencies=[_ADMIN, Depends(audited("experiments.start", target=_EXPERIMENT))])
def start_experiment(key: Key, session: DbSession) -> ExperimentOut:
    """Start a draft: from the next request on its units are placed and exposures logged.
    409 unless it is a draft, or for a second running holdout."""
    return service.start_experiment(session, key)


@router.post("/{key:experiment_key}/stop", responses=problem_responses(404, 409),
             dependencies=[_ADMIN, Depends(audited("experiments.stop", target=_EXPERIMENT))])
def stop_experiment(key: Key, session: DbSession) -> ExperimentOut:
    """Stop a running experiment; its results keep what was measured. 409 unless it runs."""
    return service.stop_experiment(session, key)


@router.get("/{key:experiment_key}/results", dependencies=_READ,
            responses=problem_responses(404))
def get_results(key: Key, session: DbSession, runtime: Rt,
                alpha: Annotated[float, Query(gt=0.0, le=0.5, description=(
                    "Significance level of the tests and intervals"))] = 0.05,
                ) -> ExperimentResults:
    """The results so far: units per arm and the sample-ratio check; for the primary metric
    and each guardrail, each arm against the control with fixed-horizon, CUPED and
    always-valid figures, Holm- and BH-adjusted p-values and a verdict; segments; the
    anonymous totals; the effect the units so far can detect."""
    return experiment_results(session, key, settings=runtime.settings, alpha=alpha)
