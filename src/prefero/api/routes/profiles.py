"""Routes for household profiles: list, add, rename and remove the profiles of an account.

Each profile's own data is reached at ``/v1/customers/{customer_id}/profiles/{profile_id}/``
followed by any customer route (``prefero.api.profile_paths``). Thin on purpose: each
handler calls one function of ``prefero.customers.households``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, own_customer
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.customers import households
from prefero.customers.household_schemas import (
    PROFILE_KEY_PATTERN,
    ProfileIn,
    ProfileList,
    ProfileOut,
    ProfilePatch,
)
from prefero.db.session import after_release
from prefero.errors import FieldError, PreferoError

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["profiles"])

ProfileId = Annotated[str, Path(min_length=1, max_length=30, pattern=PROFILE_KEY_PATTERN,
                                description="The profile's id within the household")]

_OWN_READ = [Depends(own_customer("read"))]
_OWN_INGEST = [Depends(own_customer("ingest"))]
_OWN_ADMIN = [Depends(own_customer("admin"))]
_CUSTOMER = ("customer", "customer_id")


@contextmanager
def _in_body() -> Iterator[None]:
    """Services point into the body from its root; the API's locs start with "body" (for a
    409 on a field too: the id already used)."""
    try:
        yield
    except PreferoError as exc:
        if not exc.errors:
            raise
        raise replace(exc, errors=[FieldError(("body", *e.loc), e.msg)
                                   for e in exc.errors]) from exc


@router.get("/{customer_id}/profiles", dependencies=_OWN_READ,
            responses=problem_responses(404))
def list_profiles(customer_id: CustomerId, session: DbSession) -> ProfileList:
    """The household's profiles, the account's own (``main``) first."""
    return households.list_profiles(session, owner_id=customer_id)


@router.post("/{customer_id}/profiles", status_code=status.HTTP_201_CREATED,
             dependencies=[*_OWN_INGEST, Depends(audited("profile.create", target=_CUSTOMER))],
             responses=problem_responses(409))
def create_profile(customer_id: CustomerId, body: ProfileIn, session: DbSession
                   ) -> ProfileOut:
    """Add a profile ("kids") with its own likes, rules, sizes and level; its consent is the
    account holder's. Reach its data at ``/v1/customers/{customer_id}/profiles/{profile_id}/
    preferences`` (and every other customer path)."""
    with _in_body():
        return households.create_profile(session, owner_id=customer_id, profile=body)


@router.patch("/{customer_id}/profiles/{profile_id}",
              dependencies=[*_OWN_INGEST, Depends(audited("profile.update", target=_CUSTOMER))],
              responses=problem_responses(404))
def update_profile(customer_id: CustomerId, profile_id: ProfileId, body: ProfilePatch,
                   session: DbSession) -> ProfileOut:
    """Rename a profile, change its kind or its place in the list."""
    with _in_body():
        return households.update_profile(session, owner_id=customer_id,
                                         profile_id=profile_id, patch=body)


@router.delete("/{customer_id}/profiles/{profile_id}", status_code=status.HTTP_204_NO_CONTENT,
               dependencies=[*_OWN_ADMIN, Depends(audited("profile.erase", target=_CUSTOMER))],
               responses=problem_responses(404))
def delete_profile(customer_id: CustomerId, profile_id: ProfileId, session: DbSession,
                   runtime: Rt) -> None:
    """Remove the profile and erase everything held about it (its events included)."""
    subject = households.delete_profile(session, owner_id=customer_id, profile_id=profile_id,
                                        settings=runtime.settings)
    after_release(session, partial(runtime.recommender.forget, subject))
