"""Content experiments on the request path: what the running experiments make of one slot
for one unit, and the renders to log once the slot's answer is served.

The unit is the request's person, the customer, else the shop's visitor id: after a visitor
signs in, the customer's own place wins, as everywhere in ``prefero.experiments.running``.
Tracking consent (as the content path reads it) decides whether the unit is measured as
itself or only in the anonymous tallies.

- An arm with a ``variant`` shows it when the variant's targeting holds for this visitor,
  else the slot's own choice; an arm without one is the slot's own choice (the control).
  Either way the unit was in the arm, so it is exposed: the comparison is of what the arms
  *offer*, not of who could be shown what.
- The long-term holdout's held-out units see the slot's fallback, nothing chosen for them,
  and take part in no other experiment. Every unit placed in the holdout is exposed to it
  at each render, both arms alike, so that its two arms are counted by the same rule. A
  unit without tracking consent in a holdout that does not allow anonymous measurement takes
  no part in it (as ``prefero.experiments.serving`` has it for recommendations).
- Two content experiments on one slot: the older (created first) that places the unit wins,
  and the unit takes no part in the younger (it is not exposed to it), so that neither
  measures the other's arm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from prefero.experiments.exposures import expose
from prefero.experiments.running import Assignment, RunningExperiments
from prefero.experiments.schemas import ContentArm

if TYPE_CHECKING:
    from prefero.runtime import Runtime

__all__ = ["NOT_EXPOSED", "Exposures", "SlotArm", "expose_served", "slot_arm"]


@dataclass(frozen=True)
class Exposures:
    """The arms one answer put ``unit`` in, to log once the answer is actually served."""

    unit: str | None = None
    assignments: tuple[Assignment, ...] = ()


NOT_EXPOSED = Exposures()


@dataclass(frozen=True)
class SlotArm:
    """What the running experiments make of one slot for one unit."""

    #: In the holdout's held-out arm: the slot's fallback, nothing chosen for them.
    held_out: bool = False
    #: The arm's variant, shown when its targeting holds (``None``: the slot's own choice).
    variant: str | None = None
    #: The share of all units an arm's variant is offered to (for the shopper's reason).
    share: float = 0.0
    exposures: Exposures = NOT_EXPOSED


def slot_arm(running: RunningExperiments, *, slot: str, unit: str | None,
             tracking: bool) -> SlotArm:
    """The unit's arms for ``slot`` among the ``running`` experiments.

    >>> from prefero.experiments.running import NOTHING_RUNNING
    >>> arm = slot_arm(NOTHING_RUNNING, slot="home-hero", unit="c1", tracking=True)
    >>> arm.held_out, arm.variant, arm.exposures.assignments
    (False, None, ())
    """
    if unit is None or not running.experiments:
        return SlotArm()
    holdout = running.holdout
    placed = running.assign(holdout, unit=unit, tracking=tracking) if holdout else None
    if placed is not None and placed.arm.control:
        return SlotArm(held_out=True, exposures=Exposures(unit=unit, assignments=(placed,)))
    assignments = [placed] if placed is not None else []
    # The oldest content experiment on the slot that places the unit (creation order).
    chosen = next((a for e in running.of_kind("content", slot)
                   if (a := running.assign(e, unit=unit, tracking=tracking)) is not None),
                  None)
    variant, share = None, 0.0
    if chosen is not None:
        assignments.append(chosen)
        config = chosen.arm.config
        if isinstance(config, ContentArm) and config.variant is not None:
            variant, share = config.variant, chosen.experiment.traffic * chosen.arm.share
    if not assignments:
        return SlotArm()
    return SlotArm(variant=variant, share=share,
                   exposures=Exposures(unit=unit, assignments=tuple(assignments)))


def expose_served(runtime: Runtime, exposures: Exposures) -> None:
    """Log one render of each arm in ``exposures`` (``prefero.experiments.exposures``): call
    it once per answer actually served, after it is sent.

    >>> # background.add_task(expose_served, runtime, served.exposures)
    """
    for assignment in exposures.assignments:
        expose(runtime, assignment, unit=exposures.unit)
