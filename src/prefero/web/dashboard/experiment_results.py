"""An experiment's results in staff's words: the split of shoppers between the arms and its
check, each metric's comparison of every arm with the control (values, difference and
interval, lift, the CUPED-narrowed interval, the always-valid reading, the Holm-adjusted p and
a plain verdict), the segments, the anonymous totals and what the shoppers so far can find.

The figures come from ``prefero.experiments.results``; this module only formats them for the
page's language (Babel: percentages, percentage points, money in the shop's currency,
p-values to three places), so that no raw float or code reaches the page.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal, format_percent
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.experiments.metrics import metric_kind
from prefero.experiments.results import (
    LOWER_IS_BETTER,
    ArmVerdict,
    Estimate,
    ExperimentResults,
    ExperimentSummary,
    MetricComparison,
    experiment_results,
    experiment_summary,
)
from prefero.experiments.schemas import ExperimentOut, Metric
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.experiment_interval import Interval, interval_svg
from prefero.web.dashboard.experiment_view import metric_name, target_name
from prefero.web.dashboard.experiment_words import KIND_NAMES, OTHER, STATUS_NAMES
from prefero.web.dashboard.render import Numbers
from prefero.web.i18n import Translator

__all__ = ["Formats", "results_view", "summary_of"]

_VERDICTS = {
    "better": N_("Better than the control"),
    "worse": N_("Worse than the control"),
    "no_clear_difference": N_("No clear difference yet"),
}
_BREACHED = N_("Guardrail breached: worse than the control")
_BREACHED_ON = N_("Guardrail breached: {metric} worse than the control")
_BASES = {
    "always_valid": N_("While the experiment runs, the verdicts rest on the “safe to check "
                       "any time” figures, adjusted for the many comparisons (Holm)."),
    "fixed_horizon": N_("The experiment is stopped: the verdicts rest on the fixed-horizon "
                        "figures, read once, adjusted for the many comparisons (Holm)."),
}
_SEGMENTS_NOW = N_("These are the segments the shoppers are in now: a segment the change "
                   "itself moves shoppers into or out of is not a fair comparison. "
                   "Segments defined by what shoppers did (events, purchases) are left "
                   "out for that reason.")
_UNTRUSTED = N_("Cannot be trusted: the split is off")
_OUTCOME_NAMES = {
    "rec_click": N_("Recommendation clicks"),
    "add_to_cart": N_("Added to cart"),
    "purchase": N_("Purchases"),
    "rec_dismiss": N_("“Not for me”"),
}


class Formats:
    """A metric's figures as the page's language writes them.

    >>> from prefero.web.i18n import translator
    >>> f = Formats(translator("pl"), "PLN")
    >>> f.value("conversion", 0.1234567), f.difference("conversion", 0.0212)
    ('12,3%', '+2,12\\xa0p.p.')
    >>> f.value("revenue_per_visitor", 1e6), f.p(0.0004), f.p(0.04213)
    ('1\\xa0000\\xa0000,00\\xa0zł', 'p\\xa0<\\xa00,001', 'p\\xa0=\\xa00,042')
    """

    def __init__(self, t: Translator, currency: str) -> None:
        self.t = t
        self.currency = currency
        self.numbers = Numbers(t)

    def _money(self, metric: str) -> bool:
        return metric_kind(metric) != "rate"  # type: ignore[arg-type]

    def value(self, metric: str, value: float) -> str:
        if self._money(metric):
            return self.t.money(round(value, 2), self.currency)
        return self.numbers.share(value)

    def difference(self, metric: str, value: float) -> str:
        """A difference with its sign: money, or percentage points for a rate."""
        sign = "+" if value > 0 else "−" if value < 0 else ""
        if self._money(metric):
            return sign + self.t.money(round(abs(value), 2), self.currency)
        points = format_decimal(round(abs(value) * 100, 2), "#,##0.##",
                                locale=self.t.language)
        # The unit stays on the number's line.
        return self.t("{value} pp", value=sign + points).replace(" ", "\xa0")

    def relative(self, value: float | None) -> str:
        if value is None:
            return "–"
        shown = format_percent(abs(value), "#,##0.#%", locale=self.t.language)
        return ("+" if value > 0 else "−" if value < 0 else "") + shown

    def interval(self, low: str, high: str) -> str:
        return self.t("from {low} to {high}", low=low, high=high)

    def bounds(self, metric: str, low: float | None, high: float | None) -> str:
        if low is None and high is None:
            return self.t("not known yet")
        unbounded = self.t("no bound yet")
        return self.interval(unbounded if low is None else self.difference(metric, low),
                             unbounded if high is None else self.difference(metric, high))

    def p(self, value: float) -> str:
        """A p-value as "p = 0.042", or "p < 0.001" below what three places show."""
        if value < 0.001:
            return "p\xa0<\xa0" + format_decimal(0.001, "0.000", locale=self.t.language)
        return "p\xa0=\xa0" + format_decimal(min(value, 1.0), "0.000", locale=self.t.language)


def _verdict(comparison: MetricComparison, results: ExperimentResults, t: Translator
             ) -> tuple[str, str]:
    if results.srm.flagged:
        return "untrusted", t(_UNTRUSTED)
    if comparison.guardrail_breached:
        return "worse", t(_BREACHED)
    return comparison.verdict, t(_VERDICTS.get(comparison.verdict, OTHER))


def _units(n: int, t: Translator) -> str:
    return t.plural("{n} shopper", "{n} shoppers", n)


def _comparison(comparison: MetricComparison, results: ExperimentResults, names: dict[str, str],
                f: Formats) -> dict[str, Any]:
    t, metric = f.t, comparison.metric
    fixed: Estimate = comparison.fixed
    confidence = f.numbers.share(1 - results.alpha)
    code, verdict = _verdict(comparison, results, t)
    intervals = [Interval(t("Difference"), fixed.difference, fixed.ci_low, fixed.ci_high)]
    cuped = None
    if comparison.cuped is not None:
        adjusted = comparison.cuped.estimate
        intervals.append(Interval(t("Adjusted for the pre-period (CUPED)"),
                                  adjusted.difference, adjusted.ci_low, adjusted.ci_high))
        cuped = {"interval": f.bounds(metric, adjusted.ci_low, adjusted.ci_high),
                 "narrowed": t("{share} less variance",
                               share=f.numbers.share(max(comparison.cuped.variance_reduction,
                                                         0.0)))}
    kept = comparison.always_valid
    # The sentence plans at the level the verdict uses: the primary metric's alpha over
    # the comparisons with the control (Holm's strictest step), a guardrail's own.
    planned = f.numbers.share(comparison.detectable.alpha)
    intervals.append(Interval(t("Safe to check any time"), fixed.difference, kept.ci_low,
                              kept.ci_high))
    mde = comparison.detectable
    # A rate no shopper of either arm reached yet: its test has nothing to say.
    nothing = metric_kind(metric) == "rate" and fixed.control == 0 and fixed.treatment == 0
    return {
        "nothing": nothing,
        "arm": names.get(comparison.arm, comparison.arm),
        "control_value": f.value(metric, fixed.control),
        "arm_value": f.value(metric, fixed.treatment),
        "units": t("{control} in the control, {arm} in this arm",
                   control=_units(comparison.control_units, t),
                   arm=_units(comparison.treatment_units, t)),
        "difference": f.difference(metric, fixed.difference),
        "interval": f.bounds(metric, fixed.ci_low, fixed.ci_high),
        "confidence": t("{share} interval", share=confidence),
        "relative": f.relative(fixed.relative),
        "relative_interval": (f.interval(f.relative(fixed.relative_ci_low),
                                         f.relative(fixed.relative_ci_high))
                              if fixed.relative_ci_low is not None
                              and fixed.relative_ci_high is not None else None),
        "cuped": cuped,
        "always_valid": f.bounds(metric, kept.ci_low, kept.ci_high),
        "always_valid_p": f.p(kept.p_value),
        "always_valid_p_holm": f.p(kept.p_holm),
        "p": f.p(fixed.p_value),
        "p_holm": f.p(comparison.p_holm),
        "verdict": verdict,
        "verdict_code": code,
        "chart": interval_svg(intervals),
        "detectable": (t("With the shoppers so far ({units}), the experiment finds a lift of "
                         "{lift} or more in {power} of experiments, at a significance level "
                         "of {alpha} per comparison.",
                         units=t("{n} in each arm", n=f.numbers.count(mde.units_per_arm)),
                         lift=f.relative(mde.relative).lstrip("+"),
                         power=f.numbers.share(mde.power), alpha=planned)
                       if mde.relative is not None else
                       t("Too few shoppers yet to say which effect the experiment could "
                         "find.")),
    }


def _srm_warning(results: ExperimentResults, t: Translator, n: Numbers) -> str | None:
    if not results.srm.flagged:
        return None
    worst = max(results.arms, key=lambda arm: abs((arm.observed_share or 0.0)
                                                  - arm.planned_share))
    return t("The split is off: {observed} vs {expected} expected in the arm “{arm}” — "
             "results cannot be trusted until the cause is found.",
             observed=n.share(worst.observed_share), expected=n.share(worst.planned_share),
             arm=worst.name)


def _metric_sections(results: ExperimentResults, names: dict[str, str], f: Formats
                     ) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for metric, role in [(results.primary_metric, "primary"),
                         *((g, "guardrail") for g in results.guardrails)]:
        found = [c for c in results.comparisons if c.metric == metric and c.role == role]
        sections.append({"metric": metric, "name": metric_name(metric, f.t), "role": role,
                         "comparisons": [_comparison(c, results, names, f) for c in found]})
    return sections


def _segments(results: ExperimentResults, names: dict[str, str], f: Formats
              ) -> list[dict[str, Any]]:
    metric: Metric = results.primary_metric
    return [{"name": segment.name,
             "arms": [{"arm": names.get(arm.arm, arm.arm), "units": f.numbers.count(arm.units),
                       "value": f.value(metric, arm.value)} for arm in segment.arms],
             "comparisons": [{"arm": names.get(c.arm, c.arm),
                              "relative": f.relative(c.estimate.relative),
                              "interval": f.bounds(metric, c.estimate.ci_low,
                                                   c.estimate.ci_high)}
                             for c in segment.comparisons]}
            for segment in results.segments]


def _change(value: float | None, f: Formats) -> str | None:
    """An arm's total per share of shoppers against the control's, in words (none for the
    control, or where the control has nothing to compare with)."""
    return (f.t("{change} against the control", change=f.relative(value))
            if value is not None else None)


def _anonymous(results: ExperimentResults, names: dict[str, str], f: Formats
               ) -> list[dict[str, Any]]:
    return [{"arm": names.get(arm.arm, arm.arm), "renders": f.numbers.count(arm.renders),
             "outcomes": [(f.t(_OUTCOME_NAMES[name]), f.numbers.count(arm.outcomes.get(name, 0)),
                           _change(arm.vs_control.get(name), f))
                          for name in _OUTCOME_NAMES],
             "revenue": f.t.money(round(arm.revenue, 2), f.currency),
             "revenue_change": _change(arm.vs_control.get("revenue"), f)}
            for arm in results.anonymous]


def _unpriced(results: ExperimentResults, t: Translator) -> str | None:
    """Why the anonymous revenue may be too high: refunds whose value is unknown."""
    count = sum(arm.unpriced_refunds for arm in results.anonymous)
    if not count:
        return None
    return t.plural("Revenue is net of refunds that carry a price; {n} refund without a price "
                    "could not be valued and is not subtracted.",
                    "Revenue is net of refunds that carry a price; {n} refunds without a "
                    "price could not be valued and are not subtracted.", count)


def results_view(session: Session, experiment: ExperimentOut, *, settings: Settings,
                 t: Translator, currency: str) -> dict[str, Any]:
    """Everything the results part of an experiment's page shows, formatted."""
    results = experiment_results(session, experiment.key, settings=settings)
    f = Formats(t, currency)
    n = f.numbers
    names = {arm.key: arm.name for arm in results.arms}
    return {
        "units": _units(results.units, t),
        "until": n.moment(results.measured_until),
        "excluded": (t.plural("{n} shopper was shown more than one arm and is left out.",
                              "{n} shoppers were shown more than one arm and are left out.",
                              results.excluded_units)
                     if results.excluded_units else
                     t("No shopper was shown more than one arm.")),
        "arms": [{"name": arm.name, "control": arm.control, "units": n.count(arm.units),
                  "observed": n.share(arm.observed_share), "planned": n.share(arm.planned_share)}
                 for arm in results.arms],
        "srm_warning": _srm_warning(results, t, n),
        "srm_p": f.p(results.srm.p_value),
        "confidence": n.share(1 - results.alpha),
        "basis": results.verdict_basis,
        "basis_text": t(_BASES[results.verdict_basis]),
        "metrics": _metric_sections(results, names, f),
        "segments": _segments(results, names, f),
        "segments_now": t(_SEGMENTS_NOW),
        "min_segment": _units(results.min_segment_units, t),
        "unpriced_refunds": _unpriced(results, t),
        "anonymous": _anonymous(results, names, f) if experiment.anonymous_measurement
        else None,
    }


def _shown(summary: ExperimentSummary) -> tuple[ArmVerdict | None, str]:
    """The arm the list shows, chosen in order: a breached guardrail (the first listed);
    else the primary metric's best arm among those significantly better (the largest
    lift in the metric's good direction); else its worst among those significantly worse;
    else none ("no clear difference")."""
    if summary.breached:
        return summary.breached[0], "breached"

    def gain(arm: ArmVerdict) -> float:
        return -arm.difference if arm.metric in LOWER_IS_BETTER else arm.difference

    better = [arm for arm in summary.primary if arm.verdict == "better"]
    if better:
        return max(better, key=gain), "better"
    worse = [arm for arm in summary.primary if arm.verdict == "worse"]
    if worse:
        return min(worse, key=gain), "worse"
    return None, "no_clear_difference"


def summary_of(session: Session, experiment: ExperimentOut, *, settings: Settings,
               t: Translator, currency: str) -> dict[str, Any]:
    """One line of the experiments' list: how it stands, the verdict worth knowing first
    (see :func:`_shown`), and whether the split is off. Reads only what the line shows
    (``experiment_summary``), not the experiment's whole results."""
    n = Numbers(t)
    row: dict[str, Any] = {
        "key": experiment.key, "name": experiment.name, "status": experiment.status,
        "status_name": t(STATUS_NAMES.get(experiment.status, OTHER)),
        "kind": t(KIND_NAMES.get(experiment.kind, OTHER)),
        "target": target_name(session, experiment.kind, experiment.target, t),
        "arms": ", ".join(arm.name for arm in experiment.arms),
        "ran": (t("{start} to {stop}", start=n.moment(experiment.started_at),
                  stop=n.moment(experiment.stopped_at)) if experiment.stopped_at
                else t("since {start}", start=n.moment(experiment.started_at))
                if experiment.started_at else t("Not started")),
        "units": "–", "primary": metric_name(experiment.primary_metric, t),
        "verdict": None, "verdict_code": None, "srm": False,
    }
    if experiment.status == "draft":
        return row
    summary = experiment_summary(session, experiment.key)
    row["units"] = n.count(summary.units)
    row["srm"] = summary.srm_flagged
    if summary.srm_flagged:
        row["verdict_code"], row["verdict"] = "untrusted", t(_UNTRUSTED)
        return row
    chosen, code = _shown(summary)
    if chosen is None:
        row["verdict_code"], row["verdict"] = code, t(_VERDICTS[code])
        return row
    said = (t(_BREACHED_ON, metric=metric_name(chosen.metric, t)) if code == "breached"
            else t(_VERDICTS[code]))
    row["verdict_code"] = "worse" if code == "breached" else code
    row["verdict"] = said
    if len(experiment.arms) > 2:
        row["verdict"] = t("{arm}: {verdict}", arm=next(
            (a.name for a in experiment.arms if a.key == chosen.arm), chosen.arm), verdict=said)
    return row
