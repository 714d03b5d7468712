"""The three strategies that pick a slot's variant for a visitor:

- ``first_match``: the variants in order; the first whose targeting holds;
- ``best_score``: among the variants whose targeting holds, the highest score, where a
  variant's score is the number of its criteria (all of which held) × its ``weight``; a
  variant for everyone scores 0, so it wins only when nothing targeted matches; ties go to
  the earlier variant;
- ``split``: the visitor's bucket (``prefero.assignment.bucket`` of the visitor id with the
  slot's salt) falls in the control group (the first ``control_share`` of [0, 1), shown the
  fallback) or in one variant's range, the rest of [0, 1) divided by the variants' shares in
  order. Targeting is not read: everyone is in the test, and the same visitor always lands
  in the same place. A visitor without an id cannot be placed and sees the fallback.

When nothing is chosen the fallback is shown ("default"), else nothing.

Experiments (``prefero.experiments.content_arms``) override the strategy in two ways only:
an arm's variant when its targeting holds (``arm_choice``), and the long-term holdout's
fallback (``held_out``).
"""

from __future__ import annotations

from dataclasses import dataclass

from prefero.assignment import bucket, pick
from prefero.content.reasons import CONTEXT_CODES, ContentReason, ReasonParams
from prefero.content.slots import CompiledSlot, CompiledVariant
from prefero.content.targeting import evaluate
from prefero.content.visitor import VisitorFacts

__all__ = ["Choice", "arm_choice", "choose", "held_out", "split_shares"]


@dataclass(frozen=True)
class Choice:
    variant: CompiledVariant | None
    reasons: tuple[ContentReason, ...]
    control: bool = False

    @property
    def context_used(self) -> bool:
        return any(reason.code in CONTEXT_CODES for reason in self.reasons)


_DEFAULT = (ContentReason(code="default"),)


def _fallback(slot: CompiledSlot) -> Choice:
    if slot.fallback is None:
        return Choice(variant=None, reasons=())
    return Choice(variant=slot.fallback, reasons=_DEFAULT)


def _first_match(slot: CompiledSlot, facts: VisitorFacts) -> Choice:
    for variant in slot.variants:
        reasons = evaluate(variant.targeting, facts)
        if reasons is not None:
            return Choice(variant=variant, reasons=tuple(reasons) or _DEFAULT)
    return _fallback(slot)


def _best_score(slot: CompiledSlot, facts: VisitorFacts) -> Choice:
    best: tuple[float, CompiledVariant, list[ContentReason]] | None = None
    for variant in slot.variants:
        reasons = evaluate(variant.targeting, facts)
        if reasons is None:
            continue
        score = variant.targeting.criteria() * variant.weight
        if best is None or score > best[0]:
            best = (score, variant, reasons)
    if best is None:
        return _fallback(slot)
    return Choice(variant=best[1], reasons=tuple(best[2]) or _DEFAULT)


def split_shares(slot: CompiledSlot) -> list[tuple[CompiledVariant | None, float]]:
    """The arms of a split in bucket order: the control group (``None``), then each variant
    with a share, widths summing to 1.

    >>> # split_shares(slot) -> [(None, 0.2), (variant_a, 0.4), (variant_b, 0.4)]
    """
    total = sum(v.share for v in slot.variants if v.share > 0)
    arms: list[tuple[CompiledVariant | None, float]] = [(None, slot.control_share)]
    if total > 0:
        arms += [(v, (1.0 - slot.control_share) * v.share / total)
                 for v in slot.variants if v.share > 0]
    return arms


def _split(slot: CompiledSlot, unit: str | None) -> Choice:
    if unit is None:
        return _fallback(slot)
    arms = split_shares(slot)
    at = pick(bucket(unit=unit, salt=slot.salt), [share for _arm, share in arms])
    if at is None:  # rounding at the very top of [0, 1): the last arm's
        at = len(arms) - 1
    variant, share = arms[at]
    if variant is None:
        control = _fallback(slot)
        return Choice(variant=control.variant, control=True,
                      reasons=(ContentReason(code="control"),))
    return Choice(variant=variant, reasons=(ContentReason(
        code="split", params=ReasonParams(share=round(share, 4))),))


def choose(slot: CompiledSlot, facts: VisitorFacts, *, unit: str | None) -> Choice:
    """The slot's choice for the visitor (``unit``: the id a split places).

    >>> # choose(slot, facts, unit="anon-1").variant.key -> 'welcome-back'
    """
    if slot.strategy == "split":
        return _split(slot, unit)
    if slot.strategy == "best_score":
        return _best_score(slot, facts)
    return _first_match(slot, facts)


def held_out(slot: CompiledSlot) -> Choice:
    """What a unit the long-term holdout keeps from personalization sees: the fallback.

    >>> # held_out(slot).variant.key -> 'everyone' (the slot's fallback)
    """
    return _fallback(slot)


def arm_choice(slot: CompiledSlot, facts: VisitorFacts, *, variant: str, share: float
               ) -> Choice | None:
    """An experiment arm's ``variant`` of ``slot`` when it exists and its targeting holds for
    the visitor; ``None`` (the slot's own choice) otherwise. Targeting still rules: an arm
    never shows a variant to someone it excludes (nor one that reads what consent keeps
    out). Explained by what held and by the test (``share``: of all visitors offered it).

    >>> # arm_choice(slot, facts, variant="welcome", share=0.5).reasons[-1].code -> 'split'
    """
    chosen = next((v for v in slot.variants if v.key == variant), None)
    if chosen is None:
        return None
    reasons = evaluate(chosen.targeting, facts)
    if reasons is None:
        return None
    return Choice(variant=chosen, reasons=(*reasons, ContentReason(
        code="split", params=ReasonParams(share=round(share, 4)))))
