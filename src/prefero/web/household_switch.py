"""What the header's household switcher shows: the signed-in account's profiles and which
one the pages follow now. One indexed read, for signed-in accounts only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from prefero.customers.household_models import MAIN_PROFILE, HouseholdProfile
from prefero.web.identity import switch_profile, visitor

__all__ = ["HouseholdMenu", "MenuEntry", "household_menu"]


@dataclass(frozen=True)
class MenuEntry:
    profile_id: str
    #: None for the account's own profile: the page says "Me" in its language.
    name: str | None
    active: bool


@dataclass(frozen=True)
class HouseholdMenu:
    entries: tuple[MenuEntry, ...]

    @property
    def active(self) -> MenuEntry:
        return next(entry for entry in self.entries if entry.active)

    @property
    def shared(self) -> bool:
        """Whether the account holds profiles besides its own (the switcher shows then)."""
        return len(self.entries) > 1


def household_menu(session: Session, request: Request) -> HouseholdMenu | None:
    """The switcher's entries for a signed-in account, its own first; None for a visitor.

    A profile removed elsewhere (the API, another browser) since this session chose it is
    dropped from the session here: the next page shops for the account's own profile."""
    who = visitor(request)
    if not who.signed_in:
        return None
    rows = session.execute(
        select(HouseholdProfile.profile_key, HouseholdProfile.name)
        .where(HouseholdProfile.owner_id == who.account_id)
        .order_by(HouseholdProfile.position, HouseholdProfile.id)).all()
    keys = {key for key, _ in rows}
    active = who.profile_id if who.profile_id in keys else MAIN_PROFILE
    if active != who.profile_id:
        switch_profile(request, profile_id=MAIN_PROFILE, subject_id=who.account_id)
    return HouseholdMenu(entries=(
        MenuEntry(profile_id=MAIN_PROFILE, name=None, active=active == MAIN_PROFILE),
        *(MenuEntry(profile_id=key, name=name, active=key == active) for key, name in rows)))
