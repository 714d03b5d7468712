"""Routes for a customer's measurements and size advice: read with a read key or the
customer's own token, changed with an ingest key or that token.

A household profile's measurements are reached through the profile's paths
(``/v1/customers/{id}/profiles/{profile_id}/measurements``, ``prefero.api.profile_paths``).
Measurements are kept only with the customer's ``fit`` consent: without it a read answers
``consent: false`` and nothing else, a write is 409 ``fit-consent-required``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, own_customer
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.fit import service
from prefero.fit.advisor import advise_products, advisor_for
from prefero.fit.schemas import MeasurementsIn, MeasurementsOut, SizesOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["fit"])

_OWN_INGEST = Depends(own_customer("ingest"))
_OWN_READ = [Depends(own_customer("read"))]
_CUSTOMER = ("customer", "customer_id")

ProductIds = Annotated[list[str], Query(min_length=1, max_length=50,
                                        description="Products to advise on (1 to 50)")]


@router.get("/{customer_id}/measurements", dependencies=_OWN_READ)
def get_measurements(customer_id: CustomerId, session: DbSession, runtime: Rt
                     ) -> MeasurementsOut:
    """The customer's measurements (cm) and fit preference; nothing without the ``fit``
    consent (``consent: false``)."""
    return service.get_measurements(session, owner_id=customer_id, settings=runtime.settings)


@router.put("/{customer_id}/measurements",
            dependencies=[_OWN_INGEST, Depends(audited("fit.write", target=_CUSTOMER))],
            responses=problem_responses(409))
def put_measurements(customer_id: CustomerId, body: MeasurementsIn, session: DbSession,
                     runtime: Rt) -> MeasurementsOut:
    """Replace the measurements and fit preference. Without the customer's ``fit`` consent:
    409 ``fit-consent-required``, nothing stored."""
    return service.put_measurements(session, owner_id=customer_id, body=body,
                                    settings=runtime.settings)


@router.delete("/{customer_id}/measurements", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response,
               dependencies=[_OWN_INGEST, Depends(audited("fit.delete", target=_CUSTOMER))])
def delete_measurements(customer_id: CustomerId, session: DbSession) -> Response:
    """Erase the measurements, fit preference and fit feedback; 204 whether or not any
    were held."""
    service.delete_measurements(session, owner_id=customer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{customer_id}/sizes", dependencies=_OWN_READ)
def get_sizes(customer_id: CustomerId, product_id: ProductIds, session: DbSession,
              runtime: Rt, language: Language) -> SizesOut:
    """The recommended size of each product with its reason, in the request's language
    (``size: null``: no advice — no chart, made to measure, no consent or no measurement
    that places the customer on the chart)."""
    index = runtime.recommender.snapshot(session)[0]
    advisor = advisor_for(session, customer_id=customer_id, settings=runtime.settings)
    return SizesOut(customer_id=customer_id, consent=advisor.consent,
                    items=advise_products(advisor, index=index, product_ids=product_id,
                                          language=language))
