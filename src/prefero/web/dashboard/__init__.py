"""The shop's dashboard at ``/dashboard``: staff sign in with their own accounts
(``prefero.staff``) and see the shop's figures in English or Polish.

Each page is a module with a ``router`` and a ``PAGE`` registered in the menu
(``nav.register``); ``MODULES`` lists them in menu order. docs/dashboard.md says how to add
one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.errors import problem
from prefero.web.dashboard import (
    configurators,
    coupons,
    declared,
    delivery,
    discovered,
    experiments,
    merchandising,
    model_quality,
    overview,
    prompts,
    quizzes,
    recommendations,
    segments,
    sign_in,
    staff,
)
from prefero.web.dashboard import content as content_slots
from prefero.web.dashboard.access import RoleRefused, SignInNeeded
from prefero.web.dashboard.charts import chart_css
from prefero.web.dashboard.render import dashboard_page
from prefero.web.dashboard.session import clear_cookie
from prefero.web.dashboard.words import DASHBOARD

__all__ = ["MODULES", "install_dashboard"]

#: The dashboard's route modules; a page's menu entry comes with its module, in this order.
MODULES = (sign_in, overview, declared, quizzes, segments, discovered, recommendations,
           model_quality, content_slots, prompts, merchandising, experiments, coupons,
           delivery, configurators, staff)

_assets = APIRouter()


@_assets.get("/dashboard/charts.css")
def charts_css() -> Response:
    """pygal's chart style, scoped to the dashboard's charts (``charts.chart_css``)."""
    return Response(chart_css(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=86400"})


def _wants_problem(request: Request) -> bool:
    if request.headers.get("hx-request") == "true":
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    runtime = request.app.state.runtime
    if _wants_problem(request):
        response: Response = problem(401, "staff-sign-in-needed", "Unauthorized",
                                     "sign in to the dashboard first")
    else:
        target = request.url.path if request.method == "GET" else "/dashboard"
        response = RedirectResponse(f"{sign_in.SIGN_IN}?next={quote(target, safe='/')}",
                                    status_code=303)
    clear_cookie(response, request, runtime.settings)
    return response


async def _role_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RoleRefused)
    if _wants_problem(request):
        return problem(403, "staff-role-refused", "Forbidden",
                       f"this needs the {exc.needed} role or above")
    return dashboard_page(request, "dashboard/refused.html", staff=exc.staff, page=None,
                          title=DASHBOARD, status_code=403)


def install_dashboard(app: FastAPI, checks: Sequence[Any]) -> None:
    """Mount the dashboard's pages behind ``checks`` (the web pages' CSRF guard)."""
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(RoleRefused, _role_refused)
    app.include_router(_assets, include_in_schema=False)
    for module in MODULES:
        app.include_router(module.router, include_in_schema=False, dependencies=list(checks))
