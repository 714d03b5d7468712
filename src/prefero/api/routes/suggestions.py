"""Routes for suggestions: preferences inferred from consented behaviour, which the customer
accepts (they become declared, source ``suggestion``) or rejects (hidden for a while).

Thin on purpose: each handler checks the key's scope and calls one service function.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, own_customer
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.customers import suggestions as service
from prefero.customers.evidence_text import worded
from prefero.customers.suggestions import DecisionOut, SuggestionsOut

__all__ = ["router"]

router = APIRouter(prefix="/v1/customers", tags=["suggestions"])

SuggestionId = Annotated[str, Path(
    pattern=r"^[0-9a-f]{32}$", description="The id from the list of suggestions")]

# An API key with the scope, or the customer's own token.
_READ = [Depends(own_customer("read"))]
_INGEST = [Depends(own_customer("ingest"))]
_DECIDE = problem_responses(404, 409)


@router.get("/{customer_id}/suggestions", dependencies=_READ,
            responses=problem_responses(404))
def list_suggestions(customer_id: CustomerId, session: DbSession, runtime: Rt,
                     language: Language) -> SuggestionsOut:
    """Preferences inferred from the customer's consented behaviour, worth asking first
    (lift over the catalogue's base rate), each with its evidence ("Sugar-free — 8 of your
    last 10 orders in Groceries", in the language Accept-Language asks for). Empty without
    tracking consent. A suggestion changes nothing until it is accepted."""
    found = service.list_suggestions(session, customer_id=customer_id,
                                     settings=runtime.settings, schema=runtime.facet_schema)
    if language == "en":
        return found
    return found.model_copy(update={"items": [
        worded(item, schema=runtime.facet_schema, language=language) for item in found.items]})


@router.post("/{customer_id}/suggestions/{suggestion_id}/accept", dependencies=[
    *_INGEST, Depends(audited("suggestion.accept", target=("customer", "customer_id")))],
             responses=_DECIDE)
def accept_suggestion(customer_id: CustomerId, suggestion_id: SuggestionId,
                      session: DbSession, runtime: Rt) -> DecisionOut:
    """Accept: the suggestion becomes a declared like (source `suggestion`). 404 when it is
    no longer suggested; 409 without tracking consent or when already decided or declared.
    Repeating an acceptance answers the first one."""
    return service.accept(session, customer_id=customer_id, suggestion_id=suggestion_id,
                          settings=runtime.settings, schema=runtime.facet_schema)


@router.post("/{customer_id}/suggestions/{suggestion_id}/reject", dependencies=[
    *_INGEST, Depends(audited("suggestion.reject", target=("customer", "customer_id")))],
             responses=_DECIDE)
def reject_suggestion(customer_id: CustomerId, suggestion_id: SuggestionId,
                      session: DbSession, runtime: Rt) -> DecisionOut:
    """Reject: the suggestion is not made again for the shop's snooze period
    (`PREFERO_SUGGESTION_SNOOZE_DAYS`). Errors as for accept; a repeat answers the first."""
    return service.reject(session, customer_id=customer_id, suggestion_id=suggestion_id,
                          settings=runtime.settings, schema=runtime.facet_schema)
