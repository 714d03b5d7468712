"""The quality report of an artefact version (``prefero.recommend.quality``) on the terminal:
one table row per candidate model and one for the served combination, then the form
model's calibration, the data trained on and the time it took."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from prefero.recommend.quality import CandidateQuality, FormCalibration, ModelQuality
from prefero.recommend.selection import REASONS

__all__ = ["print_quality"]

NONE = "–"


def _figure(value: float | None, digits: int = 4) -> str:
    """A measured figure, or a dash where none was measured.

    >>> _figure(0.18341), _figure(None)
    ('0.1834', '–')
    """
    return NONE if value is None else f"{value:.{digits}f}"


def _share(fraction: float) -> str:
    """A served weight as its share of the score, as the console shows it (the search's
    weights are relative: 1 and 0.5 serve two thirds and one third).

    >>> _share(1 / 1.5), _share(0.5 / 1.5), _share(1.0), _share(0.0)
    ('66.7%', '33.3%', '100%', '0%')
    """
    return f"{fraction:.1%}".replace(".0%", "%")


def _weight(candidate: CandidateQuality, total: float) -> str:
    """A candidate's weight cell: its share; the form model answers declared forms and is
    never part of the weighted average."""
    if candidate.role == "form":
        return "forms" if candidate.weight > 0 else NONE
    return _share(candidate.weight / total)


def _reason(code: str | None) -> str:
    """Why a candidate is not served, as a sentence (a code from a newer trainer as it is).

    >>> _reason("over_budget")[:9], _reason("new_code"), _reason(None)
    ('Too slow:', 'new_code', '')
    """
    return "" if code is None else REASONS.get(code, code)


def _order(item: tuple[str, CandidateQuality]) -> tuple[int, float, str]:
    """Served history models first (heaviest first), then the form model, then the rest."""
    name, candidate = item
    served = candidate.role == "history" and candidate.weight > 0
    return (0 if served else 1 if candidate.role == "form" else 2, -candidate.weight, name)


def quality_table(report: ModelQuality) -> Table:
    table = Table(title=f"Models of version {report.version or NONE}")
    for heading in ("model", "role", "HR@10", "NDCG@10", "fit s", "score ms", "weight",
                    "not served because"):
        table.add_column(heading, justify="left" if heading in (
            "model", "role", "not served because") else "right")
    total = sum(report.weights.values()) or 1.0
    for name, candidate in sorted(report.candidates.items(), key=_order):
        table.add_row(name, candidate.role, _figure(candidate.val_hr10),
                      _figure(candidate.val_ndcg10), _figure(candidate.fit_seconds, 1),
                      _figure(candidate.score_ms, 2), _weight(candidate, total),
                      _reason(candidate.dropped))
    table.add_section()
    served = report.served
    over = served.score_ms is not None and served.score_ms > served.budget_ms
    table.add_row("served combination", "history", _figure(served.val_hr10),
                  _figure(served.val_ndcg10), "",
                  f"{_figure(served.score_ms, 2)} of {served.budget_ms:g}",
                  _share(1.0) if report.weights else NONE,
                  "over the latency budget" if over else "", style="bold")
    return table


def calibration_line(forms: FormCalibration | None) -> str:
    """What became of the form model on the forms customers really filled in.

    >>> calibration_line(FormCalibration(real_forms=12, minimum=50, calibrated=False))
    'Form model: not calibrated, 12 real forms (50 needed)'
    """
    if forms is None:
        return "Form model: not trained"
    if not forms.calibrated:
        return (f"Form model: not calibrated, {forms.real_forms:,} real forms "
                f"({forms.minimum:,} needed)")
    kept = ("new parameters kept" if forms.params_after != forms.params_before
            else "parameters unchanged")
    return (f"Form model: calibrated on {forms.real_forms:,} real forms, NDCG@10 on the "
            f"later ones {_figure(forms.ndcg10_before)} → {_figure(forms.ndcg10_after)}, "
            f"{kept} {forms.params_after}")


def print_quality(console: Console, report: ModelQuality) -> None:
    """The whole report, as `prefero train` shows it after training.

    >>> # print_quality(Console(), artefacts.quality)
    """
    console.print(quality_table(report))
    console.print(calibration_line(report.forms))
    console.print(f"Data: {report.products:,} products, {report.customers:,} customers, "
                  f"{report.events:,} events, {report.validation_customers:,} validation "
                  "customers")
    console.print(f"Time: training {report.training_seconds:.1f} s, choosing the models "
                  f"{report.selection_seconds:.1f} s of {report.selection_budget_seconds:g} s "
                  "allowed")
