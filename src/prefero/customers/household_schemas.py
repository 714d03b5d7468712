"""Request and response shapes for household profiles (``prefero.customers.households``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prefero.customers.household_models import MAIN_PROFILE, PROFILE_KEY_PATTERN
from prefero.text import VisibleText

__all__ = [
    "MAIN_PROFILE",
    "PROFILE_KEY_PATTERN",
    "ProfileIn",
    "ProfileKind",
    "ProfileList",
    "ProfileOut",
    "ProfilePatch",
    "as_profile_kind",
]


ProfileKind = Literal["adult", "child", "teen", "other"]


def as_profile_kind(text: str | None) -> ProfileKind | None:
    """A stored kind as the type says it, or None for none (or one no longer known).

    >>> as_profile_kind("child"), as_profile_kind("robot")
    ('child', None)
    """
    for kind in ("adult", "child", "teen", "other"):
        if text == kind:
            return kind
    return None
ProfileName = Annotated[VisibleText, Field(min_length=1, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileIn(_Strict):
    """A new profile of the household: ``profile_id`` is the id it gets in paths."""

    profile_id: str = Field(pattern=PROFILE_KEY_PATTERN, description=(
        "Lower-case letters, digits and dashes, up to 30; 'main' is the account itself"))
    name: ProfileName = Field(description="What the household calls it, e.g. 'Kids'")
    kind: ProfileKind | None = None

    @field_validator("name")
    @classmethod
    def _trimmed(cls, name: str) -> str:
        name = " ".join(name.split())
        if not name:
            raise ValueError("the name is empty")
        return name

    @field_validator("profile_id")
    @classmethod
    def _not_main(cls, key: str) -> str:
        if key == MAIN_PROFILE:
            raise ValueError("'main' is the account's own profile; choose another id")
        return key


class ProfilePatch(_Strict):
    """What to change; fields left out stay as they are."""

    name: ProfileName | None = None
    kind: ProfileKind | None = None
    position: int | None = Field(default=None, ge=0, le=100)

    @field_validator("name")
    @classmethod
    def _trimmed(cls, name: str | None) -> str | None:
        if name is None:
            return None
        name = " ".join(name.split())
        if not name:
            raise ValueError("the name is empty")
        return name


class ProfileOut(_Strict):
    profile_id: str
    name: str | None = Field(description="None for the main profile (the account itself)")
    kind: ProfileKind | None = None
    main: bool
    position: int
    created_at: datetime | None = None


class ProfileList(_Strict):
    customer_id: str
    max_profiles: int = Field(description="Profiles an account may hold, the main one included")
    profiles: list[ProfileOut]

