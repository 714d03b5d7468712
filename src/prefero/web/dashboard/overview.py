"""The overview: the catalogue, the customers, consent per purpose and the levels chosen."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.console.overview import (
    Catalogue,
    ConsentRate,
    Customers,
    LevelCount,
    catalogue_figures,
    consent_rates,
    customer_figures,
    level_counts,
)
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.access import Staff
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.dashboard.words import (
    AVAILABILITY_NAMES,
    LEVEL_NAMES,
    OTHER_AVAILABILITY,
    PURPOSE_NAMES,
)
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="overview", path="/dashboard", label=N_("Overview"), order=10))
router = APIRouter()


def _catalogue(catalogue: Catalogue, t: Translator, n: Numbers) -> Figure:
    names = [t(AVAILABILITY_NAMES.get(state, OTHER_AVAILABILITY))
             for state in catalogue.by_availability]
    counts = list(catalogue.by_availability.values())
    active = catalogue.active
    return figure(
        Chart(key="catalogue", title=t("Products by availability"), labels=names,
              series=[Series(t("Products"), counts)], number=n.count),
        columns=[t("Availability"), t("Products"), t("Share")],
        rows=[[name, n.count(count), n.share(count / active if active else None)]
              for name, count in zip(names, counts, strict=True)],
        note=t("{inactive} more products are withdrawn from the shop.",
               inactive=n.count(catalogue.inactive)) if catalogue.inactive else None)


def _customers(customers: Customers, t: Translator, n: Numbers) -> Figure:
    names = [t("Known customers"), t("Anonymous visitors")]
    counts = [customers.known, customers.anonymous]
    total = customers.total
    return figure(
        Chart(key="customers", title=t("Customers"), labels=names,
              series=[Series(t("Profiles"), counts)], number=n.count),
        columns=[t("Kind"), t("Profiles"), t("Share")],
        rows=[[name, n.count(count), n.share(count / total if total else None)]
              for name, count in zip(names, counts, strict=True)] if total else [])


def _consent(rates: list[ConsentRate], t: Translator, n: Numbers) -> Figure:
    names = [t(PURPOSE_NAMES.get(rate.purpose, rate.purpose)) for rate in rates]
    total = rates[0].total if rates else 0
    return figure(
        Chart(key="consent", title=t("Consent in force, per purpose"), labels=names,
              series=[Series(t("Granted"), [r.granted for r in rates]),
                      Series(t("Refused or withdrawn"), [r.refused for r in rates]),
                      Series(t("Never answered"), [r.unanswered for r in rates])],
              number=n.count, kind="stacked"),
        columns=[t("Purpose"), t("Granted"), t("Refused or withdrawn"), t("Never answered"),
                 t("Shop default"), t("Allowed now")],
        rows=[[name, n.count(r.granted), n.count(r.refused), n.count(r.unanswered),
               t("on") if r.default else t("off"), n.share(r.rate)]
              for name, r in zip(names, rates, strict=True)] if total else [],
        note=t("The latest answer of each customer counts; without one, the shop's default "
               "applies."))


def _levels(levels: list[LevelCount], default: str, t: Translator, n: Numbers) -> Figure:
    names = [t(LEVEL_NAMES[c.level]) if c.level is not None
             else t("Left to the shop (now {level})", level=t(LEVEL_NAMES[default]))
             for c in levels]
    counts = [c.count for c in levels]
    total = sum(counts)
    return figure(
        Chart(key="levels", title=t("Personalization levels chosen"), labels=names,
              series=[Series(t("Customers"), counts)], number=n.count),
        columns=[t("Level"), t("Customers"), t("Share")],
        rows=[[name, n.count(count), n.share(count / total)]
              for name, count in zip(names, counts, strict=True)] if total else [])


@router.get("/dashboard")
def overview(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    t = translator(language_of(request))
    n = Numbers(t)
    catalogue = catalogue_figures(session)
    customers = customer_figures(session)
    figures = [
        _catalogue(catalogue, t, n),
        _customers(customers, t, n),
        _consent(consent_rates(session, settings=runtime.settings), t, n),
        _levels(level_counts(session), runtime.settings.default_level, t, n),
    ]
    summary = [
        (t("Products on sale"), n.count(catalogue.active)),
        (t("Available to buy"), n.share(catalogue.available_share)),
        (t("Known customers"), n.count(customers.known)),
        (t("Anonymous visitors"), n.count(customers.anonymous)),
    ]
    return dashboard_page(request, "dashboard/overview.html", staff=staff, page=PAGE,
                          figures=figures, summary=summary)
