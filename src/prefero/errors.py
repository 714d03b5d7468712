"""The error tree. Services raise these; one handler in the API maps them to problem+json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PreferoError",
    "Unauthorized",
]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: ``loc`` is the path from the request body's root."""

    loc: tuple[str | int, ...]
    msg: str

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg}


@dataclass
class PreferoError(Exception):
    detail: str
    errors: Sequence[FieldError] = field(default_factory=tuple)

    status: int = 500
    slug: str = "internal"
    title: str = "Internal error"

    def __post_init__(self) -> None:
        super().__init__(self.detail)


@dataclass
class NotFound(PreferoError):
    status: int = 404
    slug: str = "not-found"
    title: str = "Not found"


@dataclass
class InvalidInput(PreferoError):
    status: int = 422
    slug: str = "invalid-input"
    title: str = "Invalid input"


@dataclass
class Conflict(PreferoError):
    status: int = 409
    slug: str = "conflict"
    title: str = "Conflict"


@dataclass
class Unauthorized(PreferoError):
    status: int = 401
    slug: str = "unauthorized"
    title: str = "Missing or unknown API key"


@dataclass
class Forbidden(PreferoError):
    status: int = 403
    slug: str = "forbidden"
    title: str = "API key lacks the scope"
