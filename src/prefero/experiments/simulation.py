"""The experiments' simulation harness: synthetic shoppers with planted preferences go
through the real service code, and the real results say what was found.

Each run is one experiment, in a window of simulated time of its own, the runs one after
the other (so the purchases of earlier runs are the later runs' pre-period, CUPED's
covariate). In a run every shopper visits the shop. The experiment (kind
``recommendations`` on the home page, two arms 50/50, created and started through
``prefero.experiments.service``) takes a share of them (``traffic``) so that each arm expects
``units_per_arm`` units. A unit taking part is placed by ``runtime.experiments`` and every
visit's render is logged by ``prefero.experiments.exposures.expose``, at the visit's
simulated time; then it buys with its own chance (times ``1 + lift`` in the treatment arm of
a lift run), products of its liked or an allowed category and never of the one it excluded,
and the purchases go in through ``prefero.events.service.ingest`` in batches. Then the
experiment stops and ``prefero.experiments.results`` judges its primary metric, conversion.

Three scenarios, each with a known answer:

- ``aa``: both arms the same. A correct test at alpha 0.05 finds a difference in about 5 %
  of runs (200 runs: at most 17, the count a correct test exceeds with probability 1.2 %).
- ``lift``: the treatment converts 20 % more (10 % -> 12 %). The share of runs that find it
  must be within 10 points of the power ``prefero.experiments.power`` predicts.
- ``srm``: both arms the same, but a share of the treatment's renders is lost, as a broken
  page would lose them, so that the logged units split 52/48. The sample-ratio check must
  flag it (in at least 90 % of runs; run at a size at which the chi-square check at
  p < 0.001 can see a 52/48 split, see ``srm_power``).

``prefero experiments simulate`` runs it on a throw-away SQLite shop.
"""

from __future__ import annotations

import hashlib
import math
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy import stats as scipy_stats
from sqlalchemy import update

from prefero.events.service import ingest
from prefero.experiments.exposures import expose, flush_exposures
from prefero.experiments.models import Experiment
from prefero.experiments.power import proportion_power
from prefero.experiments.schemas import ExperimentIn
from prefero.experiments.service import (
    create_experiment,
    delete_experiment,
    start_experiment,
    stop_experiment,
)
from prefero.experiments.simulated_shop import SimulatedShop, fill_shop, temporary_runtime
from prefero.experiments.simulated_shoppers import Shopper, choose_products, plant_shoppers
from prefero.experiments.simulation_judge import Judgement, judge
from prefero.experiments.srm import SRM_ALPHA
from prefero.runtime import Runtime

__all__ = ["Check", "HttpRun", "Plan", "Report", "RunOutcome", "Scenario", "aa_limit",
           "experiment_body", "machine", "outcome_of", "run_experiment", "salt_of",
           "set_clock", "set_salt", "shop_window", "simulate", "simulate_in", "srm_power",
           "summarise", "windows"]

Scenario = Literal["aa", "lift", "srm"]
Via = Literal["service", "http"]
#: How many events go to ``ingest`` at once (the API's own limit per request).
EVENT_BATCH = 1000
#: A shopper's visits in a window: one, plus a Poisson number more (renders > units).
EXTRA_VISITS = 0.5
# The A/A limit is the count a correct test exceeds with at most this chance (200 runs at
# alpha 0.05: 17, the figure), so that a correct harness fails about once in 70.
_AA_TAIL = 0.015


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What the simulation runs.

    >>> Plan().shoppers
    20000
    """

    runs: int = 200
    srm_runs: int = 20
    units_per_arm: int = 3000
    srm_units_per_arm: int = 10_000
    base_rate: float = 0.10
    lift: float = 0.20
    srm_split: float = 0.52
    http_runs: int = 0
    alpha: float = 0.05
    seed: int = 17
    window_days: int = 7
    pre_period_days: int = 14

    @property
    def shoppers(self) -> int:
        """Every shopper visits in every window; each experiment takes the share it needs."""
        return 2 * max(self.units_per_arm, self.srm_units_per_arm if self.srm_runs else 0)

    @property
    def lost_share(self) -> float:
        """The share of the treatment's units whose renders a broken page loses, so that
        the logged units split ``srm_split`` : ``1 - srm_split``."""
        return 1.0 - (1.0 - self.srm_split) / self.srm_split

    def schedule(self) -> list[Scenario]:
        """The runs in simulated order: A/A and lift runs alternating, then the SRM runs.

        >>> Plan(runs=2, srm_runs=1).schedule()
        ['aa', 'lift', 'aa', 'lift', 'srm']
        """
        order: list[Scenario] = []
        for _ in range(self.runs):
            order += ["aa", "lift"]
        return order + ["srm"] * self.srm_runs


@dataclass(frozen=True)
class RunOutcome:
    """One run: what was planted and what the real results said."""

    index: int
    scenario: Scenario
    via: Via
    units: tuple[int, int]
    conversions: tuple[int, int]
    renders: int
    events: int
    p_value: float
    significant: bool
    always_valid_p: float | None
    cuped_reduction: float | None
    srm_p: float
    srm_flagged: bool
    excluded_bought: int
    seconds: float


@dataclass(frozen=True)
class Check:
    """One of the issue's claims: what was measured, what it must be, and whether it is."""

    name: str
    observed: float
    required: str
    passed: bool


@dataclass
class Report:
    """Everything ``prefero experiments simulate`` prints and writes."""

    plan: Plan
    outcomes: list[RunOutcome] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    machine: str = ""
    started_at: str = ""
    seconds: float = 0.0
    #: The process's CPU seconds: on a busy machine the wall time says more about the others.
    cpu_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"plan": asdict(self.plan), "machine": self.machine,
                "started_at": self.started_at, "seconds": round(self.seconds, 1),
                "cpu_seconds": round(self.cpu_seconds, 1),
                "figures": self.figures, "checks": [asdict(c) for c in self.checks],
                "runs": [asdict(o) for o in self.outcomes]}


def windows(plan: Plan, *, now: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The simulated windows, oldest first: the pre-period's (shopping only, so that the
    first runs have a covariate too), then one per run; the last ends a day before ``now``
    (ingest refuses events from the future).

    >>> now = datetime(2026, 12, 1, tzinfo=UTC)
    >>> [w[0].day for w in windows(Plan(runs=1, srm_runs=0, window_days=1,
    ...                                 pre_period_days=2), now=now)]
    [26, 27, 28, 29]
    """
    warm_up = math.ceil(plan.pre_period_days / plan.window_days)
    count = warm_up + len(plan.schedule())
    step = timedelta(days=plan.window_days)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    first = end - count * step
    for n in range(count):
        yield first + n * step, first + (n + 1) * step


def srm_power(plan: Plan, *, units_per_arm: int | None = None) -> float:
    """The chance that the sample-ratio check flags the plan's split: a noncentral
    chi-square with one degree of freedom, at the check's own ``SRM_ALPHA``.

    >>> round(srm_power(Plan()), 3), round(srm_power(Plan(), units_per_arm=3000), 2)
    (0.988, 0.4)
    """
    control = float(units_per_arm or plan.srm_units_per_arm)
    treatment = control * (1.0 - plan.srm_split) / plan.srm_split
    expected = (control + treatment) / 2.0
    noncentrality = 2.0 * (control - expected) ** 2 / expected
    critical = float(scipy_stats.chi2.isf(SRM_ALPHA, 1))
    return float(scipy_stats.ncx2.sf(critical, 1, noncentrality))


@dataclass
class _Shopping:
    """The events of one window, and what they say about the arms."""

    events: list[dict[str, Any]] = field(default_factory=list)
    orders: int = 0

    def buy(self, rng: np.random.Generator, shop: SimulatedShop, shopper: Shopper, *,
            at: datetime, tag: str) -> None:
        products = choose_products(rng, shopper, catalogue=shop.catalogue,
                                   count=1 + int(rng.random() < 0.3))
        order = f"{tag}-{shopper.id}"
        self.orders += 1
        for n, product in enumerate(products):
            self.events.append({
                "event_id": f"{order}-{n}", "type": "purchase", "customer_id": shopper.id,
                "product_id": product, "quantity": 1 + int(rng.random() < 0.2),
                "price": shop.prices[product], "order_id": order,
                "occurred_at": at + timedelta(seconds=n)})


def _ingest(runtime: Runtime, events: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(events), EVENT_BATCH):
        with runtime.session(write=True) as session:
            ingest(session, events[start:start + EVENT_BATCH], settings=runtime.settings)


def _at(start: datetime, span: timedelta, share: float) -> datetime:
    return start + timedelta(seconds=int(span.total_seconds() * share))


def shop_window(shop: SimulatedShop, *, window: tuple[datetime, datetime],
                rng: np.random.Generator, tag: str) -> int:
    """Shopping without an experiment (the warm-up before the first run): every shopper
    buys with their own chance. Answers the events ingested."""
    start, end = window
    shopping = _Shopping()
    for shopper in shop.shoppers:
        if rng.random() < shopper.propensity:
            shopping.buy(rng, shop, shopper, at=_at(start, end - start, 0.9 * rng.random()),
                         tag=tag)
    _ingest(shop.runtime, shopping.events)
    return len(shopping.events)


def experiment_body(plan: Plan, *, key: str, scenario: Scenario) -> ExperimentIn:
    """The run's experiment: two arms 50/50 on the home page's recommendations, the
    treatment with more diversity (what it changes does not matter here: the shoppers'
    reaction is planted), ``traffic`` such that each arm expects its units."""
    units = plan.srm_units_per_arm if scenario == "srm" else plan.units_per_arm
    return ExperimentIn.model_validate({
        "key": key, "name": f"Simulation {key}", "kind": "recommendations",
        "target": "home", "primary_metric": "conversion", "guardrails": [],
        "pre_period_days": plan.pre_period_days,
        "traffic": min(1.0, 2 * units / plan.shoppers),
        "arms": [{"key": "control", "name": "As the shop is", "share": 0.5, "control": True},
                 {"key": "treatment", "name": "More diverse", "share": 0.5,
                  "config": {"diversity": 0.5}}]})


def salt_of(plan: Plan, index: int) -> str:
    """The run's salt, from the plan's seed: the service makes a random one at creation,
    and with it the units' arms, and every draw after them, would differ from one
    invocation to the next.

    >>> salt_of(Plan(), 3) == salt_of(Plan(), 3) != salt_of(Plan(seed=18), 3)
    True
    """
    return hashlib.sha256(f"prefero-simulation/{plan.seed}/{index}".encode()).hexdigest()[:32]


def set_salt(runtime: Runtime, key: str, salt: str) -> None:
    """Give a draft its salt (before it starts: a started experiment's never changes)."""
    with runtime.session(write=True) as session:
        session.execute(update(Experiment).where(Experiment.key == key,
                                                 Experiment.status == "draft")
                        .values(salt=salt))


def set_clock(runtime: Runtime, key: str, *, started: datetime | None = None,
              stopped: datetime | None = None) -> None:
    """Put the experiment's start and stop at simulated times. The service stamps the
    machine's clock, and a run's window lies in the past: without this the window of a
    result ("from the first exposure to the stop") would reach over the later runs."""
    values: dict[str, datetime] = {}
    if started is not None:
        values["started_at"] = started
    if stopped is not None:
        values["stopped_at"] = stopped
    with runtime.session(write=True) as session:
        session.execute(update(Experiment).where(Experiment.key == key).values(**values))


def run_experiment(shop: SimulatedShop, plan: Plan, *, index: int, scenario: Scenario,
                   window: tuple[datetime, datetime]) -> RunOutcome:
    """One run in process, through the services (see the module's docstring).

    >>> # run_experiment(shop, Plan(), index=0, scenario="aa", window=(start, end))
    """
    began = time.perf_counter()
    runtime = shop.runtime
    rng = np.random.default_rng([plan.seed, index])
    key = f"simulation-{index:04d}"
    start, end = window
    span = end - start
    with runtime.session(write=True) as session:
        create_experiment(session, experiment_body(plan, key=key, scenario=scenario))
    set_salt(runtime, key, salt_of(plan, index))
    with runtime.session(write=True) as session:
        start_experiment(session, key)
    set_clock(runtime, key, started=start)
    with runtime.session() as session:
        running = runtime.experiments.running(session)
    experiment = next(e for e in running.experiments if e.key == key)
    lift = 1.0 + plan.lift if scenario == "lift" else 1.0
    lost = plan.lost_share if scenario == "srm" else 0.0
    shopping = _Shopping()
    renders = 0
    for shopper in shop.shoppers:
        assignment = running.assign(experiment, unit=shopper.id, tracking=True)
        if assignment is None:  # outside the experiment's traffic: the shop as it is
            if rng.random() < shopper.propensity:
                shopping.buy(rng, shop, shopper, at=_at(start, span, 0.9 * rng.random()),
                             tag=key)
            continue
        treated = not assignment.arm.control
        visits = sorted(rng.random(1 + int(rng.poisson(EXTRA_VISITS))) * 0.5)
        # A broken page: the treatment is shown, but its render never reaches the log.
        logged = not (treated and rng.random() < lost)
        for share in visits:
            if logged:
                expose(runtime, assignment, unit=shopper.id, at=_at(start, span, share))
                renders += 1
        chance = shopper.propensity * (lift if treated else 1.0)
        if rng.random() < chance:
            # After the first visit (the window of a unit starts at its first exposure).
            first = visits[0]
            shopping.buy(rng, shop, shopper,
                         at=_at(start, span, first + (0.95 - first) * rng.random()), tag=key)
    flush_exposures(runtime)
    _ingest(runtime, shopping.events)
    with runtime.session(write=True) as session:
        stop_experiment(session, key)
    set_clock(runtime, key, stopped=end)
    with runtime.session() as session:
        judgement = judge(session, key, runtime=runtime, alpha=plan.alpha, now=end)
    with runtime.session(write=True) as session:
        # Judged: the experiment goes, so that a long simulation stays within the shop's
        # limit of experiments (and its database small).
        delete_experiment(session, key)
    return outcome_of(judgement, index=index, scenario=scenario, via="service",
                    renders=renders, events=len(shopping.events),
                    excluded=_excluded_bought(shop, shopping.events),
                    seconds=time.perf_counter() - began, alpha=plan.alpha)


def _excluded_bought(shop: SimulatedShop, events: Sequence[dict[str, Any]]) -> int:
    excluded = {s.id: s.excluded for s in shop.shoppers}
    category = {p: c for c, products in shop.catalogue.items() for p in products}
    return sum(category[e["product_id"]] == excluded[e["customer_id"]] for e in events
               if e["type"] == "purchase")


def outcome_of(judgement: Judgement, *, index: int, scenario: Scenario, via: Via, renders: int,
             events: int, excluded: int, seconds: float, alpha: float) -> RunOutcome:
    return RunOutcome(
        index=index, scenario=scenario, via=via, units=judgement.units,
        conversions=judgement.conversions, renders=renders, events=events,
        p_value=judgement.p_value, significant=judgement.p_value < alpha,
        always_valid_p=judgement.always_valid_p, cuped_reduction=judgement.cuped_reduction,
        srm_p=judgement.srm_p, srm_flagged=judgement.srm_flagged, excluded_bought=excluded,
        seconds=seconds)


def aa_limit(runs: int, alpha: float) -> int:
    """The most A/A false positives a correct test gives in ``runs`` runs, but for a
    ``_AA_TAIL`` chance (200 runs at 0.05: the issue's 17).

    >>> aa_limit(200, 0.05)
    17
    """
    return int(scipy_stats.binom.ppf(1.0 - _AA_TAIL, runs, alpha))


def _share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else math.nan


def summarise(report: Report) -> None:
    """Fill the report's figures and checks from its outcomes."""
    plan = report.plan
    aa = [o for o in report.outcomes if o.scenario == "aa"]
    lift = [o for o in report.outcomes if o.scenario == "lift"]
    srm = [o for o in report.outcomes if o.scenario == "srm"]
    predicted = proportion_power(base_rate=plan.base_rate, relative_lift=plan.lift,
                                 units_per_arm=plan.units_per_arm, alpha=plan.alpha)
    reductions = [o.cuped_reduction for o in report.outcomes if o.cuped_reduction is not None]
    units = [u for o in aa + lift for u in o.units]
    converted = [c for o in aa for c in o.conversions]
    figures: dict[str, float] = {
        "aa_runs": len(aa),
        "aa_false_positives": sum(o.significant for o in aa),
        "aa_false_positive_limit": aa_limit(len(aa), plan.alpha) if aa else math.nan,
        "aa_always_valid_false_positives": sum(
            o.always_valid_p is not None and o.always_valid_p < plan.alpha for o in aa),
        "aa_srm_flags": sum(o.srm_flagged for o in aa + lift),
        "lift_runs": len(lift),
        "lift_detected": sum(o.significant and _treatment_ahead(o) for o in lift),
        "lift_detection_rate": _share([o.significant and _treatment_ahead(o) for o in lift]),
        "lift_always_valid_detected": sum(
            o.always_valid_p is not None and o.always_valid_p < plan.alpha for o in lift),
        "predicted_power": predicted,
        "srm_runs": len(srm),
        "srm_flagged": sum(o.srm_flagged for o in srm),
        "srm_flag_rate": _share([o.srm_flagged for o in srm]),
        "srm_predicted_power": srm_power(plan),
        "mean_units_per_arm": float(np.mean(units)) if units else math.nan,
        "aa_conversion": (sum(converted) / sum(u for o in aa for u in o.units)
                          if aa else math.nan),
        "cuped_variance_reduction": float(np.mean(reductions)) if reductions else math.nan,
        "excluded_products_bought": sum(o.excluded_bought for o in report.outcomes),
        "http_runs": sum(o.via == "http" for o in report.outcomes),
    }
    report.figures = figures
    checks: list[Check] = []
    if aa:
        limit = figures["aa_false_positive_limit"]
        checks.append(Check(
            name="A/A false positives", observed=figures["aa_false_positives"],
            required=f"at most {int(limit)} of {len(aa)}",
            passed=figures["aa_false_positives"] <= limit))
    if lift:
        rate = figures["lift_detection_rate"]
        checks.append(Check(
            name=f"+{plan.lift:.0%} lift found", observed=rate,
            required=f"within 0.10 of the predicted power {predicted:.3f}",
            passed=abs(rate - predicted) <= 0.10))
    if srm:
        checks.append(Check(
            name=f"{plan.srm_split:.0%}/{1 - plan.srm_split:.0%} split flagged",
            observed=figures["srm_flag_rate"], required="at least 0.90 of the runs",
            passed=figures["srm_flag_rate"] >= 0.90))
    checks.append(Check(name="excluded products bought",
                        observed=figures["excluded_products_bought"], required="none",
                        passed=figures["excluded_products_bought"] == 0))
    report.checks = checks


def _treatment_ahead(outcome: RunOutcome) -> bool:
    """Found means found in the planted direction: a significant drop is no detection."""
    (units_c, units_t), (conv_c, conv_t) = outcome.units, outcome.conversions
    return units_c > 0 and units_t > 0 and conv_t / units_t > conv_c / units_c


def machine() -> str:
    """The machine's words for the report (processor, cores, Python)."""
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {platform.system()}")


Progress = Callable[[RunOutcome], None]
#: A run through the HTTP API: (shop, plan, index, scenario) -> outcome.
HttpRun = Callable[[SimulatedShop, Plan, int, Scenario], RunOutcome]


def simulate_in(shop: SimulatedShop, plan: Plan, *, now: datetime | None = None,
                progress: Progress | None = None, http: HttpRun | None = None) -> Report:
    """Run the plan's schedule on a filled shop, then ``plan.http_runs`` more (A/A and
    lift in turn) through ``http`` (``prefero.experiments.simulation_http``) when it is
    given: the API stamps the machine's clock, so they come after every simulated window."""
    began, cpu = time.perf_counter(), time.process_time()
    now = now or datetime.now(UTC)
    report = Report(plan=plan, machine=machine(), started_at=now.isoformat(timespec="seconds"))
    slots = list(windows(plan, now=now))
    warm_up = len(slots) - len(plan.schedule())
    rng = np.random.default_rng([plan.seed, 1_000_000])
    for n in range(warm_up):
        shop_window(shop, window=slots[n], rng=rng, tag=f"warm-up-{n}")
    for index, scenario in enumerate(plan.schedule()):
        window = slots[warm_up + index]
        outcome = run_experiment(shop, plan, index=index, scenario=scenario, window=window)
        report.outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    if http is not None:
        first = len(plan.schedule())
        for n in range(plan.http_runs):
            outcome = http(shop, plan, first + n, "aa" if n % 2 == 0 else "lift")
            report.outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    summarise(report)
    report.seconds = time.perf_counter() - began
    report.cpu_seconds = time.process_time() - cpu
    return report


def simulate(plan: Plan, *, folder: Path, progress: Progress | None = None) -> Report:
    """The whole simulation on a throw-away SQLite shop made under ``folder``: the shop is
    built and filled, then ``simulate_in`` runs the plan (its HTTP runs through the shop's
    own keys); the report's seconds count both.

    >>> # simulate(Plan(runs=200), folder=Path(mkdtemp())).checks[0].passed -> True
    """
    began, cpu = time.perf_counter(), time.process_time()
    runtime, keys = temporary_runtime(folder)
    try:
        now = datetime.now(UTC)
        created = next(windows(plan, now=now))[0] - timedelta(days=30)
        shoppers = plant_shoppers(np.random.default_rng([plan.seed, 0]), count=plan.shoppers,
                                  base_rate=plan.base_rate)
        shop = fill_shop(runtime, shoppers, created=created, seed=plan.seed)
        http: HttpRun | None = None
        if plan.http_runs:
            # Imported here: the HTTP runs build on this module (and load the whole API).
            from prefero.experiments.simulation_http import run_over_http

            def http(shop: SimulatedShop, plan: Plan, index: int,
                     scenario: Scenario) -> RunOutcome:
                return run_over_http(shop, plan, keys=keys, index=index, scenario=scenario)

        report = simulate_in(shop, plan, now=now, progress=progress, http=http)
    finally:
        runtime.close()
    report.seconds = time.perf_counter() - began
    report.cpu_seconds = time.process_time() - cpu
    return report

