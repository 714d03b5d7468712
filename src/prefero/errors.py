"""The error tree. Services raise these; one handler in the API maps them to problem+json."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "Conflict",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "InvalidToken",
    "NotFound",
    "NotReady",
    "Overloaded",
    "PreferoError",
    "TokenExpired",
    "Unauthorized",
    "UnsafeConfiguration",
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


@dataclass
class Overloaded(PreferoError):
    """No capacity right now (every slot busy, no database connection or SQLite write lock
    within the bounded wait): answered 503 with ``Retry-After`` instead of a long silence."""

    status: int = 503
    slug: str = "overloaded"
    title: str = "Service busy, retry shortly"
    retry_after: int = 1


@dataclass
class NotReady(Overloaded):
    """The readiness probe: the database does not answer (503 + Retry-After)."""

    slug: str = "not-ready"
    title: str = "Not ready"


@dataclass
class InvalidToken(Unauthorized):
    """A customer token that is expired, tampered, signed by an unknown key or revoked.

    Answered 401 with ``WWW-Authenticate: Bearer`` (an API-key 401 names the key header)."""

    slug: str = "invalid-token"
    title: str = "Missing, invalid or expired customer token"


class TokenExpired(InvalidToken):
    """A customer token that was validly signed but has expired: the same 401, but not a
    guess, so it does not count against the client address's failed authentications."""


class UnsafeConfiguration(RuntimeError):
    """Production mode with an empty, short or built-in (public) key or secret: the server
    refuses to start.

    ``variables`` names each environment variable at fault (never its value)."""

    def __init__(self, variables: list[str]) -> None:
        self.variables = list(variables)
        super().__init__(
            "refusing to start in production mode: "
            + ", ".join(variables)
            + " hold(s) an empty, too short (under 32 characters) or public built-in key "
            "or secret; set your own (e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
            "or set PREFERO_MODE=demo for a local demo"
        )
