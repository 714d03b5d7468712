"""How each on-site prompt fared lately: the times it was shown and the customers who
dismissed it ("don't show me this again") in a recent window, read from the prompts' own log
(``prefero.prompts.models``). What the dashboard's prompts page shows beside every prompt.

Both are counted by the prompt's key, so a prompt the shop deleted and created again under
the same key keeps its history, as the log does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prefero.db.base import utcnow
from prefero.prompts.models import PromptDismissal, PromptShown

__all__ = ["WINDOW", "Activity", "prompt_activity"]

#: The window the dashboard counts over (the content page's, so the two pages agree).
WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Activity:
    """One prompt's counts within the window."""

    shown: int = 0
    dismissed: int = 0


def prompt_activity(session: Session, *, since: datetime | None = None
                    ) -> Mapping[str, Activity]:
    """Prompt key → times shown and dismissals since ``since`` (default: ``WINDOW`` ago); a
    prompt with neither is absent (read it as ``Activity()``).

    >>> prompt_activity(session)["cart-exit"]  # doctest: +SKIP
    Activity(shown=412, dismissed=9)
    """
    since = since if since is not None else utcnow() - WINDOW
    shown = {key: int(count) for key, count in session.execute(
        select(PromptShown.prompt_key, func.count()).where(PromptShown.at >= since)
        .group_by(PromptShown.prompt_key))}
    dismissed = {key: int(count) for key, count in session.execute(
        select(PromptDismissal.prompt_key, func.count()).where(PromptDismissal.at >= since)
        .group_by(PromptDismissal.prompt_key))}
    return {key: Activity(shown=shown.get(key, 0), dismissed=dismissed.get(key, 0))
            for key in sorted(set(shown) | set(dismissed))}
