"""What the running experiments change in one recommendation request, and the renders of
the arms an answer served.

``plan_arms`` places the request's unit (the query's ``customer_id``; no unit, no
experiment) and answers the settings its arms make: the profile (a default level, the
holdout's level ``off``), the query (the exploration slot), the pipeline's configuration
(diversification), whether the shop's ranking rules apply, the model version, and the
assignments to expose once the answer is served. It reads nothing from the database. An arm
whose model version cannot be served (``servable``) is not applied: the unit takes no part
in that experiment on that request, so it is neither treated nor exposed there.

``plan_holdout`` is the same for an answer no exposure is logged for (search, listings,
suggestions): no arm applies there, but the holdout holds everywhere, so a held-out unit
gets the level ``off`` and nothing is to be exposed.

What an arm never changes: the customer's hard exclusions and consents (they apply at every
level and in every arm), a level the customer chose, an exploration slot the customer turned
off, and the shop's hide rules (an exclusion, not a ranking).

Two experiments changing the same setting for one unit: the older one (created first) wins,
and the unit takes no part in the younger one (it is not exposed to it), so that neither
experiment measures the other's arm. An experiment's settings are what any of its arms
changes, its control included: the control keeps the setting as the shop has it, and that,
too, is the experiment's to keep.

The holdout: a held-out unit (its control arm) gets answers at the level ``off`` and takes
part in no other experiment; both of its arms are exposed when served. A unit without
tracking consent in a holdout that does not allow anonymous measurement takes no part in it
and is personalized as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from prefero.experiments.exposures import expose
from prefero.experiments.running import Assignment, RunningExperiments
from prefero.experiments.schemas import RecommendationArm
from prefero.recommend.config import PipelineConfig
from prefero.recommend.profile import CustomerProfile
from prefero.recommend.query import RecommendationQuery, RecommendationResult

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["ArmPlan", "Served", "expose_arms", "plan_arms", "plan_holdout"]

_AS_THE_SHOP_IS = RecommendationArm()
_SETTINGS = tuple(RecommendationArm.model_fields)


@dataclass(frozen=True)
class ArmPlan:
    """One request as the unit's arms make it."""

    profile: CustomerProfile
    query: RecommendationQuery
    config: PipelineConfig
    #: Apply the shop's boosts, buries and pins (its hides apply regardless).
    merchandising: bool = True
    #: The trained version to serve (``None``: the newest).
    model_version: str | None = None
    #: The unit is the holdout's: no personalization.
    held_out: bool = False
    #: The arms to expose once the answer is served, the holdout's first.
    assignments: tuple[Assignment, ...] = ()


@dataclass(frozen=True)
class Served:
    """An answer and the arms it served to ``unit``."""

    result: RecommendationResult
    unit: str | None = None
    assignments: tuple[Assignment, ...] = ()


def _changes(arm: RecommendationArm) -> frozenset[str]:
    return frozenset(name for name in _SETTINGS
                     if getattr(arm, name) != getattr(_AS_THE_SHOP_IS, name))


def _settings_of(assignment: Assignment) -> frozenset[str]:
    """Every setting any arm of the assignment's experiment changes."""
    found: frozenset[str] = frozenset()
    for arm in assignment.experiment.arms:
        if isinstance(arm.config, RecommendationArm):
            found |= _changes(arm.config)
    return found


def _in_holdout(running: RunningExperiments, *, profile: CustomerProfile, unit: str
                ) -> Assignment | None:
    """The unit's arm in the running holdout (``None``: none runs, or the unit takes no
    part in it)."""
    holdout = running.holdout
    if holdout is None:
        return None
    return running.assign(holdout, unit=unit, tracking=profile.consents.get("tracking", False))


def _held_out(plan: ArmPlan) -> ArmPlan:
    # Constraints and consents hold at every level, off included.
    return replace(plan, profile=replace(plan.profile, level="off"), held_out=True)


def plan_holdout(running: RunningExperiments, *, profile: CustomerProfile,
                 query: RecommendationQuery, config: PipelineConfig) -> ArmPlan:
    """The request ``query`` for ``profile`` as the running holdout alone makes it, with
    nothing to expose: a held-out unit at the level ``off``, anyone else as the shop is.

    >>> # plan_holdout(running, profile=profile, query=RecommendationQuery(
    >>> #     customer_id="c1", placement="search"), config=config).profile.level -> 'off'
    """
    plan = ArmPlan(profile=profile, query=query, config=config)
    unit = query.customer_id
    if unit is None:
        return plan
    placed = _in_holdout(running, profile=profile, unit=unit)
    return _held_out(plan) if placed is not None and placed.arm.control else plan


def _servable(placed: Assignment, servable: Callable[[str], bool] | None) -> bool:
    config = placed.arm.config
    return (servable is None or not isinstance(config, RecommendationArm)
            or config.model_version is None or servable(config.model_version))


def plan_arms(running: RunningExperiments, *, profile: CustomerProfile,
              query: RecommendationQuery, config: PipelineConfig,
              servable: Callable[[str], bool] | None = None) -> ArmPlan:
    """The request ``query`` for ``profile`` as the unit's arms in ``running`` make it;
    work in proportion to the running experiments, none when nothing runs. ``servable``
    says whether an arm's model version can be served (``None``: every one can); the unit
    takes no part in an experiment whose arm's version cannot.

    >>> # plan = plan_arms(runtime.experiments.running(session), profile=profile,
    >>> #                  query=RecommendationQuery(customer_id="c1"), config=config)
    >>> # plan.config.diversify.mmr_lambda -> 0.25  (an arm with diversity 0.75)
    """
    plan = ArmPlan(profile=profile, query=query, config=config)
    unit = query.customer_id
    if unit is None or not running.experiments:
        return plan
    tracking = profile.consents.get("tracking", False)
    assignments: list[Assignment] = []
    placed = _in_holdout(running, profile=profile, unit=unit)
    if placed is not None:
        assignments.append(placed)
        if placed.arm.control:
            return replace(_held_out(plan), assignments=tuple(assignments))
    kept: frozenset[str] = frozenset()
    arms: list[RecommendationArm] = []
    # Oldest first (running.experiments is in creation order): the older keeps a setting.
    for experiment in running.of_kind("recommendations", query.placement):
        placed = running.assign(experiment, unit=unit, tracking=tracking)
        if placed is None:
            continue
        settings = _settings_of(placed)
        if settings & kept or not _servable(placed, servable):
            continue
        kept |= settings
        assignments.append(placed)
        if isinstance(placed.arm.config, RecommendationArm):
            arms.append(placed.arm.config)
    if not assignments:
        return plan
    return _applied(replace(plan, assignments=tuple(assignments)), arms)


def _applied(plan: ArmPlan, arms: Iterable[RecommendationArm]) -> ArmPlan:
    profile, query, config = plan.profile, plan.query, plan.config
    merchandising, version = plan.merchandising, plan.model_version
    for arm in arms:
        if arm.default_level is not None and not profile.level_chosen:
            profile = replace(profile, level=arm.default_level)
        if arm.diversity is not None:
            # The arm's scale runs the other way: 1 = diversity only, MMR's λ 1 = relevance.
            config = config.model_copy(update={"diversify": config.diversify.model_copy(
                update={"mmr_lambda": 1.0 - arm.diversity})})
        if not arm.merchandising:
            merchandising = False
        if arm.exploration is not None and query.exploration is None:
            # The query's own value wins, and so does a customer who turned the slot off.
            query = query.model_copy(update={"exploration": arm.exploration
                                             and profile.exploration})
        if arm.model_version is not None:
            version = arm.model_version
    return replace(plan, profile=profile, query=query, config=config,
                   merchandising=merchandising, model_version=version)


def expose_arms(runtime: Runtime, *served: Served) -> None:
    """Log one render of every arm the answers served: a page of several rows is one render
    of each arm (the rows of one page are one plan).

    >>> # expose_arms(runtime, picked, more)  # a page with two rows
    """
    seen: set[tuple[int, str]] = set()
    for answer in served:
        if answer.unit is None:
            continue
        for assignment in answer.assignments:
            key = (assignment.experiment.id, assignment.arm.key)
            if key not in seen:
                seen.add(key)
                expose(runtime, assignment, unit=answer.unit)
