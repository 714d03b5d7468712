"""The shop's merchandising rules (pin, boost, bury, hide): listed and read with a read key,
written with the admin key, every write in the audit log. Recommendations apply a change
from their next request on, in every process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel

from prefero.api.audit import audited
from prefero.api.deps import DbSession, Rt, require
from prefero.api.problems import problem_responses
from prefero.errors import FieldError, InvalidInput
from prefero.merchandising import service
from prefero.merchandising.schemas import Rule, RuleIn

__all__ = ["router"]

router = APIRouter(prefix="/v1/merchandising/rules", tags=["merchandising"])

_ADMIN = Depends(require("admin"))
_READ = [Depends(require("read"))]
_RULE = ("merchandising_rule", "rule_id")

RuleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The rule's id.")]


class Rules(BaseModel):
    items: list[Rule]


@contextmanager
def _in_body() -> Iterator[None]:
    """The service points into a rule from its root; FastAPI's own validation errors start
    with "body". Prefix the former so a client sees one convention on this API."""
    try:
        yield
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, [FieldError(("body", *e.loc), e.msg)
                                        for e in exc.errors]) from exc


@router.get("", dependencies=_READ)
def list_rules(session: DbSession) -> Rules:
    """Every rule, enabled or not, in the order conflicts are settled: the highest priority
    first, then the oldest."""
    return Rules(items=service.list_rules(session))


@router.get("/{rule_id}", dependencies=_READ, responses=problem_responses(404))
def get_rule(rule_id: RuleId, session: DbSession) -> Rule:
    """One rule."""
    return service.get_rule(session, rule_id)


@router.post("", status_code=status.HTTP_201_CREATED,
             dependencies=[_ADMIN, Depends(audited("merchandising.rules.add"))])
def add_rule(body: RuleIn, session: DbSession, runtime: Rt) -> Rule:
    """Add a rule, e.g. ``{"name": "Acme week", "action": "boost", "condition": {"facet":
    "brand", "values": ["acme"]}, "placements": ["home"], "ends_at":
    "2026-12-31T00:00:00Z"}``. Every wrong field is named: an unknown facet at
    ``["body", "condition", "facet"]``, a window that ends before it starts at
    ``["body", "ends_at"]``."""
    with _in_body():
        return service.add_rule(session, body, schema=runtime.facet_schema)


@router.put("/{rule_id}", responses=problem_responses(404),
            dependencies=[_ADMIN, Depends(audited("merchandising.rules.write", target=_RULE))])
def update_rule(rule_id: RuleId, body: RuleIn, session: DbSession, runtime: Rt) -> Rule:
    """Replace one rule (the whole rule: what is left out takes its default)."""
    with _in_body():
        return service.update_rule(session, rule_id, body, schema=runtime.facet_schema)


@router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=problem_responses(404),
               dependencies=[_ADMIN,
                             Depends(audited("merchandising.rules.delete", target=_RULE))])
def delete_rule(rule_id: RuleId, session: DbSession) -> Response:
    """Delete one rule."""
    service.delete_rule(session, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
