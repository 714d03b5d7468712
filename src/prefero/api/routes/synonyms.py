"""The shop's search synonyms: listed with a read key, written with the admin key, every
write in the audit log. Search uses a change from its next request on, in every process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from prefero.api.audit import audited
from prefero.api.deps import DbSession, require
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.search import synonyms
from prefero.search.synonyms import MAX_RULES, SynonymRule, SynonymRuleIn

__all__ = ["router"]

router = APIRouter(prefix="/v1/search/synonyms", tags=["search"])

_ADMIN = Depends(require("admin"))
_READ = [Depends(require("read"))]
_RULE = ("synonym", "rule_id")

RuleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The rule's id.")]


class SynonymRules(BaseModel):
    items: list[SynonymRule]


class SynonymRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[SynonymRuleIn] = Field(max_length=MAX_RULES, examples=[[
        {"terms": ["chleb", "bread"]}, {"source": "tablet", "terms": ["ipad"]}]])


@contextmanager
def _in_body(*prefix: str | int) -> Iterator[None]:
    """The service points into a rule from its root; FastAPI's own validation errors start
    with "body". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *prefix, *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("", dependencies=_READ)
def list_synonyms(session: DbSession) -> SynonymRules:
    """Every synonym rule, oldest first. A rule without ``source`` is a group of equivalents
    (each term finds what the others find); with one, a query holding the source also finds
    what the terms find, not the other way round."""
    return SynonymRules(items=synonyms.list_rules(session))


@router.put("", dependencies=[_ADMIN, Depends(audited("search.synonyms.replace"))])
def replace_synonyms(body: SynonymRulesIn, session: DbSession) -> SynonymRules:
    """Make these rules the shop's whole set (the others are deleted), or change nothing:
    every wrong field is named, e.g. ``["body", "items", 2, "terms", 1]``. Rules are
    stored normalised (casefolded, punctuation dropped), as search compares them."""
    with _in_body("items"):
        return SynonymRules(items=synonyms.replace_rules(session, body.items))


@router.post("", status_code=status.HTTP_201_CREATED,
             dependencies=[_ADMIN, Depends(audited("search.synonyms.add"))])
def add_synonym(body: SynonymRuleIn, session: DbSession) -> SynonymRule:
    """Add one rule: ``{"terms": ["chleb", "bread"]}`` (equivalents), or ``{"source":
    "tablet", "terms": ["ipad"]}`` (one way)."""
    with _in_body():
        return synonyms.add_rule(session, body)


@router.put("/{rule_id}", responses=problem_responses(404),
            dependencies=[_ADMIN, Depends(audited("search.synonyms.write", target=_RULE))])
def replace_synonym(rule_id: RuleId, body: SynonymRuleIn, session: DbSession) -> SynonymRule:
    """Replace one rule."""
    with _in_body():
        return synonyms.replace_rule(session, rule_id, body)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=problem_responses(404),
               dependencies=[_ADMIN, Depends(audited("search.synonyms.delete", target=_RULE))])
def delete_synonym(rule_id: RuleId, session: DbSession) -> Response:
    """Delete one rule."""
    synonyms.delete_rule(session, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
