"""Reading, writing and erasing a customer's measurements, only ever under the ``fit``
consent.

Without the consent a read gives nothing and a write is refused (``FitConsentRequired``,
409); withdrawing it deletes what was held (``prefero.fit.withdrawal``, called by the
consent ledger), so the next request finds nothing. Deleting needs no consent. A household
profile's measurements are kept under its own customer row; consent is the account
holder's, mirrored onto each profile (``prefero.customers.household_consent``).

The services take a ``Session`` inside the caller's unit of work and commit nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.customers.consent import has_consent
from prefero.customers.household_schemas import MAIN_PROFILE
from prefero.customers.households import subject_for
from prefero.customers.models import ANONYMOUS_PREFIX
from prefero.customers.repository import ensure_customers
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError
from prefero.fit.measurements import MEASURES
from prefero.fit.models import FitFeedback, FitProfile
from prefero.fit.schemas import MeasurementsIn, MeasurementsOut

__all__ = [
    "FitConsentRequired",
    "delete_measurements",
    "fit_allowed",
    "get_measurements",
    "held_measurements",
    "put_measurements",
]


@dataclass
class FitConsentRequired(Conflict):
    """Measurements written, or needed, without the customer's ``fit`` consent."""

    slug: str = "fit-consent-required"
    title: str = "Consent to use measurements for fit is needed"


def fit_allowed(session: Session, *, customer_id: str, settings: Settings) -> bool:
    """Whether the customer's ``fit`` consent is in force now (read on every use)."""
    return has_consent(session, customer_id=customer_id, purpose="fit", settings=settings)


def held_measurements(session: Session, *, customer_id: str, settings: Settings
                      ) -> FitProfile | None:
    """The customer's measurements when the ``fit`` consent allows their use, else None.

    >>> held_measurements(session, customer_id="c1", settings=settings)  # doctest: +SKIP
    """
    if not fit_allowed(session, customer_id=customer_id, settings=settings):
        return None
    return session.get(FitProfile, customer_id)


def _out(owner_id: str, profile_id: str | None, row: FitProfile | None, *,
         consent: bool) -> MeasurementsOut:
    base = MeasurementsOut(customer_id=owner_id, profile_id=profile_id or MAIN_PROFILE,
                           consent=consent, held=row is not None)
    if row is None:
        return base
    values = {name: getattr(row, name) for name in MEASURES}
    return base.model_copy(update={**values, "fit": row.fit, "updated_at": row.updated_at})


def get_measurements(session: Session, *, owner_id: str, settings: Settings,
                     profile_id: str | None = None) -> MeasurementsOut:
    """The measurements of the account (or of its household profile ``profile_id``); with
    the consent withdrawn nothing (``consent`` false, ``held`` false). ``NotFound`` for a
    profile the account lacks.

    >>> get_measurements(session, owner_id="c1", settings=settings).chest  # doctest: +SKIP
    98.0
    """
    subject = subject_for(session, owner_id=owner_id, profile_id=profile_id)
    consent = fit_allowed(session, customer_id=subject, settings=settings)
    row = session.get(FitProfile, subject) if consent else None
    return _out(owner_id, profile_id, row, consent=consent)


def put_measurements(session: Session, *, owner_id: str, body: MeasurementsIn,
                     settings: Settings, profile_id: str | None = None) -> MeasurementsOut:
    """Replace the measurements and fit preference (values rounded to 0.1 cm).
    ``FitConsentRequired`` (409) without the ``fit`` consent: nothing is written.

    >>> put_measurements(session, owner_id="c1", settings=settings,
    ...                  body=MeasurementsIn(chest=98)).chest  # doctest: +SKIP
    98.0
    """
    subject = subject_for(session, owner_id=owner_id, profile_id=profile_id)
    if not fit_allowed(session, customer_id=subject, settings=settings):
        raise FitConsentRequired(
            "measurements are kept only with the customer's consent to use them for fit "
            "(purpose 'fit'); record that consent first",
            [FieldError(("consent", "fit"), "not granted")])
    ensure_customers(session, {subject: subject.startswith(ANONYMOUS_PREFIX)})
    row = session.get(FitProfile, subject)
    if row is None:
        row = FitProfile(customer_id=subject)
        session.add(row)
    for name in MEASURES:
        value = getattr(body, name)
        setattr(row, name, None if value is None else round(float(value), 1))
    row.fit = body.fit
    row.updated_at = utcnow()
    session.flush()
    return _out(owner_id, profile_id, row, consent=True)


def delete_measurements(session: Session, *, owner_id: str,
                        profile_id: str | None = None) -> bool:
    """Erase the measurements, fit preference and fit feedback of the account (or of one
    profile); True when anything was held. Needs no consent.

    >>> delete_measurements(session, owner_id="c1")  # doctest: +SKIP
    True
    """
    subject = subject_for(session, owner_id=owner_id, profile_id=profile_id)
    gone = 0
    for model in (FitProfile, FitFeedback):
        result = session.execute(delete(model).where(model.customer_id == subject))
        gone += int(getattr(result, "rowcount", 0) or 0)
    return gone > 0
