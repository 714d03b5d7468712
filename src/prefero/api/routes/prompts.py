"""On-site prompts: the shop's definitions (read key to list, admin key to write, every write
in the audit log), and per customer (an API key, or the customer's own token) the caps, the
decision when a trigger fires, and dismissal. Thin: one service call each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Language, Rt, own_customer, require
from prefero.api.params import CustomerId
from prefero.api.problems import problem_responses
from prefero.db.base import utcnow
from prefero.errors import FieldError, InvalidInput
from prefero.prompts import caps, definitions
from prefero.prompts.decide import decide
from prefero.prompts.schemas import (
    DecideIn,
    PromptAnswer,
    PromptBody,
    PromptIn,
    PromptOut,
    Prompts,
    PromptSettingsIn,
    PromptSettingsOut,
)

__all__ = ["router"]

router = APIRouter(tags=["prompts"])

_ADMIN = Depends(require("admin"))
_READ = [Depends(require("read"))]
_OWN_READ = [Depends(own_customer("read"))]
_OWN_INGEST = [Depends(own_customer("ingest"))]
_PROMPT = ("prompt", "prompt_key")

PromptKey = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$",
                                description="The prompt's key")]
Lang = Annotated[Literal["en", "pl"] | None, Query(description="The answer's language "
                                                   "(else the Accept-Language)")]


@contextmanager
def _in_body() -> Iterator[None]:
    """The service points into a prompt from its root; FastAPI's own errors start with
    "body". Prefix the former so a client sees one convention."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("/v1/prompts", dependencies=_READ)
def list_prompts(session: DbSession) -> Prompts:
    """Every prompt, by key."""
    return Prompts(items=definitions.list_prompts(session))


@router.post("/v1/prompts", status_code=status.HTTP_201_CREATED,
             responses=problem_responses(409),
             dependencies=[_ADMIN, Depends(audited("prompt.create"))])
def create_prompt(body: PromptIn, session: DbSession) -> PromptOut:
    """Create a prompt: its trigger and threshold, and the content slot it shows. Every
    problem is named with its path (``["body", "threshold"]``, ``["body", "slot"]``);
    nothing is stored then."""
    with _in_body():
        return definitions.create_prompt(session, body)


@router.get("/v1/prompts/{prompt_key}", dependencies=_READ, responses=problem_responses(404))
def get_prompt(prompt_key: PromptKey, session: DbSession) -> PromptOut:
    """One prompt."""
    return definitions.get_prompt(session, prompt_key)


@router.put("/v1/prompts/{prompt_key}", responses=problem_responses(404),
            dependencies=[_ADMIN, Depends(audited("prompt.write", target=_PROMPT))])
def replace_prompt(prompt_key: PromptKey, body: PromptBody, session: DbSession) -> PromptOut:
    """Replace a prompt's definition (customers' dismissals of it stay)."""
    with _in_body():
        return definitions.replace_prompt(session, prompt_key, body)


@router.delete("/v1/prompts/{prompt_key}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=problem_responses(404),
               dependencies=[_ADMIN, Depends(audited("prompt.delete", target=_PROMPT))])
def delete_prompt(prompt_key: PromptKey, session: DbSession) -> Response:
    """Delete a prompt (the log of prompts shown keeps its history)."""
    definitions.delete_prompt(session, prompt_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/customers/{customer_id}/prompt-settings", dependencies=_OWN_READ)
def get_prompt_settings(customer_id: CustomerId, session: DbSession, language: Language,
                        lang: Lang = None) -> PromptSettingsOut:
    """The customer's caps on prompts (the shop's defaults until changed), the prompts they
    dismissed, and the caps in words."""
    return caps.prompt_settings(session, customer_id, language=lang or language)


@router.put("/v1/customers/{customer_id}/prompt-settings", dependencies=_OWN_INGEST)
def put_prompt_settings(customer_id: CustomerId, body: PromptSettingsIn, session: DbSession,
                        language: Language, lang: Lang = None) -> PromptSettingsOut:
    """Change the caps: ``per_visit`` (0-5), ``gap_minutes`` (0-1440), ``off`` ("Don't show
    me these"); a field left out stays as it is. Creates the customer."""
    return caps.save_settings(session, customer_id, body, now=utcnow(),
                              language=lang or language)


@router.post("/v1/customers/{customer_id}/prompts/decide", dependencies=_OWN_INGEST)
def decide_prompt(customer_id: CustomerId, body: DecideIn, session: DbSession, runtime: Rt,
                  language: Language, lang: Lang = None) -> PromptAnswer:
    """A trigger fired on the shop's page: the prompt to show, with why, or why none
    (``none_because``: switched_off, no_consent, no_matching_prompt, dismissed, cap_reached,
    too_soon). A prompt answered is logged as shown: the caps count it."""
    return decide(session, customer_id=customer_id, trigger=body.trigger, facts=body.facts,
                  now=utcnow(), settings=runtime.settings, schema=runtime.facet_schema,
                  language=lang or language)


@router.post("/v1/customers/{customer_id}/prompts/{prompt_key}/dismiss",
             status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
             dependencies=_OWN_INGEST, responses=problem_responses(404))
def dismiss_prompt(customer_id: CustomerId, prompt_key: PromptKey, session: DbSession
                   ) -> Response:
    """Never show this prompt to the customer again; idempotent. 404 for a prompt the shop
    does not have."""
    definitions.get_prompt(session, prompt_key)
    caps.dismiss(session, customer_id, prompt_key, now=utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
