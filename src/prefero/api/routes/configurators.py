"""Configurable products: the definitions (texts in the asked language), evaluating a set of
choices, the customer's pre-selection with reasons, and the configurations a customer saves.

Definitions and evaluation need a read key (the shop's pages call them for any visitor).
Saved configurations and the pre-selection are the customer's own: an API key with the
scope, or that customer's token; another customer's saved configuration answers 404 like
one that does not exist. A configuration that cannot be ordered is refused with 422, one
error per problem at the path of its group in the body (``["body", "choices", "power"]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy import select

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, own_customer, require
from prefero.api.params import NO_CONTROL_CHARACTERS, CustomerId
from prefero.api.problems import problem_responses
from prefero.catalog.models import Product
from prefero.configurators import service
from prefero.configurators.schemas import (
    ChoicesIn,
    ConfiguratorOut,
    Configurators,
    ConfiguratorSummary,
    DefaultsOut,
    EvaluationOut,
    ReasonOut,
    SavedConfigurationOut,
    SavedConfigurations,
    SaveIn,
    configurator_out,
    evaluation_out,
)
from prefero.errors import FieldError, InvalidInput

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["configurators"])

_READ = [Depends(require("read"))]
_OWN_READ = [Depends(own_customer("read"))]
_OWN_WRITE = Depends(own_customer("ingest"))
_CUSTOMER = ("customer", "customer_id")
_SAVED = "/customers/{customer_id}/configurations"

ProductId = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS,
                                description="The configurable product's id",
                                examples=["cfg-laptop-14"])]
ConfigurationId = Annotated[int, Path(ge=1, le=2**31 - 1,
                                      description="The saved configuration's id")]
Lang = Annotated[Literal["en", "pl"] | None, Query(
    description="Language of the texts; left out: the Accept-Language header's")]


@contextmanager
def _in_body() -> Iterator[None]:
    """The service names fields from the body's root; FastAPI's own errors start with
    "body". One convention for the client."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/configurators", dependencies=_READ)
def list_configurators(session: DbSession, runtime: Rt, language: Language,
                       lang: Lang = None) -> Configurators:
    """Every configurable product whose base product is in the catalogue and on sale."""
    definitions = runtime.configurators.configurators
    on_sale = set(session.scalars(select(Product.id).where(
        Product.id.in_(list(definitions)), Product.active.is_(True))))
    return Configurators(items=[ConfiguratorSummary(
        product_id=d.product_id, title=d.title.text(lang or language),
        base_price=d.base_price, currency=d.currency, version=d.version, digest=d.digest)
        for pid, d in sorted(definitions.items()) if pid in on_sale])


@router.get("/configurators/{product_id}", dependencies=_READ,
            responses=problem_responses(404))
def get_configurator(product_id: ProductId, session: DbSession, runtime: Rt,
                     language: Language, lang: Lang = None) -> ConfiguratorOut:
    """The product's option groups, options (prices, live stock, lead days) and rules,
    with their texts in the asked language."""
    definition = service.configurator(runtime.configurators, product_id)
    return configurator_out(definition, language=lang or language,
                            stock=service.stock_levels(session, definition))


@router.post("/configurators/{product_id}/evaluate", dependencies=_READ,
             responses=problem_responses(404))
def evaluate(product_id: ProductId, body: ChoicesIn, session: DbSession, runtime: Rt,
             language: Language, lang: Lang = None) -> EvaluationOut:
    """Whether the choices can be ordered (every problem at the path of its group), the
    price (base plus the chosen options, rounded once), the delivery estimate, and the
    options that cannot be chosen now with why. Unknown groups and options are problems in
    the answer, not a 422 (only a body of the wrong shape is)."""
    result = service.evaluate_choices(session, runtime.configurators, product_id=product_id,
                                      choices=body.choices)
    return evaluation_out(result, language=lang or language)


@router.get("/customers/{customer_id}/configurators/{product_id}/defaults",
            dependencies=_OWN_READ, responses=problem_responses(404), tags=["customers"])
def defaults(customer_id: CustomerId, product_id: ProductId, session: DbSession, runtime: Rt,
             language: Language, lang: Lang = None) -> DefaultsOut:
    """The pre-selection for this customer, each choice with its reason: within their
    budget, without the brands they never want, the simple options for someone who said they
    are not technical; the shop's defaults when their consent or level keeps wishes out."""
    words = lang or language
    picked = service.defaults_for(session, runtime.configurators, customer_id=customer_id,
                                  product_id=product_id, settings=runtime.settings,
                                  language=words)
    return DefaultsOut(
        product_id=product_id,
        personalized=picked.personalized,
        choices=picked.choices,
        reasons=[ReasonOut(code=r.code, group=r.group, option=r.option, params=r.params,
                           text=r.text) for r in picked.reasons],
        marked=[ReasonOut(code=r.code, group=r.group, option=r.option, params=r.params,
                          text=r.text) for r in picked.marked],
        evaluation=evaluation_out(picked.evaluation, language=words))


@router.get(_SAVED, dependencies=_OWN_READ, tags=["customers"])
def list_saved(customer_id: CustomerId, session: DbSession) -> SavedConfigurations:
    """The customer's saved configurations, newest first (empty for an unknown customer)."""
    return SavedConfigurations(items=service.list_configurations(session,
                                                                 customer_id=customer_id))


@router.post(_SAVED, status_code=status.HTTP_201_CREATED,
             dependencies=[_OWN_WRITE, Depends(audited("configurations.write",
                                                       target=_CUSTOMER))],
             responses=problem_responses(404, 409), tags=["customers"])
def save(customer_id: CustomerId, body: SaveIn, session: DbSession, runtime: Rt,
         language: Language) -> SavedConfigurationOut:
    """Save a configuration that can be ordered as it stands (creates the customer). 404
    for a product without a configurator, 409 past the limit per customer, 422 with the
    path of each offending group otherwise."""
    with _in_body():
        return service.save_configuration(
            session, runtime.configurators, customer_id=customer_id,
            product_id=body.product_id, choices=body.choices, name=body.name,
            language=language)


@router.get(_SAVED + "/{configuration_id}", dependencies=_OWN_READ,
            responses=problem_responses(404), tags=["customers"])
def get_saved(customer_id: CustomerId, configuration_id: ConfigurationId,
              session: DbSession) -> SavedConfigurationOut:
    """One saved configuration of the customer."""
    return service.get_configuration(session, customer_id=customer_id,
                                     configuration_id=configuration_id)


@router.delete(_SAVED + "/{configuration_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response,
               dependencies=[_OWN_WRITE, Depends(audited("configurations.delete",
                                                         target=_CUSTOMER))],
               responses=problem_responses(404), tags=["customers"])
def delete_saved(customer_id: CustomerId, configuration_id: ConfigurationId,
                 session: DbSession) -> Response:
    """Forget a saved configuration."""
    service.delete_configuration(session, customer_id=customer_id,
                                 configuration_id=configuration_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
