"""What each staff role may do. A role is a rank: each one may do what the ones below it
may, and more.

- ``read_only`` sees every page of the dashboard and changes nothing;
- ``marketer`` also edits segments, content slots and merchandising rules;
- ``admin`` also manages staff accounts.
"""

from __future__ import annotations

from typing import Literal, get_args

from prefero.i18n.catalogues import N_

__all__ = ["ROLES", "ROLE_NAMES", "Role", "allows"]

Role = Literal["read_only", "marketer", "admin"]
#: Lowest first: the order is the rank.
ROLES: tuple[Role, ...] = get_args(Role)
#: Each role in words, for the staff pages.
ROLE_NAMES: dict[Role, str] = {
    "read_only": N_("Read only"),
    "marketer": N_("Marketer"),
    "admin": N_("Administrator"),
}


def allows(role: str, needed: Role) -> bool:
    """Whether an account with ``role`` may do what needs ``needed``. A role this version
    does not know allows nothing.

    >>> allows("admin", "marketer"), allows("marketer", "marketer"), allows("read_only", "marketer")
    (True, True, False)
    >>> allows("owner", "read_only")
    False
    """
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(needed)
