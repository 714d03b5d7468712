"""The measurements page of the preference centre (``/preferences/measurements``), and the
size advice the storefront shows (product page, recommendation cards).

The page is for the profile the pages shop for now (the header's household switcher): the
account's own or one of its household's. It shows whether the ``fit`` consent is on and lets
the customer give it there (consent is the account holder's), enter and change their
measurements and fit, and erase them. Every form posts with the CSRF token; bad input
re-renders the page with the message next to the field (422) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form
from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.catalog.facets import FacetSchema
from prefero.catalog.models import Product
from prefero.customers.consent import record_consent
from prefero.customers.schemas import ConsentIn
from prefero.errors import NotFound
from prefero.fit import service
from prefero.fit.advisor import FitAdvisor, advisor_for
from prefero.fit.export import FitExport
from prefero.fit.measurements import FIT_PREFERENCES, MEASURES
from prefero.fit.schemas import MeasurementsIn
from prefero.fit.wording import (
    FIT_NAMES,
    MEASURE_NAMES,
    advice_text,
    feedback_text,
    fit_facts,
    your_size_text,
)
from prefero.i18n.catalogues import N_
from prefero.i18n.formats import number
from prefero.recommend.catalog_index import CatalogIndex
from prefero.runtime import Runtime
from prefero.web.i18n import language_of, translator
from prefero.web.identity import visitor
from prefero.web.render import page, page_consents, templates

__all__ = ["ProductFit", "page_advisor", "product_fit", "router"]

router = APIRouter()

PAGE = "/preferences/measurements"
_NOTICE_KEY = "measurements_notice"
_SAVED = N_("Your measurements are saved.")
_ERASED = N_("Your measurements were erased.")
_GRANTED = N_("Thank you: we may now use your measurements for fit.")
_WITHDRAWN = N_("Consent withdrawn: your measurements were deleted.")
_NUMBER = N_("Enter a number from {low} to {high} cm, or leave it empty.")


# --- the storefront's advice ---------------------------------------------------------------

@dataclass(frozen=True)
class SizeOption:
    value: str  # the size as the chart and the cart name it ("M")
    selected: bool


@dataclass(frozen=True)
class ProductFit:
    """What the product page shows about fit: the advice with its reason, or the note that
    the product is made to measure, and the size choice of the add-to-cart form."""

    sized: bool
    made_to_measure: bool
    consent: bool
    advice: str | None = None
    size: str | None = None
    options: tuple[SizeOption, ...] = ()
    has_measurements: bool = False


def page_advisor(request: Request, session: Session, runtime: Runtime) -> FitAdvisor:
    """The page's size advisor: measurements read once for every product on it, under the
    consents the page reads once."""
    return advisor_for(session, customer_id=visitor(request).customer_id,
                       settings=runtime.settings,
                       consent=page_consents(request, session, runtime)["fit"])


def product_fit(advisor: FitAdvisor, *, product: Product, schema: FacetSchema,
                language: str) -> ProductFit:
    """The product page's fit block for ``product`` (no query: the advisor holds the reads).

    >>> product_fit(advisor, product=coat, schema=schema, language="en").made_to_measure
    ... # doctest: +SKIP
    True
    """
    chart = advisor.charts.chart_of(product)
    held = advisor.measurements is not None
    if chart is not None and chart.made_to_measure:
        return ProductFit(False, True, advisor.consent, has_measurements=held)
    raw = product.facets.get("size") if isinstance(product.facets, dict) else None
    sizes = [schema.value_in("size", str(v), language) for v in raw] \
        if isinstance(raw, list) else []
    advice = advisor.advise(chart)
    chosen = advice.size.casefold() if advice else None
    options = tuple(SizeOption(size, size.casefold() == chosen) for size in sizes)
    return ProductFit(bool(sizes), False, advisor.consent,
                      advice=advice_text(advice, language) if advice else None,
                      size=advice.size if advice else None, options=options,
                      has_measurements=held)


@pass_context
def _your_size(context: Context, product_id: str) -> str:
    """A card's "Your size: M", from the page's advisor (``fit_advisor`` in the page's
    context); empty when the page has none or there is no advice for the product."""
    advisor = context.get("fit_advisor")
    runtime: Runtime = context["request"].app.state.runtime
    index: CatalogIndex | None = runtime.recommender.held_index
    if not isinstance(advisor, FitAdvisor) or index is None:
        return ""
    size = advisor.your_size(index, product_id)
    return your_size_text(size, str(context.get("lang") or "en")) if size else ""


templates.env.globals["your_size"] = _your_size


# --- "What we know about you" --------------------------------------------------------------

def _language(context: Context) -> str:
    return str(context.get("lang") or "en")


@pass_context
def _known_fit_facts(context: Context, export: FitExport) -> list[tuple[str, str]]:
    """The data view's measurement lines ("Chest", "98 cm"), in the page's language."""
    return fit_facts(export, _language(context))


@pass_context
def _known_fit_feedback(context: Context, *, product: str, size: str, reason: str) -> str:
    """The data view's line for one fit feedback ("You sent back Plain tee in size M as too
    small"), in the page's language."""
    return feedback_text(product=product, size=size, reason=reason,
                         language=_language(context))


templates.env.globals["known_fit_facts"] = _known_fit_facts
templates.env.globals["known_fit_feedback"] = _known_fit_feedback


# --- the measurements page -----------------------------------------------------------------

def _shown(value: float | None, language: str) -> str:
    return "" if value is None else number(value, language).replace("\u00a0", "")


def _render(request: Request, session: Session, runtime: Runtime, *,
            errors: dict[str, str] | None = None, submitted: dict[str, str] | None = None,
            status_code: int = 200) -> Response:
    who = visitor(request)
    language = language_of(request)
    try:
        held = service.get_measurements(session, owner_id=who.customer_id,
                                        settings=runtime.settings)
    except NotFound:  # a stale profile in the session: nothing held for it
        held = None
    values = submitted if submitted is not None else {
        name: _shown(getattr(held, name), language) for name in MEASURES} | {
        "fit": (held.fit if held is not None and held.fit else "regular")}
    notice = request.session.pop(_NOTICE_KEY, None)
    return page(request, "preferences/measurements.html", session=session, runtime=runtime,
                status_code=status_code, held=held, consent=bool(held and held.consent),
                measures=[(name, MEASURE_NAMES[name], MEASURES[name]) for name in MEASURES],
                fits=[(name, FIT_NAMES[name]) for name in FIT_PREFERENCES], values=values,
                errors=errors or {}, notice=notice if isinstance(notice, str) else None)


def _parse(raw: str) -> float | None:
    text = raw.strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    return float(text)


@router.get(PAGE)
def measurements_page(request: Request, session: DbSession, runtime: Rt) -> Response:
    return _render(request, session, runtime)


Text = Annotated[str, Form(max_length=20)]


@router.post(PAGE)
def save_measurements(request: Request, session: DbSession, runtime: Rt, chest: Text = "",
                      waist: Text = "", hips: Text = "", height: Text = "", inseam: Text = "",
                      foot_length: Text = "", fit: Text = "regular") -> Response:
    """Save the measurements of the profile the pages shop for (the fit consent needed)."""
    t = translator(language_of(request))
    submitted = {"chest": chest, "waist": waist, "hips": hips, "height": height,
                 "inseam": inseam, "foot_length": foot_length, "fit": fit}
    errors: dict[str, str] = {}
    parsed: dict[str, float | None] = {}
    for name in MEASURES:
        low, high = MEASURES[name]
        try:
            parsed[name] = _parse(submitted[name])
        except ValueError:
            errors[name] = t(_NUMBER, low=t.number(low), high=t.number(high))
    if not errors:
        try:
            body = MeasurementsIn.model_validate(
                {**parsed, "fit": fit if fit in FIT_PREFERENCES else "regular"})
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0])
                low, high = MEASURES.get(name, (0.0, 0.0))
                errors[name] = t(_NUMBER, low=t.number(low), high=t.number(high))
    if errors:
        return _render(request, session, runtime, errors=errors, submitted=submitted,
                       status_code=422)
    try:
        service.put_measurements(session, owner_id=visitor(request).customer_id, body=body,
                                 settings=runtime.settings)
    except service.FitConsentRequired:
        session.rollback()
        return _render(request, session, runtime, submitted=submitted, status_code=409,
                       errors={"consent": t("First allow us to use your measurements for "
                                            "fit.")})
    request.session[_NOTICE_KEY] = _SAVED
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/delete")
def erase_measurements(request: Request, session: DbSession) -> Response:
    """Erase the measurements, fit and fit feedback of the profile the pages shop for."""
    service.delete_measurements(session, owner_id=visitor(request).customer_id)
    request.session[_NOTICE_KEY] = _ERASED
    return RedirectResponse(PAGE, status_code=303)


@router.post(PAGE + "/consent")
def fit_consent(request: Request, session: DbSession, runtime: Rt,
                granted: Annotated[str, Form(max_length=5)] = "true") -> Response:
    """Give or withdraw the fit consent (the account holder's, for every profile);
    withdrawing deletes the measurements held."""
    on = granted == "true"
    record_consent(session, customer_id=visitor(request).account_id,
                   consent=ConsentIn(purpose="fit", granted=on, source="preference_center"),
                   settings=runtime.settings)
    request.session[_NOTICE_KEY] = _GRANTED if on else _WITHDRAWN
    return RedirectResponse(PAGE, status_code=303)
