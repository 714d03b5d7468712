"""Routes for customers: declared preferences, consent, identity merge, data export, erasure.

Thin on purpose: each handler checks the key's scope, calls one service function and lets the
one error handler turn ``PreferoError`` into problem+json.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Header, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, WriteSession, own_customer, require
from prefero.api.links import THE_SAME_CUSTOMER, links
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.customers import consent, households, preferences
from prefero.customers.merge import merge_customers
from prefero.customers.schemas import (
    ConsentIn,
    ConsentState,
    MergeIn,
    MergeOut,
    PreferencesIn,
    PreferencesOut,
    SavedPreferences,
)
from prefero.db.session import after_release
from prefero.errors import FieldError, InvalidInput
from prefero.privacy import service as privacy
from prefero.privacy.schemas import CustomerDataOut, ErasureReceiptOut
from prefero.recommend.known_values import known_values

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["customers"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200,
    description="Repeat a request safely: the same key for the same customer records once",
)]

_INGEST = [Depends(require("ingest"))]
# Also open to the customer's own token (another customer's token: 403).
_OWN_INGEST = [Depends(own_customer("ingest"))]
_OWN_READ = [Depends(own_customer("read"))]
_OWN_ADMIN = [Depends(own_customer("admin"))]
_UNKNOWN = problem_responses(404)  # reading or erasing a customer never seen
# Audit entries name the customer of the path (prefero.api.audit).
_CUSTOMER = ("customer", "customer_id")
_ONE = "/v1/customers/{customer_id}"
# Saving preferences creates the customer: every operation on that customer may follow.
_SAVED_LEADS_TO = links(
    200,
    ("GetPreferences", "get", f"{_ONE}/preferences"),
    ("PostConsent", "post", f"{_ONE}/consents"),
    ("GetConsents", "get", f"{_ONE}/consents"),
    ("GetSuggestions", "get", f"{_ONE}/suggestions"),
    ("GetQuizPreferences", "get", f"{_ONE}/quiz-preferences"),
    ("IssueToken", "post", f"{_ONE}/tokens"),
    ("GetData", "get", f"{_ONE}/data"),
    ("Erase", "delete", _ONE),
    parameters=THE_SAME_CUSTOMER)


@contextmanager
def _in_body() -> Iterator[None]:
    """Services point into the body from its root; FastAPI's own validation errors start with
    "body". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.put("/{customer_id}/preferences",
            dependencies=[*_OWN_INGEST, Depends(audited("preferences.write", target=_CUSTOMER))],
            responses=_SAVED_LEADS_TO)
def put_preferences(customer_id: CustomerId, body: PreferencesIn, session: DbSession,
                    runtime: Rt) -> SavedPreferences:
    """Replace the customer's declared profile (likes, never/must constraints, budget, sizes,
    personalization level, exploration, dismissed products). Creates the customer.

    Values are stored normalized and answered as stored ('ＧＬＵＴＥＮ' → 'gluten'); a value
    with an invisible character (zero-width space, bidi control...) is refused with its path.
    `warnings` lists values that no product carries, with the closest ones products do."""
    known = known_values(runtime.recommender.snapshot(session)[0])
    with _in_body():
        return preferences.save_preferences(session, customer_id=customer_id, prefs=body,
                                            schema=runtime.facet_schema,
                                            settings=runtime.settings, known=known)


@router.get("/{customer_id}/preferences", dependencies=_OWN_READ, responses=_UNKNOWN)
def get_preferences(customer_id: CustomerId, session: DbSession, runtime: Rt
                    ) -> PreferencesOut:
    """The declared profile, each entry with its source and time, and the effective level."""
    return preferences.get_preferences(session, customer_id=customer_id,
                                       settings=runtime.settings)


@router.post("/{customer_id}/consents", status_code=status.HTTP_201_CREATED,
             dependencies=[*_OWN_INGEST, Depends(audited("consent.write", target=_CUSTOMER))],
             responses=problem_responses(409))
def post_consent(customer_id: CustomerId, body: ConsentIn, session: DbSession, runtime: Rt,
                 idempotency_key: IdempotencyKey = None) -> ConsentState:
    """Record a grant or withdrawal (append-only); it applies from the next request on."""
    with _in_body():
        return consent.record_consent(session, customer_id=customer_id, consent=body,
                                      settings=runtime.settings,
                                      idempotency_key=idempotency_key)


@router.get("/{customer_id}/consents", dependencies=_OWN_READ, responses=_UNKNOWN)
def get_consents(customer_id: CustomerId, session: DbSession, runtime: Rt) -> ConsentState:
    """The consent in force per purpose and the full ledger, oldest first."""
    return consent.get_consents(session, customer_id=customer_id, settings=runtime.settings)


@router.post("/{customer_id}/merge",
             dependencies=[*_INGEST, Depends(audited("customer.merge", target=_CUSTOMER))])
def merge(customer_id: CustomerId, body: MergeIn, session: DbSession, runtime: Rt
          ) -> MergeOut:
    """Fold an anonymous visitor into this customer (at login). Repeating it is harmless."""
    with _in_body():
        return merge_customers(session, anonymous_id=body.anonymous_id,
                              customer_id=customer_id, settings=runtime.settings)


@router.get("/{customer_id}/data",
            dependencies=[*_OWN_ADMIN, Depends(audited("customer.data.read", target=_CUSTOMER))],
            responses=_UNKNOWN)
def get_data(customer_id: CustomerId, session: WriteSession, runtime: Rt) -> CustomerDataOut:
    """Everything held about the customer, and what is derived from it ("what we know")."""
    # A write session although a GET: the read is recorded in the audit log.
    return privacy.customer_data(session, customer_id=customer_id, settings=runtime.settings)


@router.delete("/{customer_id}",
               dependencies=[*_OWN_ADMIN, Depends(audited("customer.erase", target=_CUSTOMER))],
               responses=_UNKNOWN)
def erase(customer_id: CustomerId, session: DbSession, runtime: Rt) -> ErasureReceiptOut:
    """Erase the customer completely; only a receipt (hash of the id, time) stays. Repeating
    the request answers the same receipt; an id never seen is 404."""
    # An account's household profiles are erased with it, each fully.
    erased = households.erase_account(session, customer_id=customer_id,
                                      settings=runtime.settings)
    # Once committed, no process keeps what the customer declared (nor Redis, when shared).
    for gone in erased.customer_ids:
        after_release(session, partial(runtime.recommender.forget, gone))
    return erased.receipt
