"""Quiz funnels: per quiz, the sessions that started, reached each question and completed
(``prefero.quizzes.analytics`` counts them)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prefero.api.deps import DbSession
from prefero.console.funnels import Funnel, quiz_funnels
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.access import Staff
from prefero.web.dashboard.charts import Chart, Series
from prefero.web.dashboard.figures import Figure, figure
from prefero.web.dashboard.nav import NavPage, register
from prefero.web.dashboard.render import Numbers, dashboard_page
from prefero.web.i18n import Translator, language_of, translator

__all__ = ["PAGE", "router"]

PAGE = register(NavPage(key="quizzes", path="/dashboard/quizzes", label=N_("Quiz funnels"),
                        order=30))
router = APIRouter()


def _funnel(funnel: Funnel, t: Translator, n: Numbers) -> Figure:
    numbered = list(enumerate(funnel.steps, start=1))
    labels = [t("Started"),
              *(t("Question {number}: {question}", number=n.count(i), question=step.text)
                for i, step in numbered),
              t("Completed")]
    # The chart names questions by number; the table beside it gives their words.
    short = [t("Started"), *(t("Question {number}", number=n.count(i)) for i, _ in numbered),
             t("Completed")]
    counts = [funnel.started, *(step.reached for step in funnel.steps), funnel.completed]
    return figure(
        Chart(key=f"quiz-{funnel.quiz_id}", title=funnel.title, labels=short,
              series=[Series(t("Sessions"), counts)], number=n.count),
        columns=[t("Step"), t("Sessions"), t("Of those who started")],
        rows=[[label, n.count(count),
               n.share(count / funnel.started if funnel.started else None)]
              for label, count in zip(labels, counts, strict=True)] if funnel.started else [],
        note=t("Version {version}. A question counts as reached when it was answered or "
               "skipped.", version=n.count(funnel.version)))


@router.get(PAGE.path)
def quizzes(request: Request, staff: Staff, session: DbSession) -> Response:
    t = translator(language_of(request))
    n = Numbers(t)
    figures = [_funnel(f, t, n) for f in quiz_funnels(session, language=t.language)]
    return dashboard_page(request, "dashboard/quizzes.html", staff=staff, page=PAGE,
                          figures=figures)
