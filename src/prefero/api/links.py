"""OpenAPI links: which later operations a response leads to, with which parameters.

A client generator or a tester (schemathesis walks them as a state machine) then knows that
the customer whose preferences were just saved can be read, exported, given consent, a token
or erased. Schemathesis infers the links it can see from response bodies (a product's id, a
quiz session's id); these are the ones it cannot: a customer created by a PUT whose response
carries no id of its own.
"""

from __future__ import annotations

from typing import Any

__all__ = ["THE_SAME_CUSTOMER", "links"]

# The customer of the request's own path.
THE_SAME_CUSTOMER = {"customer_id": "$request.path.customer_id"}


def _pointer(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (RFC 6901 escaping).

    >>> _pointer("/v1/customers/{customer_id}", "delete")
    '#/paths/~1v1~1customers~1{customer_id}/delete'
    """
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def links(status: int, *targets: tuple[str, str, str], parameters: dict[str, str]
          ) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entry declaring that a ``status`` answer links to each ``(name, method,
    path)`` target with the same ``parameters``.

    >>> links(200, ("GetPreferences", "get", "/v1/customers/{customer_id}/preferences"),
    ...       parameters=THE_SAME_CUSTOMER)[200]["links"]["GetPreferences"]["parameters"]
    {'customer_id': '$request.path.customer_id'}
    """
    return {status: {"links": {
        name: {"operationRef": _pointer(path, method), "parameters": dict(parameters)}
        for name, method, path in targets}}}
