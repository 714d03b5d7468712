"""The personalization level in force: the one the customer chose (or the shop's default),
as far as their consents allow it.

A level names what ranking may use; a consent withdrawn takes that use away whatever level is
chosen. So the level in force is what the answers are actually made at: without
``personalization`` consent nothing the customer said or did is used (``off``); without
``tracking`` consent behaviour is not used, so ``balanced`` and ``full`` rank by what was
declared only (``declared``). ``context`` consent only adds the current session at ``full``,
which stays ``full`` without it.
"""

from __future__ import annotations

from collections.abc import Mapping

from prefero.types import Level, Purpose

__all__ = ["effective_level"]


def effective_level(level: Level, consents: Mapping[Purpose, bool]) -> Level:
    """The level answers are made at, given the chosen ``level`` and the consents in force.

    >>> effective_level("balanced", {"personalization": False, "tracking": True})
    'off'
    >>> effective_level("full", {"personalization": True, "tracking": False})
    'declared'
    >>> effective_level("full", {"personalization": True, "tracking": True, "context": False})
    'full'
    """
    if level == "off" or not consents.get("personalization", False):
        return "off"
    if level in ("balanced", "full") and not consents.get("tracking", False):
        return "declared"
    return level
