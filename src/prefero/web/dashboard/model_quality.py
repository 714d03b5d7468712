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
)
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "model_name", "router"]

PAGE = register(NavPage(key="models", path="/dashboard/models", label=N_("Models"),
                        order=65))
router = APIRouter()

_MISSING: dict[MissingReason, str] = {
    "untrained": N_("No recommendation model has been trained yet. Once `prefero train` "
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


def _served(report: ModelQuality, t: Translator, n: Numbers) -> Figure:
    """The served history models as one bar cut by their weights, with their figures."""
    served = sorted(report.weights.items(), key=lambda entry: (-entry[1], entry[0]))
    names = [model_name(code, t) for code, _weight in served]
    total = sum(weight for _code, weight in served) or 1.0
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
    known = DROPPED_REASONS.get(candidate.dropped)
    return t(known) if known is not None else candidate.dropped


def _not_served(report: ModelQuality, t: Translator) -> list[tuple[str, str]]:
    """The history models training left out, each with its reason in words."""
    return [(model_name(code, t), _why_not(c, t))
            for code, c in sorted(report.candidates.items())
            if c.role == "history" and c.weight <= 0]


def _tried(report: ModelQuality, t: Translator, n: Numbers) -> Figure:
    """Every model training tried, by its validation hit rate, with every figure."""
    tried = sorted(report.candidates.items(),
                   key=lambda entry: (-(entry[1].val_hr10 or 0.0), entry[0]))
    names = [model_name(code, t) for code, _c in tried]
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
               n.share(c.weight) if c.role == "history" else t("Forms only")]
              for name, (_code, c) in zip(names, tried, strict=True)],
        note=t("Time per customer: scoring one customer's history over the whole catalogue "
               "(the median). The preference-form model answers forms apart from the "
               "others, so it has no weight."))


def _budget(report: ModelQuality, t: Translator) -> str:
    served = report.served
    if served.score_ms is None:
        return t("No model scores customers' histories now: recommendations come from "
                 "best sellers, trends and declared preferences.")
    values = {"ms": _milliseconds(served.score_ms, t, Numbers(t)),
              "budget": _milliseconds(served.budget_ms, t, Numbers(t))}
    if served.score_ms > served.budget_ms:
        return t("Together the served models take {ms} per customer, over the {budget} "
                 "allowed.", **values)
    return t("Together the served models take {ms} per customer, within the {budget} "
             "allowed.", **values)


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
        not_served=_not_served(report, t),
        trained=n.moment(datetime.fromisoformat(report.trained_at)),
        validation=n.count(report.validation_customers),
        training=_seconds(report.training_seconds, t, n),
        selection=_seconds(report.selection_seconds, t, n),
        selection_budget=_seconds(report.selection_budget_seconds, t, n))
