"""What customers declare, by facet: each facet's most declared values as likes, dislikes,
"never" and "must", worded as the storefront words them (``web.preference_words``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession, Rt
from prefero.console.declared import DECLARATIONS, FacetDeclarations, declared_by_facet
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.access import Staff
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.dashboard.words import DECLARATION_NAMES
from prefero.web.preference_words import Words, page_words

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="declared", path="/dashboard/declared",
                        label=N_("What customers declare"), order=20))
router = APIRouter()
TOP = 10


def _facet(found: FacetDeclarations, words: Words, n: Numbers) -> Figure:
    t = words.t
    labels = [words.value(found.facet, v.value) for v in found.values]
    columns = [t(DECLARATION_NAMES[d]) for d in DECLARATIONS]
    return figure(
        Chart(key=f"facet-{found.facet}", title=words.facet(found.facet), labels=labels,
              series=[Series(column, [v.counts[d] for v in found.values])
                      for column, d in zip(columns, DECLARATIONS, strict=True)],
              number=n.count, kind="stacked"),
        columns=[t("Value"), *columns],
        rows=[[label, *(n.count(v.counts[d]) for d in DECLARATIONS)]
              for label, v in zip(labels, found.values, strict=True)],
        note=t.plural("{n} customer declared something about it.",
                      "{n} customers declared something about it.", found.customers))


@router.get(PAGE.path)
def declared(request: Request, staff: Staff, session: DbSession, runtime: Rt) -> Response:
    words = page_words(request, session, runtime)
    n = Numbers(words.t)
    figures = [_facet(found, words, n) for found in declared_by_facet(session, top=TOP)]
    return dashboard_page(request, "dashboard/declared.html", staff=staff, page=PAGE,
                          figures=figures, top=TOP)
