"""The Models page: what the last training measured on the shop's own customers and which
recommendation models it serves (``prefero.recommend.quality_reads`` finds the report of
the version served now).

For a shop owner rather than a data scientist: the served models and their weights as one
bar, the validation figures as percentages with what they mean, every model tried with the
reason it is not served in words, the calibration of the preference-form model, and the
data and time training took.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.i18n.catalogues import N_
from prefero.recommend.quality import CandidateQuality, FormCalibration, ModelQuality
from prefero.recommend.quality_reads import MissingReason, QualityMissing, current_quality
from prefero.web.dashboard.access import Staff
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.model_words import (
    DROPPED_REASONS,
    MODEL_NAMES,
    OTHER_MODEL,
    OTHER_REASON,
)
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "UNTESTED_BELOW", "model_name", "router"]

PAGE = register(NavPage(key="models", path="/dashboard/models", label=N_("Models"),
                        order=65))
router = APIRouter()

#: Customers with three or more products that training needs before it validates the models
#: (``TrainingConfig.min_tuning_users``; the report does not carry it, and importing
#: training here would load every model library into the console: a test keeps them equal).
UNTESTED_BELOW = 50

_MISSING: dict[MissingReason, str] = {
    "untrained": N_("No recommendation model has been trained yet. Once “prefero train” "
                    "has run, this page shows what it measured."),
    "no_report": N_("The models served now were trained before training wrote reports. "
                    "The next training will write one."),
    "unknown_version": N_("The version served now is no longer kept. The next training "
                          "will write a new report."),
}


def model_name(code: str, t: Translator) -> str:
    """A model's name in the staff member's words.

    >>> model_name("transitions", translator("en")), model_name("x9", translator("en"))
    ('What shoppers choose next', 'Model “x9”')
    """
    known = MODEL_NAMES.get(code)
    return t(known) if known is not None else t(OTHER_MODEL, code=code)


def _seconds(value: float, t: Translator, n: Numbers) -> str:
    return t("{n} s", n=n.count(round(value, 1)))


def _milliseconds(value: float | None, t: Translator, n: Numbers) -> str:
    return "–" if value is None else t("{n} ms", n=n.count(round(value, 2)))


def _total(report: ModelQuality) -> float:
    """What the served weights add up to: the search gives relative weights (1 and 0.5),
    and the page shows each as its share of the score, in the bar and in both tables."""
    return sum(report.weights.values()) or 1.0


def _served(report: ModelQuality, t: Translator, n: Numbers) -> Figure:
    """The served history models as one bar cut by their weights, with their figures."""
    served = sorted(report.weights.items(), key=lambda entry: (-entry[1], entry[0]))
    names = [model_name(code, t) for code, _weight in served]
    total = _total(report)
    return figure(
        # Drawn in percentage points: pygal labels no axis below 1 (see recommendations).
        Chart(key="served", title=t("Served models and their weights"),
              labels=[t("Share of the score")],
              series=[Series(name, [weight / total * 100])
                      for name, (_code, weight) in zip(names, served, strict=True)],
              number=lambda points: n.share(points / 100), kind="stacked"),
        columns=[t("Model"), t("Weight"), t("Hit rate in the top 10"), t("NDCG@10")],
        rows=[[name, n.share(weight / total),
               n.share(report.candidates[code].val_hr10),
               n.share(report.candidates[code].val_ndcg10)]
              for name, (code, weight) in zip(names, served, strict=True)])


def _why_not(candidate: CandidateQuality, t: Translator) -> str:
    if candidate.dropped is None:
        return t("Not chosen.")
    # A code this console does not know comes from a newer trainer: never show it raw.
    return t(DROPPED_REASONS.get(candidate.dropped, OTHER_REASON))


def _not_served(report: ModelQuality, t: Translator) -> list[tuple[str, str]]:
    """Every model training left out, the form model included, each with its reason in
    words."""
    return [(model_name(code, t), _why_not(c, t))
            for code, c in sorted(report.candidates.items()) if c.weight <= 0]


def _weight(candidate: CandidateQuality, total: float, t: Translator, n: Numbers) -> str:
    """A model's weight as its share of the served score; the form model has none."""
    if candidate.role == "history":
        return n.share(candidate.weight / total)
    return t("Forms only") if candidate.weight > 0 else t("Not served")


def _tried(report: ModelQuality, t: Translator, n: Numbers) -> Figure:
    """Every model training tried, by its validation hit rate, with every figure."""
    tried = sorted(report.candidates.items(),
                   key=lambda entry: (-(entry[1].val_hr10 or 0.0), entry[0]))
    names = [model_name(code, t) for code, _c in tried]
    total = _total(report)
    return figure(
        Chart(key="tried", title=t("Every model tried, on validation"), labels=names,
              series=[Series(t("Hit rate in the top 10"),
                             [None if c.val_hr10 is None else c.val_hr10 * 100
                              for _code, c in tried]),
                      Series(t("NDCG@10"),
                             [None if c.val_ndcg10 is None else c.val_ndcg10 * 100
                              for _code, c in tried])],
              number=lambda points: n.share(points / 100)),
        columns=[t("Model"), t("Hit rate in the top 10"), t("NDCG@10"), t("Training time"),
                 t("Time per customer"), t("Weight")],
        rows=[[name, n.share(c.val_hr10), n.share(c.val_ndcg10),
               _seconds(c.fit_seconds, t, n), _milliseconds(c.score_ms, t, n),
               _weight(c, total, t, n)]
              for name, (_code, c) in zip(names, tried, strict=True)],
        note=t("Time per customer: scoring one customer's history over the whole catalogue "
               "(the median). The preference-form model answers forms apart from the "
               "others, so it has no weight."))


def _budget(report: ModelQuality, t: Translator) -> str:
    served = report.served
    if served.score_ms is None and not report.weights:
        return t("No model scores customers' histories now: recommendations come from "
                 "best sellers, trends and declared preferences.")
    if served.score_ms is None:
        return t("The time the served models take per customer could not be measured: "
                 "there were no products or no customer histories to time them on.")
    values = {"ms": _milliseconds(served.score_ms, t, Numbers(t)),
              "budget": _milliseconds(served.budget_ms, t, Numbers(t))}
    if served.score_ms > served.budget_ms:
        return t("Together the served models take {ms} per customer, over the {budget} "
                 "allowed.", **values)
    return t("Together the served models take {ms} per customer, within the {budget} "
             "allowed.", **values)


def _checked(report: ModelQuality, t: Translator, n: Numbers) -> list[str]:
    """How the figures were measured, or why there are none."""
    if report.validation_customers == 0:
        return [t("The models are served untested, with their default settings at equal "
                  "weights: fewer than {minimum} customers had chosen three or more products, "
                  "too few to check them on.", minimum=n.count(UNTESTED_BELOW))]
    return [t("How the models were checked: for {customers} customers, the last product each "
              "chose was hidden, the models learnt from everything before it, and then "
              "recommended 10 products from what that customer had done.",
              customers=n.count(report.validation_customers)),
            t("Hit rate in the top 10 (HR@10) is the share of those customers whose hidden "
              "product was among the 10. NDCG@10 also counts its place: a hit in first place "
              "counts fully, lower places less, so it is never higher than the hit rate."),
            # The settings and weights were chosen on these very products: the replay
            # (docs/evaluation.md) measures the live pipeline on a separate one.
            t("The models' settings and weights were chosen on these same hidden products, "
              "so the figures flatter them somewhat; “prefero evaluate-live” measures the "
              "live recommendations on a product kept apart.")]


def _forms(forms: FormCalibration | None, t: Translator, n: Numbers) -> str:
    if forms is None:
        return t("No preference-form model was trained.")
    if not forms.calibrated:
        return t("Not calibrated yet: {forms} forms filled in before a purchase so far, "
                 "{minimum} needed.", forms=n.count(forms.real_forms),
                 minimum=n.count(forms.minimum))
    values = {"forms": n.count(forms.real_forms), "before": n.share(forms.ndcg10_before),
              "after": n.share(forms.ndcg10_after)}
    if forms.params_after == forms.params_before:
        return t("Checked on {forms} forms customers filled in before choosing a product: "
                 "the settings learnt from shopping histories did as well, so they stay "
                 "(NDCG@10 {before} on the most recent forms).", **values)
    return t("Calibrated on {forms} forms customers filled in before choosing a product: "
             "NDCG@10 on the most recent forms went from {before} to {after}.", **values)


def _summary(report: ModelQuality, t: Translator, n: Numbers) -> list[tuple[str, str]]:
    return [
        (t("Hit rate in the top 10"), n.share(report.served.val_hr10)),
        (t("NDCG@10"), n.share(report.served.val_ndcg10)),
        (t("Products"), n.count(report.products)),
        (t("Customers"), n.count(report.customers)),
        (t("Events"), n.count(report.events)),
    ]


@router.get(PAGE.path)
def models(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    t = translator(language_of(request))
    n = Numbers(t)
    try:
        report = current_quality(session, settings=runtime.settings)
    except QualityMissing as exc:
        return dashboard_page(request, "dashboard/models.html", staff=staff, page=PAGE,
                              report=None, missing=t(_MISSING[exc.reason]))
    return dashboard_page(
        request, "dashboard/models.html", staff=staff, page=PAGE, report=report,
        summary=_summary(report, t, n),
        figures=[_served(report, t, n), _tried(report, t, n)],
        budget=_budget(report, t), forms=_forms(report.forms, t, n),
        not_served=_not_served(report, t), checked=_checked(report, t, n),
        trained=n.moment(datetime.fromisoformat(report.trained_at)),
        training=_seconds(report.training_seconds, t, n),
        selection=_seconds(report.selection_seconds, t, n),
        selection_budget=_seconds(report.selection_budget_seconds, t, n))
