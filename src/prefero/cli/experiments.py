"""``prefero experiments list|show|results|start|stop``: the shop's experiments on the terminal
(also /v1/admin/experiments). Starting and stopping are in the audit log, by ``cli``.
``prefero experiments simulate`` checks the statistics on synthetic shoppers
(``prefero.cli.experiment_simulation``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from prefero.audit.service import record
from prefero.cli.common import open_runtime
from prefero.cli.experiment_simulation import simulate_command
from prefero.errors import Conflict, NotFound
from prefero.experiments.metrics import metric_kind
from prefero.experiments.results import Estimate, ExperimentResults, experiment_results
from prefero.experiments.schemas import ExperimentOut, Metric
from prefero.experiments.service import (
    get_experiment,
    list_experiments,
    start_experiment,
    stop_experiment,
)
from prefero.runtime import Runtime

__all__ = ["app", "register"]

app = typer.Typer(help="The shop's experiments: list, show, results, start and stop (also "
                       "/v1/admin/experiments).", no_args_is_help=True)
app.command("simulate")(simulate_command)

_ACTOR = "cli"
NONE = "–"
_METRICS: dict[str, str] = {
    "click_through": "click-through", "add_to_cart_rate": "add-to-cart rate",
    "conversion": "conversion", "revenue_per_visitor": "revenue per visitor",
    "average_order_value": "average order value", "not_for_me_rate": "\"not for me\" rate"}
_VERDICTS = {"better": "better", "worse": "worse",
             "no_clear_difference": "no clear difference"}
_T = TypeVar("_T")
_KeyArgument = Annotated[str, typer.Argument(help="The experiment's key.")]


def _share(value: float) -> str:
    """A share as a percentage, without trailing noise.

    >>> _share(0.5), _share(0.125), _share(1 / 3)
    ('50%', '12.5%', '33.33%')
    """
    return f"{value * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _value(metric: Metric, value: float, currency: str) -> str:
    """A metric's value as people read it: a rate in percent, money with its currency.

    >>> _value("conversion", 0.1234, "PLN"), _value("revenue_per_visitor", 1234.5, "PLN")
    ('12.34%', '1,234.50 PLN')
    """
    if metric_kind(metric) == "rate":
        return f"{value:.2%}"
    return f"{value:,.2f} {currency}"


def _signed(value: float | None) -> str:
    return NONE if value is None else f"{value:+.1%}"


def _lift(estimate: Estimate) -> str:
    """The relative lift with its interval.

    >>> _lift(Estimate(control=0.1, treatment=0.12, difference=0.02, ci_low=0.0,
    ...                ci_high=0.04, relative=0.2, relative_ci_low=0.01,
    ...                relative_ci_high=0.39, p_value=0.04))
    '+20.0% (+1.0% to +39.0%)'
    """
    if estimate.relative is None:
        return NONE
    if estimate.relative_ci_low is None or estimate.relative_ci_high is None:
        return f"{_signed(estimate.relative)} (too few units for an interval)"
    return (f"{_signed(estimate.relative)} ({_signed(estimate.relative_ci_low)} to "
            f"{_signed(estimate.relative_ci_high)})")


def _p(value: float) -> str:
    """A p-value to three places, the smallest as a bound.

    >>> _p(0.04321), _p(0.0000123)
    ('0.043', '< 0.001')
    """
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _config(config: dict[str, object]) -> str:
    """What an arm changes, in words (``True`` and ``False`` as yes and no).

    >>> _config({"diversity": 0.6, "merchandising": False}), _config({})
    ('diversity 0.6, merchandising no', 'as the shop is')
    """
    if not config:
        return "as the shop is"
    words = []
    for name, value in config.items():
        shown = ("yes" if value else "no") if isinstance(value, bool) else (
            f"{value:g}" if isinstance(value, float) else str(value))
        words.append(f"{name.replace('_', ' ')} {shown}")
    return ", ".join(words)


def _fail(message: str) -> None:
    Console().print(f"[red]{message}[/red]", highlight=False)
    raise typer.Exit(code=1)


def _with_runtime(work: Callable[[Runtime], _T]) -> _T:
    runtime = open_runtime()
    try:
        return work(runtime)
    except (NotFound, Conflict) as exc:
        _fail(exc.detail)
        raise  # unreachable: _fail exits
    finally:
        runtime.close()


@app.command("list")
def list_command() -> None:
    """Every experiment, the newest first."""
    def read(runtime: Runtime) -> list[ExperimentOut]:
        with runtime.session() as session:
            return list_experiments(session)

    table = Table("key", "name", "kind", "target", "status", "arms", "primary metric",
                  "started", "stopped")
    for experiment in _with_runtime(read):
        table.add_row(experiment.key, experiment.name, experiment.kind,
                      experiment.target or "everywhere", experiment.status,
                      ", ".join(f"{a.key} {_share(a.share)}" for a in experiment.arms),
                      _METRICS[experiment.primary_metric], _when(experiment, "started_at"),
                      _when(experiment, "stopped_at"))
    Console().print(table)


def _when(experiment: ExperimentOut, field: str) -> str:
    moment = getattr(experiment, field)
    return NONE if moment is None else moment.strftime("%Y-%m-%d %H:%M")


@app.command("show")
def show_command(key: _KeyArgument) -> None:
    """One experiment's set-up: its arms, what each changes, what it measures."""
    def read(runtime: Runtime) -> ExperimentOut:
        with runtime.session() as session:
            return get_experiment(session, key)

    experiment = _with_runtime(read)
    console = Console()
    console.print(f"[bold]{experiment.name}[/bold] ({experiment.key}): {experiment.kind}, "
                  f"{experiment.target or 'everywhere'}, {experiment.status}", highlight=False)
    if experiment.description:
        console.print(experiment.description, highlight=False)
    console.print(
        f"Primary metric: {_METRICS[experiment.primary_metric]}; guardrails: "
        f"{', '.join(_METRICS[m] for m in experiment.guardrails) or 'none'}. "
        f"Traffic {_share(experiment.traffic)}, pre-period {experiment.pre_period_days} "
        f"days, customers without tracking consent "
        f"{'measured anonymously' if experiment.anonymous_measurement else 'left out'}.",
        highlight=False)
    table = Table("arm", "name", "share", "control", "changes")
    for arm in experiment.arms:
        table.add_row(arm.key, arm.name, _share(arm.share), "yes" if arm.control else "",
                      _config(arm.config))
    console.print(table)


@app.command("results")
def results_command(key: _KeyArgument) -> None:
    """The results so far: units per arm and the split check, every metric against the
    control (fixed-horizon, CUPED and always-valid), segments and anonymous totals."""
    def read(runtime: Runtime) -> ExperimentResults:
        with runtime.session() as session:
            return experiment_results(session, key, settings=runtime.settings)

    print_results(_with_runtime(read), Console())


def print_results(results: ExperimentResults, console: Console) -> None:
    """The results as tables (``prefero experiments results``)."""
    arms = Table("arm", "role", "planned", "observed", "units",
                 title=f"{results.name}: units")
    for arm in results.arms:
        observed = NONE if arm.observed_share is None else _share(arm.observed_share)
        arms.add_row(arm.key, "control" if arm.control else "", _share(arm.planned_share),
                     observed, f"{arm.units:,}")
    console.print(arms)
    split = (f"[red]The split is off (p {_p(results.srm.p_value)}): trust no figure below "
             f"until the cause is found.[/red]" if results.srm.flagged
             else f"The split is as planned (p {_p(results.srm.p_value)}).")
    console.print(split, highlight=False)
    if results.excluded_units:
        console.print(f"{results.excluded_units:,} units saw more than one arm and are left "
                      f"out.", highlight=False)
    table = Table("metric", "arm", "control", "arm's", "lift (interval)", "p (Holm)",
                  "CUPED lift", "always-valid p", "verdict",
                  title=f"Against the control, at {1 - results.alpha:.0%} confidence")
    for c in results.comparisons:
        verdict = _VERDICTS[c.verdict]
        if c.guardrail_breached:
            verdict = "[red]worse: guardrail breached[/red]"
        table.add_row(_METRICS[c.metric] + (" (guardrail)" if c.role == "guardrail" else ""),
                      c.arm, _value(c.metric, c.fixed.control, results.currency),
                      _value(c.metric, c.fixed.treatment, results.currency), _lift(c.fixed),
                      _p(c.p_holm), NONE if c.cuped is None else _lift(c.cuped.estimate),
                      _p(c.always_valid.p_value), verdict)
    console.print(table)
    if results.segments:
        segments = Table("segment", "arm", "units", _METRICS[results.primary_metric],
                         title="By segment (unadjusted; for exploring)")
        for segment in results.segments:
            for part in segment.arms:
                segments.add_row(segment.name, part.arm, f"{part.units:,}",
                                 _value(results.primary_metric, part.value, results.currency))
        console.print(segments)
    if results.anonymous:
        anonymous = Table("arm", "renders", "clicks", "carts", "purchases", "revenue",
                          title="Without tracking consent (totals per render, untested)")
        for tally in results.anonymous:
            anonymous.add_row(tally.arm, f"{tally.renders:,}",
                              f"{tally.outcomes['rec_click']:,}",
                              f"{tally.outcomes['add_to_cart']:,}",
                              f"{tally.outcomes['purchase']:,}",
                              f"{tally.revenue:,.2f} {results.currency}")
        console.print(anonymous)


def _change(key: str, action: str, change: Callable[..., ExperimentOut]) -> ExperimentOut:
    def write(runtime: Runtime) -> ExperimentOut:
        with runtime.session(write=True) as session:
            changed = change(session, key)
            record(session, actor=_ACTOR, action=f"experiments.{action}",
                   target_kind="experiment", target=key)
            return changed

    return _with_runtime(write)


@app.command("start")
def start_command(key: _KeyArgument) -> None:
    """Start a draft: its units are placed and measured from the next request on."""
    _change(key, "start", start_experiment)
    Console().print(f"Started {key}.", highlight=False)


@app.command("stop")
def stop_command(key: _KeyArgument) -> None:
    """Stop a running experiment; its results keep what was measured."""
    _change(key, "stop", stop_experiment)
    Console().print(f"Stopped {key}.", highlight=False)


def register(main: typer.Typer) -> None:
    """Adds ``prefero experiments`` to the main app."""
    main.add_typer(app, name="experiments")
