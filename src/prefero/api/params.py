"""Path and query parameters several routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

__all__ = ["NO_CONTROL_CHARACTERS", "CustomerId", "CustomerIdQuery"]

# Control characters (a %00 in a path) cannot be stored by PostgreSQL; refuse them up front.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"

CustomerId = Annotated[str, Path(
    min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS,
    description="The shop's id for the customer or the anonymous visitor",
)]

CustomerIdQuery = Annotated[str | None, Query(
    max_length=200, pattern=NO_CONTROL_CHARACTERS,
    description="Known or anonymous id; left out: a stranger (or the token's own customer)",
)]
